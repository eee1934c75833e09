import Foundation

/// Paces published samples by their timestamps at `speed` times real time (replay --to,
/// demo), with a bounded wait: a sample whose `ts` lies more than ``maximumJump`` seconds
/// of telemetry time after the latest one paced so far (the daemon's default
/// `cells.max_time_jump_s`) is sent without waiting and does not move the pace on, so
/// one far-future line cannot stall the stream for days.
struct TelemetryPacer {
    /// Telemetry seconds one step may advance the pace.
    static let maximumJump = 3600.0

    /// Times real time (> 0).
    let speed: Double
    /// The latest timestamp paced so far.
    private var clock: Double?
    /// Telemetry seconds paced so far.
    private var elapsed = 0.0

    init(speed: Double) {
        self.speed = speed
    }

    /// Seconds of wall clock from the start at which a sample stamped `timestamp` is due,
    /// and, when its timestamp jumps more than ``maximumJump`` ahead, by how much (the
    /// sample is then due at once).
    mutating func due(_ timestamp: Double) -> (seconds: Double, jump: Double?) {
        guard let clock else {
            self.clock = timestamp
            return (0, nil)
        }
        let gap = timestamp - clock
        if gap > Self.maximumJump { return (elapsed / speed, gap) }
        if gap > 0 {
            elapsed += gap
            self.clock = timestamp
        }
        return (elapsed / speed, nil)
    }

    /// The warning for a sample from `source` (`file:line`) whose timestamp jumped.
    static func warning(source: String, jump: Double) -> String {
        "warning: \(source): ts is \(String(format: "%.0f", jump)) s after the latest sample's (more than \(Int(maximumJump)) s); sent without waiting\n"
    }
}
