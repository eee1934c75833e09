import ArgumentParser
import Detection
import Evaluation
import Foundation
import SpikewatchDaemon
import Telemetry
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded telemetry through the detector, or publish it onto ZeroMQ.",
        discussion: """
            Without --to, every sample goes through the same pipeline as the daemon, in \
            process, as fast as possible and deterministically: --scores writes one CSV row \
            per input sample (`timestamp,cell,anomaly_score`, empty score for a rejected \
            sample), --alerts the alert transitions as JSON Lines. With --to, the samples \
            are published as telemetry (`[telemetry.<cell>][payload]`) at --speed times \
            real time, for a running daemon. Several files form one stream, in order. \
            Files ending in .csv are read as CSV (a timestamp column and numeric metric \
            columns) for the cell named by --cell; so is standard input (-) when it does \
            not start with `{`.
            """)

    @Argument(help: "Fixture files (JSON Lines, or CSV with --cell); - reads standard input.")
    var files: [String]

    @Option(help: "Publish to this ZeroMQ endpoint instead of detecting (@ binds, > connects; bare binds, as for synth --to: the daemon's telemetry socket connects by default).")
    var to: String?

    @Option(help: ArgumentHelp(
        "With --to: times real time (0 = as fast as possible; otherwise 0.001 to 1000000).",
        discussion: "A sample whose ts lies more than 3600 s after the latest one is sent without waiting, with a warning naming FILE:LINE."))
    var speed = 1.0

    @Option(help: "With --to: seconds to wait for a subscriber before publishing (0 = don't wait; at most 3600).")
    var waitSubscriber = 10.0

    @Option(help: "Cell id for CSV files (default: the file's name without extension).")
    var cell: String?

    @Option(help: "Write per-sample anomaly scores here (CSV).")
    var scores: String?

    @Option(help: "Write alert transitions here (JSON Lines).")
    var alerts: String?

    @Option(help: "A fault-class model from `spikewatch train` (spiking detector only).")
    var model: String?

    @Option(help: "The detector: spiking, rolling_zscore, ewma or static_threshold.")
    var detector: DetectorChoice = .spiking

    @Option(help: timezoneHelp)
    var timezone = "UTC"
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Set a knob of the chosen detector's settings (repeatable), e.g. deadZone=4 or threshold=3.5.",
        valueName: "KEY=VALUE"))
    var assignments: [String] = []

    @Option(help: "With --to: CURVE server secret key file (the daemon connects with this key's public half).")
    var curveSecretKeyFile: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one fixture file") }
        try OptionBounds.checkSpeed("--speed", speed, zeroAllowed: true)
        try OptionBounds.check("--wait-subscriber", waitSubscriber, from: 0, to: 3600)
        if to != nil && (scores != nil || alerts != nil) {
            throw ValidationError("--scores and --alerts go with in-process replay, not with --to")
        }
        if model != nil && detector != .spiking {
            throw ValidationError("--model goes with --detector spiking")
        }
        try refuseOverwrite(outputs: [("--scores", scores), ("--alerts", alerts)], inputs: files + [model].compactMap { $0 })
    }

    func run() throws {
        // Every file readable before any is read: a missing second file is named at once,
        // not after the first has been replayed.
        for file in files where file != "-" && access(file, R_OK) != 0 {
            throw CommandFailure("cannot read \(file): \(DaemonConfiguration.unreadable(file))")
        }
        if let to {
            let (records, names) = try loadRecords(files, cell: cell)
            try publish(records, names: names, to: to)
            return
        }
        let classifier = try model.map { try FaultClassifier(json: Data(try readInput($0))) }
        switch try detector.make(assignments: assignments, classifier: classifier, localTime: localTime(timezone)) {
        case .spiking(let spiking): try detect(detector: spiking)
        case .baseline(let baseline): try detect(detector: baseline)
        }
    }

    /// Detects as the stream is read, file by file: each sample goes through the pipeline
    /// and its score row is written as it is decoded, none kept (a long recording needs
    /// the memory of one file's bytes, not of all its samples).
    func detect<Detector: AnomalyDetector>(detector: Detector) throws {
        var pipeline = Pipeline(detector: detector)
        let scoresFile = try scores.map { try StreamedFile(path: $0) }
        try scoresFile?.write("timestamp,cell,anomaly_score\n")
        var outcome = ReplayOutcome()
        var count = 0
        try forEachRecord(files, cell: cell, progress: "replay") { record, names in
            count += 1
            let score = outcome.feed(record, names: names, pipeline: &pipeline)
            if let scoresFile {
                var row = csvField(record.timestampText) + "," + csvField(record.cellText) + ","
                if let score { row += formatScore(score) }
                try scoresFile.write(row + "\n")
            }
        }
        try scoresFile?.commit()
        // Numbered and filtered as the daemon's publisher does, so the file holds what a
        // subscriber of every alert topic would receive.
        let transitions = AlertLedger.published(outcome.transitions)
        if let alerts {
            var lines = ""
            for transition in transitions { lines += String(decoding: transition.json(), as: UTF8.self) + "\n" }
            try writeFile(alerts, lines)
        }
        let raised = transitions.filter { $0.state == .raised }.count
        var summary = ""
        // The first rejected lines by file and line, then the counts.
        for (source, rejection) in outcome.firstRejections {
            summary += "\(AlertPrinter.visible(source)): \(rejection.reason.rawValue): \(AlertPrinter.visible(String(rejection.detail.prefix(300))))\n"
        }
        let rejectedCount = outcome.rejected.values.reduce(0, +)
        if rejectedCount > outcome.firstRejections.count {
            summary += "... and \(rejectedCount - outcome.firstRejections.count) more rejected lines\n"
        }
        summary += "\(count) samples: \(outcome.samples) processed"
        for (reason, count) in outcome.rejected.sorted(by: { $0.key < $1.key }) { summary += ", \(count) \(reason.rawValue)" }
        summary += "; \(raised) alerts raised, \(transitions.count) transitions"
        if detector.name == "spiking" {
            summary += String(format: "; %.2f synaptic events per sample (a dense network of the same shape: %.1f multiply-accumulates)",
                              Double(outcome.synapticEvents) / Double(max(outcome.samples, 1)),
                              Double(outcome.denseOperations) / Double(max(outcome.samples, 1)))
        }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
    }

    /// Publishes the records as telemetry, paced by their timestamps.
    func publish(_ records: [RecordedSample], names: MetricNames, to text: String) throws {
        let endpoint = try Endpoint(parsing: text, defaultAction: .bind)
        let context = try Context()
        let socket = try Socket(context, type: .extendedPublisher)
        try socket.setLinger(milliseconds: 5000)
        try socket.setSendHighWaterMark(0)
        if let file = curveSecretKeyFile {
            guard let contents = FileManager.default.contents(atPath: file),
                let key = CurveKey(z85: String(decoding: contents, as: UTF8.self))
            else { throw ValidationError("--curve-secret-key-file: \(file) does not hold a Z85 key") }
            try socket.makeCurveServer(secretKey: key)
        }
        try socket.attach(endpoint)
        if waitSubscriber > 0 {
            var items = [socket.pollItem()]
            guard try poll(&items, timeoutMilliseconds: Int(waitSubscriber * 1000)) > 0 else {
                throw CommandFailure("no subscriber on \(endpoint) within \(waitSubscriber) s (use --wait-subscriber 0 to publish anyway)")
            }
            _ = try socket.receiveMultipart(dontWait: true)
        }
        let start = ContinuousClock.now
        var pacer = TelemetryPacer(speed: speed)
        var sent = 0
        let progress = ProgressBar(total: records.count, label: "publish")
        for record in records {
            guard case .success(let sample) = record.result else { continue }
            if speed > 0 {
                let (offset, jump) = pacer.due(sample.timestamp)
                if let jump {
                    FileHandle.standardError.write(Data(TelemetryPacer.warning(source: AlertPrinter.visible(record.source), jump: jump).utf8))
                }
                let due = start + .seconds(offset)
                let wait = due - ContinuousClock.now
                if wait > .zero {
                    Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) * 1e-18)
                }
            }
            // Drain subscription messages so the XPUB's inbound queue never fills.
            while try socket.receiveMultipart(dontWait: true) != nil {}
            try socket.send(topic: "telemetry." + sample.cell, payload: sample.json(names: names, includeLabel: false))
            sent += 1
            if sent % 1024 == 0 { progress.update(sent) }
        }
        progress.finish()
        FileHandle.standardError.write(Data("published \(sent) samples to \(endpoint)\n".utf8))
    }
}

/// Whether a fixture is CSV: by its extension, or for standard input ("-") by its
/// content (JSON Lines start with `{`; a byte-order mark and blank space are skipped).
func isCSVInput(_ file: String, _ bytes: [UInt8]) -> Bool {
    if file.lowercased().hasSuffix(".csv") { return true }
    guard file == "-" else { return false }
    let skipped: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF]
    guard let first = bytes.first(where: { !skipped.contains($0) }) else { return false }
    return first != UInt8(ascii: "{")
}

/// Reads fixture files (JSON Lines, or CSV by extension or content) as one stream,
/// calling `body` with each record in order and the metric names known so far; with a
/// `progress` label, a bar per file on a terminal. Returns every name read.
@discardableResult
func forEachRecord(
    _ files: [String], cell: String?, progress label: String? = nil, _ body: (RecordedSample, MetricNames) throws -> Void
) throws -> MetricNames {
    var reader = FixtureReader()
    for (index, file) in files.enumerated() {
        let bytes = try readInput(file)
        let progress = label.map { label in
            ProgressBar(total: bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) },
                        label: files.count > 1 ? "\(label) \(index + 1)/\(files.count)" : label)
        }
        var done = 0
        func step(_ record: RecordedSample, _ names: MetricNames) throws {
            try body(record, names)
            done += 1
            if done % 4096 == 0 { progress?.update(done) }
        }
        if isCSVInput(file, bytes) {
            let name = cell ?? (file == "-" ? "stdin" : URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)
            var importer = CSVImporter(cell: name, metricNames: reader.decoder.metricNames)
            do {
                try importer.read(String(decoding: bytes, as: UTF8.self), name: file) { try step($0, $1) }
            } catch let failure as CommandFailure {
                throw failure
            } catch let format as CSVImporter.FormatError {
                throw CommandFailure("\(format)")
            }
            reader.decoder = TelemetryDecoder(metricNames: importer.metricNames)
        } else {
            try reader.read(bytes, name: file) { try step($0, $1) }
        }
        progress?.finish()
    }
    return reader.decoder.metricNames
}

/// Reads fixture files (JSON Lines, or CSV by extension or content) into one stream.
func loadRecords(_ files: [String], cell: String?) throws -> ([RecordedSample], MetricNames) {
    var records: [RecordedSample] = []
    let names = try forEachRecord(files, cell: cell) { record, _ in records.append(record) }
    return (records, names)
}

/// A score with at most 6 decimals and no trailing zeros.
func formatScore(_ score: Double) -> String {
    let text = String(format: "%.6f", min(max(score, 0), 1))
    var trimmed = Substring(text)
    while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
    if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
    return String(trimmed)
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar: Sendable {
    let total: Int
    let label: String
    let enabled: Bool

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        enabled = isatty(STDERR_FILENO) == 1 && total > 10_000
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let fraction = Double(done) / Double(max(total, 1))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(Int(fraction * 100))% (\(done)/\(total))".utf8))
    }

    func finish() {
        guard enabled else { return }
        update(total)
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
