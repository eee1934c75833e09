/// A growable population of LIF neurons driven online, one instant at a time, with the
/// same semantics as ``Simulator`` (docs/network.md, ``LIFRule``): exact decay since the last
/// update, same-instant inputs summed before the threshold test, reset and refractory.
///
/// The streaming detector uses it where the network grows as metrics appear: add the
/// instant's input with ``receive(_:weight:at:tau:)``, then ``settle(at:)`` to test
/// thresholds. Nothing is computed for a neuron no spike reaches. Codable, so it
/// checkpoints exactly.
///
/// Each neuron's state is one element of one array, and an instant with no input is
/// settled without touching memory outside the struct: the detector keeps a population
/// per cell, and at a thousand cells every separate buffer read per sample is a cache
/// miss.
public struct OnlineLIF: Sendable, Equatable {
    /// Shared parameters (time constant and refractory period in microseconds).
    public let parameters: LIFParameters

    /// One neuron's state.
    struct Neuron: Sendable, Equatable {
        var v: Double
        var lastUpdate: Int64
        var refractoryUntil: Int64
        var spikeCount: Int
    }

    private var neurons: [Neuron] = []
    /// Neurons that received input at the current instant, in arrival order.
    private var touched: [Int32] = []
    /// Whether `touched` is non-empty (read without loading the array).
    private var anyTouched = false

    public init(parameters: LIFParameters) {
        self.parameters = parameters
    }

    /// Number of neurons.
    public var count: Int { neurons.count }

    /// Membrane potentials as of each neuron's last update.
    public var v: [Double] { neurons.map(\.v) }
    /// Each neuron's last update time (microseconds).
    public var lastUpdate: [Int64] { neurons.map(\.lastUpdate) }
    /// Each neuron's end of refractory period (microseconds; `Int64.min` if never fired).
    public var refractoryUntil: [Int64] { neurons.map(\.refractoryUntil) }
    /// Spikes fired so far, per neuron.
    public var spikeCounts: [Int] { neurons.map(\.spikeCount) }

    /// Adds a neuron at rest; returns its index.
    @discardableResult
    public mutating func add() -> Int {
        neurons.append(Neuron(v: parameters.vRest, lastUpdate: 0, refractoryUntil: .min, spikeCount: 0))
        return neurons.count - 1
    }

    /// V of neuron `index` at `time` (>= its last update), without changing state.
    /// - Parameter tau: a time constant (microseconds) overriding the parameters' one.
    public func potential(_ index: Int, at time: Int64, tau: Double? = nil) -> Double {
        Self.potential(of: neurons[index], at: time, tau: tau ?? parameters.tau, parameters: parameters)
    }

    static func potential(of neuron: Neuron, at time: Int64, tau: Double, parameters: LIFParameters) -> Double {
        if LIFRule.isRefractory(at: time, until: neuron.refractoryUntil) { return parameters.vReset }
        let dt = max(0, time - neuron.lastUpdate)
        return LIFRule.decayed(neuron.v, rest: parameters.vRest, factor: LIFRule.decayFactor(after: dt, tau: tau))
    }

    /// Adds `weight` to neuron `index` at `time`; ignored while refractory.
    /// - Precondition: `time` is not before the neuron's last update.
    /// - Parameter tau: a time constant (microseconds) overriding the parameters' one.
    public mutating func receive(_ index: Int, weight: Double, at time: Int64, tau: Double? = nil) {
        if LIFRule.isRefractory(at: time, until: neurons[index].refractoryUntil) { return }
        if !anyTouched || !touched.contains(Int32(index)) {
            // First input of this instant: apply the leak since the last update.
            neurons[index].v = Self.potential(of: neurons[index], at: time, tau: tau ?? parameters.tau, parameters: parameters)
            neurons[index].lastUpdate = time
            touched.append(Int32(index))
            anyTouched = true
        }
        neurons[index].v += weight
    }

    /// Tests the threshold of every neuron that received input at `time`; returns the
    /// indices that fired, in increasing order, each reset and made refractory.
    /// - Parameters:
    ///   - refractory: a refractory period (microseconds) overriding the parameters' one.
    ///   - threshold: a threshold overriding the parameters' one (an adaptive threshold
    ///     kept by the caller).
    public mutating func settle(at time: Int64, refractory: Int64? = nil, threshold: Double? = nil) -> [Int] {
        guard anyTouched else { return [] }
        var fired: [Int] = []
        let refractory = refractory ?? parameters.refractory
        let threshold = threshold ?? parameters.vThresh
        for index32 in touched {
            let index = Int(index32)
            var neuron = neurons[index]
            if LIFRule.fires(neuron.v, threshold: threshold) {
                LIFRule.reset(
                    v: &neuron.v, lastUpdate: &neuron.lastUpdate, refractoryUntil: &neuron.refractoryUntil,
                    at: time, vReset: parameters.vReset, refractory: refractory)
                neuron.spikeCount += 1
                neurons[index] = neuron
                fired.append(index)
            }
        }
        touched.removeAll(keepingCapacity: true)
        anyTouched = false
        return fired.sorted()
    }
}

/// Encoded as parallel arrays (the checkpoint format of every version so far).
extension OnlineLIF: Codable {
    enum CodingKeys: String, CodingKey {
        case parameters, v, lastUpdate, refractoryUntil, touched, spikeCounts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parameters = try c.decode(LIFParameters.self, forKey: .parameters)
        let v = try c.decode([Double].self, forKey: .v)
        let lastUpdate = try c.decode([Int64].self, forKey: .lastUpdate)
        let refractoryUntil = try c.decode([Int64].self, forKey: .refractoryUntil)
        let spikeCounts = try c.decode([Int].self, forKey: .spikeCounts)
        touched = try c.decode([Int32].self, forKey: .touched)
        guard lastUpdate.count == v.count, refractoryUntil.count == v.count, spikeCounts.count == v.count,
            touched.allSatisfy({ $0 >= 0 && Int($0) < v.count })
        else {
            throw DecodingError.dataCorruptedError(forKey: .v, in: c, debugDescription: "neuron arrays differ in length")
        }
        // A potential or a parameter that is not a number would blind the neuron for good
        // (every comparison with it false) and be written into every later checkpoint.
        guard v.allSatisfy(\.isFinite) else {
            throw DecodingError.dataCorruptedError(forKey: .v, in: c, debugDescription: "a membrane potential is not a finite number")
        }
        guard parameters.tau.isFinite, parameters.tau > 0, parameters.vRest.isFinite, parameters.vReset.isFinite,
            parameters.vThresh.isFinite, parameters.refractory >= 0
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .parameters, in: c, debugDescription: "neuron parameters out of range (tau must be > 0, potentials finite, refractory >= 0)")
        }
        anyTouched = !touched.isEmpty
        neurons = v.indices.map {
            Neuron(v: v[$0], lastUpdate: lastUpdate[$0], refractoryUntil: refractoryUntil[$0], spikeCount: spikeCounts[$0])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(v, forKey: .v)
        try c.encode(lastUpdate, forKey: .lastUpdate)
        try c.encode(refractoryUntil, forKey: .refractoryUntil)
        try c.encode(touched, forKey: .touched)
        try c.encode(spikeCounts, forKey: .spikeCounts)
    }
}

#if canImport(Glibc)
import Glibc
#endif
