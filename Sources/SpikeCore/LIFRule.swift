#if canImport(Glibc)
import Glibc
#endif

/// The leaky integrate-and-fire rule (docs/network.md), written once for every place a
/// neuron is updated: the event-driven ``Simulator`` (struct-of-arrays state) and
/// ``OnlineLIF`` (the streaming detector's growable population).
///
/// Between events V decays exactly towards `rest` (factor `exp(-dt / tau)`); all
/// arrivals at one instant are summed, then the threshold is tested once: `V >= threshold`
/// fires, sets V to `vReset` and makes the neuron refractory for `[t, t + refractory)`,
/// ignoring arrivals, after which the leak restarts from `vReset`.
///
/// Each step is a tiny inlined function, so the engine's hot loop compiles to what it
/// was when the rule was written out at each site.
public enum LIFRule {
    /// Whether an arrival at `time` is ignored: the neuron is refractory until
    /// `refractoryUntil` (exclusive; `Int64.min` for a neuron that never fired).
    @inlinable @inline(__always)
    public static func isRefractory(at time: Int64, until refractoryUntil: Int64) -> Bool {
        time < refractoryUntil
    }

    /// The decay factor over a gap of `dt` microseconds (>= 0) for a time constant of
    /// `tau` microseconds, computed with `exp` (``DecayTable`` tabulates it). Not
    /// `@inlinable` (libm is imported internally); inlined within SpikeCore.
    @inline(__always)
    public static func decayFactor(after dt: Int64, tau: Double) -> Double {
        exp(-Double(dt) / tau)
    }

    /// V decayed towards `rest` by `factor` (see ``decayFactor(after:tau:)``).
    @inlinable @inline(__always)
    public static func decayed(_ v: Double, rest: Double, factor: Double) -> Double {
        rest + (v - rest) * factor
    }

    /// V decayed by `factor`, then an arrival of `weight` added (one event's update).
    @inlinable @inline(__always)
    public static func integrated(_ v: Double, rest: Double, factor: Double, weight: Double) -> Double {
        decayed(v, rest: rest, factor: factor) + weight
    }

    /// The threshold test, once all of an instant's arrivals are summed into `v`.
    @inlinable @inline(__always)
    public static func fires(_ v: Double, threshold: Double) -> Bool {
        v >= threshold
    }

    /// The reset after a spike at `time`: V to `vReset`, refractory until
    /// `time + refractory` (wrapping, never trapping), and the leak restarts then.
    @inlinable @inline(__always)
    public static func reset(
        v: inout Double, lastUpdate: inout Int64, refractoryUntil: inout Int64,
        at time: Int64, vReset: Double, refractory: Int64
    ) {
        v = vReset
        let end = time &+ refractory
        refractoryUntil = end
        lastUpdate = end
    }
}
