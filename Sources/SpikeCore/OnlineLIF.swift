/// A growable population of LIF neurons driven online, one instant at a time, with the
/// same semantics as ``Simulator`` (INTERFACES.md section 5): exact decay since the last
/// update, same-instant inputs summed before the threshold test, reset and refractory.
///
/// The streaming detector uses it where the network grows as metrics appear: add the
/// instant's input with ``receive(_:weight:at:)``, then ``settle(at:)`` to test thresholds.
/// Nothing is computed for a neuron no spike reaches. Codable, so it checkpoints exactly.
public struct OnlineLIF: Sendable, Codable, Equatable {
    /// Shared parameters (time constant and refractory period in microseconds).
    public let parameters: LIFParameters
    public private(set) var v: [Double] = []
    public private(set) var lastUpdate: [Int64] = []
    public private(set) var refractoryUntil: [Int64] = []
    private var touched: [Int32] = []
    /// Spikes fired so far, per neuron.
    public private(set) var spikeCounts: [Int] = []

    public init(parameters: LIFParameters) {
        self.parameters = parameters
    }

    /// Number of neurons.
    public var count: Int { v.count }

    /// Adds a neuron at rest; returns its index.
    @discardableResult
    public mutating func add() -> Int {
        v.append(parameters.vRest)
        lastUpdate.append(0)
        refractoryUntil.append(.min)
        spikeCounts.append(0)
        return v.count - 1
    }

    /// V of neuron `index` at `time` (>= its last update), without changing state.
    /// - Parameter tau: a time constant (microseconds) overriding the parameters' one.
    public func potential(_ index: Int, at time: Int64, tau: Double? = nil) -> Double {
        if time < refractoryUntil[index] { return parameters.vReset }
        let dt = max(0, time - lastUpdate[index])
        return parameters.vRest + (v[index] - parameters.vRest) * exp(-Double(dt) / (tau ?? parameters.tau))
    }

    /// Adds `weight` to neuron `index` at `time`; ignored while refractory.
    /// - Precondition: `time` is not before the neuron's last update.
    /// - Parameter tau: a time constant (microseconds) overriding the parameters' one.
    public mutating func receive(_ index: Int, weight: Double, at time: Int64, tau: Double? = nil) {
        if time < refractoryUntil[index] { return }
        if !touched.contains(Int32(index)) {
            // First input of this instant: apply the leak since the last update.
            v[index] = potential(index, at: time, tau: tau)
            lastUpdate[index] = time
            touched.append(Int32(index))
        }
        v[index] += weight
    }

    /// Tests the threshold of every neuron that received input at `time`; returns the
    /// indices that fired, in increasing order, each reset and made refractory.
    public mutating func settle(at time: Int64) -> [Int] {
        var fired: [Int] = []
        for index32 in touched {
            let index = Int(index32)
            if v[index] >= parameters.vThresh {
                v[index] = parameters.vReset
                refractoryUntil[index] = time + parameters.refractory
                lastUpdate[index] = time + parameters.refractory
                spikeCounts[index] += 1
                fired.append(index)
            }
        }
        touched.removeAll(keepingCapacity: true)
        return fired.sorted()
    }
}

#if canImport(Glibc)
import Glibc
#endif
