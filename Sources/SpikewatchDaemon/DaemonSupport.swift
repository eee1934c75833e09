import Detection
import Foundation
import Logging
import Synchronization
import Telemetry

/// Progress of one processing loop, for the watchdog: it pings systemd only while every
/// loop has moved on since the last check or sits idle waiting for input.
final class LoopHealth: Sendable {
    let name: String
    let progress = Atomic<UInt64>(0)
    let idle = Atomic<Bool>(true)
    let finished = Atomic<Bool>(false)

    init(name: String) { self.name = name }

    func tick() { progress.add(1, ordering: .relaxed) }
}

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
    case sequence(SequenceBarrier)
}

/// The publisher's `seq` at a point of its queue, for the checkpoint.
final class SequenceBarrier: Sendable {
    let answer = Mutex<Int64?>(nil)

    func deliver(_ sequence: Int64) { answer.withLock { $0 = sequence } }

    var value: Int64? { answer.withLock { $0 } }
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
final class SnapshotCollector: Sendable {
    let parts: Mutex<[Checkpoint?]>

    init(count: Int) { parts = Mutex(Array(repeating: nil, count: count)) }

    func deliver(_ shard: Int, _ checkpoint: Checkpoint) {
        parts.withLock { $0[shard] = checkpoint }
    }

    var complete: [Checkpoint]? {
        parts.withLock { parts in parts.contains { $0 == nil } ? nil : parts.map { $0! } }
    }

    /// Moves the delivered parts out, so that they die with their new owner.
    func take() -> [Checkpoint] {
        parts.withLock { parts in
            defer { parts = [] }
            return parts.compactMap { $0 }
        }
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
        logger.warning("rejected telemetry: \(rejection.detail)", metadata: metadata)
    }
}

/// Text a publisher chose, made safe for one log line: at most 160 characters, control
/// characters escaped.
func loggable(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars.prefix(160) {
        if scalar.value < 0x20 || scalar.value == 0x7F {
            result += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return text.unicodeScalars.count > 160 ? result + "..." : result
}

