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
    case reconfigure(DetectorSettings, FaultClassifier?, maximumCells: Int, idleEviction: Double)
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

/// Logs rejections at most once per reason per 10 seconds, with how many were suppressed.
struct RejectionLogLimiter {
    var last: [RejectionReason: (time: ContinuousClock.Instant, suppressed: Int)] = [:]

    mutating func log(_ rejection: Rejection, logger: Logger) {
        let now = ContinuousClock.now
        if let entry = last[rejection.reason], now - entry.time < .seconds(10) {
            last[rejection.reason] = (entry.time, entry.suppressed + 1)
            return
        }
        let suppressed = last[rejection.reason]?.suppressed ?? 0
        last[rejection.reason] = (now, 0)
        logger.warning(
            "rejected telemetry: \(rejection.detail)",
            metadata: ["reason": "\(rejection.reason.rawValue)", "suppressed_since_last": "\(suppressed)"])
    }
}

