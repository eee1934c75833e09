/// A rate-coded readout layer: one LIF output neuron per class, every input connected to
/// every output through a weight; spike trains are presented for one window and the
/// class is the output that fires most (ties: the highest membrane potential at the end
/// of the window). Trained by the rate-based delta rule on its own spike counts.
///
/// Shared by ``RateCodedClassifier`` (population-coded feature vectors) and the fault-class
/// readout of the anomaly model (the spike counts an alert's feature neurons sent); each
/// brings its own input coding.
public struct RateReadout: Sendable {
    public let inputCount: Int
    public let classCount: Int
    /// Output neurons' parameters.
    public let neuron: LIFParameters
    /// Presentation window, microseconds.
    public let window: Microseconds
    /// Weights, `inputs x classes`, row-major.
    public var weights: [Double]

    public init(inputCount: Int, classCount: Int, neuron: LIFParameters, window: Microseconds, weights: [Double]? = nil) {
        precondition(weights == nil || weights!.count == inputCount * classCount)
        self.inputCount = inputCount
        self.classCount = classCount
        self.neuron = neuron
        self.window = window
        self.weights = weights ?? Array(repeating: 0, count: inputCount * classCount)
    }

    /// The network: every input to every class neuron with a non-zero weight.
    public func network() -> Network {
        var builder = NetworkBuilder()
        for _ in 0..<classCount { builder.addNeuron(neuron) }
        for input in 0..<inputCount {
            builder.addInput()
            for output in 0..<classCount where weights[input * classCount + output] != 0 {
                builder.connect(.input(input), to: output, weight: weights[input * classCount + output])
            }
        }
        return builder.build()
    }

    /// What one presentation produced.
    public struct Response: Sendable {
        /// Output spikes per class.
        public var counts: [Int]
        /// Each class neuron's V at the end of the window.
        public var finalPotentials: [Double]
        /// Synaptic events delivered.
        public var synapticEvents: Int

        /// Classes from most to fewest spikes (ties: higher final potential first).
        public var ranking: [Int] {
            counts.indices.sorted { a, b in
                counts[a] != counts[b] ? counts[a] > counts[b] : finalPotentials[a] > finalPotentials[b]
            }
        }
    }

    /// Presents spike trains (one array of times per input) for one window.
    public func respond(to spikes: [[Microseconds]], network: Network? = nil, recording neuron: Int? = nil)
        -> (response: Response, simulator: Simulator)
    {
        var simulator = Simulator(network: network ?? self.network())
        if let neuron { simulator.recordVoltage(of: neuron) } else { simulator.recordsSpikes = false }
        for (input, times) in spikes.enumerated() {
            for time in times { simulator.inject(input: input, at: time) }
        }
        simulator.run(until: window)
        let potentials = (0..<classCount).map { simulator.potential(of: $0, at: window) }
        return (Response(counts: simulator.spikeCounts, finalPotentials: potentials, synapticEvents: simulator.synapticEvents),
                simulator)
    }

    /// One delta-rule step after presenting `spikes` of class `label`, whose response
    /// counted `counts`: `w[i][c] += rate * (target_c - count_c) * spikes_i * windowSeconds`,
    /// with `target` spikes for the true class and 0 for the others.
    public mutating func learn(spikes: [[Microseconds]], counts: [Int], label: Int, targetSpikes: Double, rate: Double) {
        let windowSeconds = Double(window) / 1_000_000
        for output in 0..<classCount {
            let target = output == label ? targetSpikes : 0
            let error = target - Double(counts[output])
            if error == 0 { continue }
            for input in 0..<inputCount where !spikes[input].isEmpty {
                weights[input * classCount + output] += rate * error * Double(spikes[input].count) * windowSeconds
            }
        }
    }
}
