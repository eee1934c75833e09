#if canImport(Glibc)
import Glibc
#endif

/// Exact exponential decay factors `exp(-dt / tau)` for integer microsecond gaps,
/// from two lookup tables instead of a call to `exp` per event.
///
/// `dt = high * 4096 + low`, so `exp(-dt/tau) = H[high] * L[low]`, each entry computed
/// once with libm `exp`; the product is within 2 ulp of the true value. Gaps beyond the
/// high table (very long time constants, or silence long enough to underflow) fall back
/// to `exp` or to 0.
public struct DecayTable: Sendable {
    static let lowBits: Int64 = 12
    static let lowCount = 1 << 12
    static let maximumHighCount = 1 << 14

    /// The time constant in microseconds.
    public let tau: Double
    let low: [Double]
    let high: [Double]
    /// Gaps at or beyond this many microseconds decay to exactly 0 (underflow).
    let underflowGap: Int64

    /// Builds the tables for a time constant in microseconds (> 0).
    public init(tauMicroseconds tau: Double) {
        precondition(tau > 0 && tau.isFinite, "tau must be positive and finite")
        self.tau = tau
        low = (0..<Self.lowCount).map { exp(-Double($0) / tau) }
        // exp(-x) underflows to 0 for x > ~745.2.
        let underflow = 746.0 * tau
        underflowGap = underflow >= 9.0e18 ? .max : Int64(underflow)
        let needed = Int((underflow / Double(Self.lowCount)).rounded(.up)) + 1
        let count = min(needed, Self.maximumHighCount)
        high = (0..<count).map { exp(-Double($0 * Self.lowCount) / tau) }
    }

    /// `exp(-dt / tau)` for a gap `dt` >= 0 in microseconds.
    @inline(__always)
    public func factor(_ dt: Int64) -> Double {
        let highIndex = Int(truncatingIfNeeded: dt >> 12)
        if highIndex < high.count {
            return high.withUnsafeBufferPointer { $0[highIndex] }
                * low.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: dt & 4095)] }
        }
        if dt >= underflowGap { return 0 }
        return exp(-Double(dt) / tau)
    }
}
