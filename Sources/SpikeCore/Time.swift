/// Simulation time in whole microseconds. The engine's clock: exact, so `0.1 + 0.2` ms
/// and `0.3` ms are the same instant.
public typealias Microseconds = Int64

extension Microseconds {
    /// Milliseconds rounded to the nearest microsecond, halves away from zero.
    /// - Returns: `nil` when the value is not finite or does not fit.
    public init?(roundingMilliseconds milliseconds: Double) {
        let scaled = (milliseconds * 1000).rounded(.toNearestOrAwayFromZero)
        guard scaled.isFinite, abs(scaled) < 9.0e18 else { return nil }
        self = Int64(scaled)
    }

    /// Seconds rounded to the nearest microsecond, halves away from zero.
    public init?(roundingSeconds seconds: Double) {
        self.init(roundingMilliseconds: seconds * 1000)
    }

    /// The time in milliseconds.
    public var milliseconds: Double { Double(self) / 1000 }
}
