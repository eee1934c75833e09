/// Parameters of one leaky integrate-and-fire neuron.
public struct LIFParameters: Sendable, Equatable, Hashable, Codable {
    /// Membrane time constant in microseconds (> 0).
    public var tau: Double
    /// Resting potential: where V starts and decays towards.
    public var vRest: Double
    /// Potential right after a spike, held through the refractory period.
    public var vReset: Double
    /// Firing threshold: V >= vThresh spikes.
    public var vThresh: Double
    /// Refractory period in microseconds: arrivals in `[t_spike, t_spike + refractory)` are ignored.
    public var refractory: Microseconds

    public init(tau: Double, vRest: Double = 0, vReset: Double = 0, vThresh: Double = 1, refractory: Microseconds = 0) {
        self.tau = tau
        self.vRest = vRest
        self.vReset = vReset
        self.vThresh = vThresh
        self.refractory = refractory
    }

    /// Parameters with the time constant and refractory period given in milliseconds.
    public static func milliseconds(
        tau: Double, vRest: Double = 0, vReset: Double = 0, vThresh: Double = 1, refractory: Double = 0
    ) -> LIFParameters {
        LIFParameters(
            tau: tau * 1000, vRest: vRest, vReset: vReset, vThresh: vThresh,
            refractory: Microseconds(roundingMilliseconds: refractory) ?? 0)
    }
}

/// Where a synapse starts: an external input or a neuron.
public enum SpikeSource: Sendable, Hashable {
    case input(Int)
    case neuron(Int)
}

/// Collects neurons, inputs and synapses, then compiles them into a ``Network``.
public struct NetworkBuilder: Sendable {
    public private(set) var neurons: [LIFParameters] = []
    public private(set) var inputCount = 0
    var synapses: [(source: SpikeSource, target: Int, weight: Double, delay: Microseconds)] = []

    public init() {}

    /// Adds a neuron and returns its index.
    @discardableResult
    public mutating func addNeuron(_ parameters: LIFParameters) -> Int {
        neurons.append(parameters)
        return neurons.count - 1
    }

    /// Adds an input (a spike source driven from outside) and returns its index.
    @discardableResult
    public mutating func addInput() -> Int {
        inputCount += 1
        return inputCount - 1
    }

    /// Connects a source to a neuron. Repeated synapses add.
    /// - Precondition: indices exist; `delay >= 0` from an input and `> 0` from a neuron.
    public mutating func connect(_ source: SpikeSource, to target: Int, weight: Double, delay: Microseconds = 0) {
        switch source {
        case .input(let index): precondition(index >= 0 && index < inputCount && delay >= 0)
        case .neuron(let index): precondition(index >= 0 && index < neurons.count && delay > 0)
        }
        precondition(target >= 0 && target < neurons.count && weight.isFinite)
        synapses.append((source, target, weight, delay))
    }

    /// Compiles the network: synapses grouped by source and delay in CSR form.
    public func build() -> Network {
        Network(builder: self)
    }
}

/// A compiled, immutable network: neuron parameters as arrays, synapses in CSR form,
/// grouped by (source, delay) so one queued event delivers a whole group.
public struct Network: Sendable {
    /// Number of neurons.
    public let neuronCount: Int
    /// Number of external inputs.
    public let inputCount: Int
    /// Number of synapses (repeated ones merged into one).
    public var synapseCount: Int { targets.count }
    /// Each neuron's parameters.
    public let parameters: [LIFParameters]

    // Per neuron.
    let vRest: [Double]
    let vReset: [Double]
    let vThresh: [Double]
    let refractory: [Int64]
    let tableIndex: [Int32]
    let decayTables: [DecayTable]

    // Sources are numbered inputs first, then neurons.
    let sourceGroupStart: [Int32]  // count: sources + 1
    let groupDelay: [Int64]
    let groupSynapseStart: [Int32]  // count: groups + 1
    let targets: [Int32]
    let weights: [Double]

    init(builder: NetworkBuilder) {
        neuronCount = builder.neurons.count
        inputCount = builder.inputCount
        parameters = builder.neurons
        vRest = builder.neurons.map(\.vRest)
        vReset = builder.neurons.map(\.vReset)
        vThresh = builder.neurons.map(\.vThresh)
        refractory = builder.neurons.map(\.refractory)
        var tauIndex: [Double: Int32] = [:]
        var tables: [DecayTable] = []
        var indices: [Int32] = []
        for neuron in builder.neurons {
            if let index = tauIndex[neuron.tau] {
                indices.append(index)
            } else {
                let index = Int32(tables.count)
                tauIndex[neuron.tau] = index
                tables.append(DecayTable(tauMicroseconds: neuron.tau))
                indices.append(index)
            }
        }
        tableIndex = indices
        decayTables = tables

        func sourceIndex(_ source: SpikeSource) -> Int {
            switch source {
            case .input(let index): index
            case .neuron(let index): builder.inputCount + index
            }
        }
        let order = builder.synapses.indices.sorted { a, b in
            let sa = builder.synapses[a]
            let sb = builder.synapses[b]
            let ia = sourceIndex(sa.source)
            let ib = sourceIndex(sb.source)
            if ia != ib { return ia < ib }
            if sa.delay != sb.delay { return sa.delay < sb.delay }
            if sa.target != sb.target { return sa.target < sb.target }
            return a < b
        }
        let sourceCount = builder.inputCount + builder.neurons.count
        var sourceGroupStart = [Int32](repeating: 0, count: sourceCount + 1)
        var groupDelay: [Int64] = []
        var groupSynapseStart: [Int32] = []
        var targets: [Int32] = []
        var weights: [Double] = []
        var previous: (source: Int, delay: Int64)? = nil
        var nextSource = 0
        for index in order {
            let synapse = builder.synapses[index]
            let source = sourceIndex(synapse.source)
            if previous == nil || previous!.source != source || previous!.delay != synapse.delay {
                while nextSource <= source {
                    sourceGroupStart[nextSource] = Int32(groupDelay.count)
                    nextSource += 1
                }
                groupDelay.append(synapse.delay)
                groupSynapseStart.append(Int32(targets.count))
                previous = (source, synapse.delay)
            }
            // Repeated synapses add: merge them, so a group names each target once.
            if targets.count > Int(groupSynapseStart[groupSynapseStart.count - 1]),
                targets[targets.count - 1] == Int32(synapse.target)
            {
                weights[weights.count - 1] += synapse.weight
            } else {
                targets.append(Int32(synapse.target))
                weights.append(synapse.weight)
            }
        }
        while nextSource <= sourceCount {
            sourceGroupStart[nextSource] = Int32(groupDelay.count)
            nextSource += 1
        }
        groupSynapseStart.append(Int32(targets.count))
        self.sourceGroupStart = sourceGroupStart
        self.groupDelay = groupDelay
        self.groupSynapseStart = groupSynapseStart
        self.targets = targets
        self.weights = weights
    }
}
