import Detection
import Foundation
import Logging
import Synchronization
import Systemd
import Telemetry

/// Work handed to a detection thread.
enum WorkItem: Sendable {
    case sample(TelemetrySample, names: MetricNames?, receivedAt: ContinuousClock.Instant)
    case snapshot(SnapshotCollector)
    case reconfigure(DetectorSettings, FaultClassifier?, limits: CellLimits)
    /// Evict the cells silent longer than the idle limit (the daemon's clock: wall time).
    case sweep
    /// The daemon stops without keeping what it learned: clear every active alert.
    case clearAlerts(reason: String)
}

/// Work handed to the alert publisher.
enum PublisherItem: Sendable {
    /// A transition from a detection shard (its `seq` is assigned at publish).
    case transition(Alert)
    /// Report the next `seq` once every item queued before this one is published.
    case sequence(Reply<Int64>)
}

/// The per-shard settings of the sequence tracker, from the configuration.
struct CellLimits: Sendable {
    var maximumCells: Int
    var idleEviction: Double
    var maximumTimeJump: Double
    var maximumFutureLead: Double

    init(_ configuration: DaemonConfiguration, shards: Int) {
        maximumCells = max(1, configuration.maximumCells / max(1, shards))
        idleEviction = configuration.idleEviction
        maximumTimeJump = configuration.maximumTimeJump
        maximumFutureLead = configuration.maximumFutureLead
    }

    func apply(to tracker: inout SequenceTracker) {
        tracker.maximumCells = maximumCells
        tracker.idleEviction = idleEviction
        tracker.maximumTimeJump = maximumTimeJump
        tracker.maximumFutureLead = maximumFutureLead
        // The daemon sweeps on its own schedule, so evicted cells' alerts can be closed.
        tracker.sweepsOnAdmission = false
    }
}

/// Gathers one checkpoint from every shard.
final class SnapshotCollector: @unchecked Sendable {
    // @unchecked Sendable: `parts` is only read or written with `condition` locked.
    private let condition = NSCondition()
    private var parts: [Checkpoint?]

    init(count: Int) { parts = Array(repeating: nil, count: count) }

    func deliver(_ shard: Int, _ checkpoint: Checkpoint) {
        condition.lock()
        parts[shard] = checkpoint
        condition.broadcast()
        condition.unlock()
    }

    /// Every shard's part, moved out (so the snapshot dies with its new owner), or nil if
    /// one did not answer within `timeout` seconds.
    func take(timeout: Double) -> [Checkpoint]? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while parts.contains(where: { $0 == nil }) {
            if !condition.wait(until: deadline) { return nil }
        }
        defer { parts = [] }
        return parts.map { $0! }
    }
}

/// Logs rejections at most once per reason per 10 seconds, with how many were suppressed,
/// naming the cell (when known) and the topic of the message logged.
struct RejectionLogLimiter {
    var last: [RejectionReason: (time: ContinuousClock.Instant, suppressed: Int)] = [:]

    mutating func log(_ rejection: Rejection, cell: String?, topic: String?, logger: Logger) {
        let now = ContinuousClock.now
        if let entry = last[rejection.reason], now - entry.time < .seconds(10) {
            last[rejection.reason] = (entry.time, entry.suppressed + 1)
            return
        }
        let suppressed = last[rejection.reason]?.suppressed ?? 0
        last[rejection.reason] = (now, 0)
        var metadata: Logger.Metadata = [
            "reason": "\(rejection.reason.rawValue)", "suppressed_since_last": "\(suppressed)",
        ]
        if let cell { metadata["cell"] = "\(loggable(cell))" }
        if let topic { metadata["topic"] = "\(loggable(topic))" }
        // The detail quotes the cell id or topic as sent: escaped like the metadata.
        logger.warning("rejected telemetry: \(loggable(rejection.detail, limit: 400))", metadata: metadata)
    }
}

/// Text a publisher chose, made safe for one log line: at most `limit` characters,
/// control characters, line separators and bidirectional overrides escaped.
func loggable(_ text: String, limit: Int = 160) -> String {
    var result = ""
    for scalar in text.unicodeScalars.prefix(limit) {
        if isUnsafeToShow(scalar) {
            result += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return text.unicodeScalars.count > limit ? result + "..." : result
}


/// What every component reads: the running configuration, the log, systemd, the counters.
final class DaemonShared: Sendable {
    let configuration: Mutex<DaemonConfiguration>
    let logger: Logger
    let notifier = SystemdNotifier()
    let metrics = DaemonMetrics()
    let startedAt = ContinuousClock.now
    /// Fired when the daemon starts stopping.
    let stopping = Signal()

    init(configuration: DaemonConfiguration, logger: Logger) {
        self.configuration = Mutex(configuration)
        self.logger = logger
    }

    var current: DaemonConfiguration { configuration.withLock { $0 } }
}
