public import Logging
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A swift-log handler writing one line per event to stderr, journald-aware.
///
/// When stderr is connected to the journal (`JOURNAL_STREAM` names stderr's device and
/// inode, see systemd.exec(5)) each line starts with a `<N>` syslog priority prefix, which
/// journald turns into the entry's priority, and carries no timestamp (the journal adds
/// its own). Otherwise lines are plain: `2026-11-29T03:06:04Z warning spikewatch: text key=value`.
public struct JournaldLogHandler: LogHandler {
    /// The logger's label, shown on plain lines.
    public let label: String
    /// Whether to write journald priority prefixes.
    public let journalPrefixes: Bool
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler; `journalPrefixes` defaults to whether stderr is the journal.
    public init(label: String, journalPrefixes: Bool = JournaldLogHandler.stderrIsJournal) {
        self.label = label
        self.journalPrefixes = journalPrefixes
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Whether `JOURNAL_STREAM` names the device and inode of stderr.
    public static var stderrIsJournal: Bool {
        guard let raw = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: raw).split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// The syslog priority of a level, as journald reads it from a `<N>` prefix.
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.format(
            level: event.level, message: "\(event.message)", metadata: merged, label: label,
            journal: journalPrefixes, timestamp: journalPrefixes ? nil : Self.timestamp())
        Self.write(line)
    }

    /// Formats one line; exposed for tests.
    public static func format(
        level: Logger.Level, message: String, metadata: Logger.Metadata, label: String,
        journal: Bool, timestamp: String?
    ) -> String {
        var line = ""
        if journal {
            line += "<\(syslogPriority(level))>"
        } else {
            if let timestamp { line += timestamp + " " }
            line += "\(level) \(label): "
        }
        line += message.replacing("\n", with: " ")
        for key in metadata.keys.sorted() {
            line += " \(key)=\(metadata[key]!)"
        }
        return line + "\n"
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func write(_ line: String) {
        var line = line
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // the logging path never throws; a closed stderr loses the line
                }
                offset += written
            }
        }
    }
}
