/// Classification by rate coding, as neuromorphic textbooks introduce it.
///
/// Each feature is scaled to [0, 1] (ranges from the training set) and population-coded
/// by Gaussian receptive fields into Poisson spike trains; a bias input fires at a fixed
/// rate. One LIF output neuron per class integrates every input through trained weights;
/// the class is the output neuron that fires the most spikes in the window (ties go to
/// the neuron whose membrane potential is highest at the end of the window).
///
/// Training is a rate-based delta rule on the network's own spike counts: after each
/// sample, `w[i][c] += rate * (target_c - count_c) * inputSpikes_i / window`, with
/// `target` a firing count for the true class and 0 for the others.
public struct RateCodedClassifier: Sendable {
    /// Settings, all with defaults that classify Iris well.
    public struct Settings: Sendable, Equatable {
        /// Receptive fields per feature.
        public var fieldsPerFeature = 8
        /// Peak input rate in Hz.
        public var maximumRateHz = 120.0
        /// Rate of the always-on bias input, Hz.
        public var biasRateHz = 40.0
        /// Presentation window per sample, microseconds.
        public var window: Microseconds = 300_000
        /// Output neurons' parameters.
        public var neuron = LIFParameters.milliseconds(tau: 20, vRest: 0, vReset: 0, vThresh: 1, refractory: 2)
        /// Spikes the true class's neuron should fire per window.
        public var targetSpikes = 20.0
        /// Learning rate of the delta rule.
        public var learningRate = 0.002
        /// How rates become spike trains: evenly spaced with a random phase, or Poisson.
        public var coding = Coding.regular
        /// Passes over the training set.
        public var epochs = 100

        public init() {}
    }

    /// Spike-train generation for a rate.
    public enum Coding: Sendable, Equatable {
        /// Evenly spaced spikes, each input with a seeded random phase.
        case regular
        /// A seeded Poisson process.
        case poisson
    }

    public let settings: Settings
    public let classCount: Int
    public let featureCount: Int
    /// Per feature: (low, high) of the training set.
    public private(set) var ranges: [(low: Double, high: Double)]
    /// The output layer (``RateReadout``); its last input is the bias.
    public private(set) var readout: RateReadout
    /// Weights, `inputs x classes`, row-major; the last input is the bias.
    public var weights: [Double] { readout.weights }

    /// Inputs: `featureCount * fieldsPerFeature` fields plus one bias.
    public var inputCount: Int { featureCount * settings.fieldsPerFeature + 1 }

    /// An untrained classifier.
    public init(featureCount: Int, classCount: Int, settings: Settings = Settings()) {
        self.settings = settings
        self.featureCount = featureCount
        self.classCount = classCount
        ranges = Array(repeating: (0, 1), count: featureCount)
        readout = RateReadout(
            inputCount: featureCount * settings.fieldsPerFeature + 1, classCount: classCount, neuron: settings.neuron,
            window: settings.window)
    }

    /// Input rates (Hz) for a feature vector.
    public func inputRates(_ features: [Double]) -> [Double] {
        precondition(features.count == featureCount)
        let population = PopulationEncoder(
            low: 0, high: 1, count: settings.fieldsPerFeature, maximumRateHz: settings.maximumRateHz)
        var rates: [Double] = []
        rates.reserveCapacity(inputCount)
        for (index, value) in features.enumerated() {
            let (low, high) = ranges[index]
            let scaled = high > low ? min(max((value - low) / (high - low), 0), 1) : 0.5
            rates += population.rates(for: scaled)
        }
        rates.append(settings.biasRateHz)
        return rates
    }

    /// Input spike trains for a feature vector, drawn from `generator`.
    public func inputSpikes(_ features: [Double], using generator: inout SeededGenerator) -> [[Microseconds]] {
        inputRates(features).map { rate in
            switch settings.coding {
            case .poisson:
                return PoissonEncoder(rateHz: rate).spikeTimes(duration: settings.window, using: &generator)
            case .regular:
                guard rate > 0 else { return [] }
                let phase = Microseconds(min(generator.nextUnit() * 1_000_000 / rate, Double(settings.window)))
                return RegularRateEncoder(rateHz: rate, phase: phase).spikeTimes(duration: settings.window)
            }
        }
    }

    /// The network: every input to every class neuron, with the current weights.
    public func network() -> Network { readout.network() }

    /// What one presentation produced.
    public struct Response: Sendable {
        /// Output spikes per class.
        public var counts: [Int]
        /// Each class neuron's V at the end of the window.
        public var finalPotentials: [Double]
        /// The winning class.
        public var predicted: Int
        /// Synaptic events delivered.
        public var synapticEvents: Int
    }

    /// Presents spike trains to the network and reads out the class.
    public func respond(to spikes: [[Microseconds]], network: Network? = nil, recording neuron: Int? = nil)
        -> (response: Response, simulator: Simulator)
    {
        let (response, simulator) = readout.respond(to: spikes, network: network, recording: neuron)
        return (
            Response(counts: response.counts, finalPotentials: response.finalPotentials, predicted: response.ranking[0],
                     synapticEvents: response.synapticEvents),
            simulator
        )
    }

    /// Classifies one feature vector.
    public func predict(_ features: [Double], using generator: inout SeededGenerator) -> Response {
        respond(to: inputSpikes(features, using: &generator)).response
    }

    /// Fits the feature ranges and trains the weights on labelled samples.
    public mutating func train(features: [[Double]], labels: [Int], using generator: inout SeededGenerator) {
        precondition(features.count == labels.count && !features.isEmpty)
        ranges = (0..<featureCount).map { index in
            let column = features.map { $0[index] }
            return (column.min()!, column.max()!)
        }
        var order = Array(features.indices)
        for epoch in 0..<settings.epochs {
            // Anneal the rate so late epochs fine-tune rather than oscillate.
            let rate = settings.learningRate / (1 + Double(epoch) / 10)
            order.shuffle(using: &generator)
            for sample in order {
                let spikes = inputSpikes(features[sample], using: &generator)
                let response = respond(to: spikes).response
                readout.learn(spikes: spikes, counts: response.counts, label: labels[sample], targetSpikes: settings.targetSpikes, rate: rate)
            }
        }
    }
}

/// A stratified random split: `testFraction` of each class held out.
public func stratifiedSplit(labels: [Int], testFraction: Double, using generator: inout SeededGenerator)
    -> (train: [Int], test: [Int])
{
    var train: [Int] = []
    var test: [Int] = []
    for label in Set(labels).sorted() {
        var members = labels.indices.filter { labels[$0] == label }
        members.shuffle(using: &generator)
        let held = Int((Double(members.count) * testFraction).rounded())
        test += members.prefix(held)
        train += members.dropFirst(held)
    }
    return (train.sorted(), test.sorted())
}
