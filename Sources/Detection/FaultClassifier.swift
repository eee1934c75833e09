public import Foundation
import SpikeCore

/// The rate-coded fault-class readout: one LIF neuron per fault kind (SpikeCore's
/// ``RateReadout``, as under the Iris classifier), fed the spike counts an alert's
/// feature neurons sent (per feature and direction, plus gap and reset events). The kind
/// whose neuron fires most names the alert.
///
/// Counts are normalised to a fixed number of input spikes (a rate code of *which*
/// features surprised, independent of how long the alert has lasted) and presented as
/// evenly spaced spike trains over a window; weights are fitted by `spikewatch train`.
public struct FaultClassifier: Sendable, Codable, Equatable {
    /// Model file format version.
    public static let formatVersion = 1
    public var version = FaultClassifier.formatVersion
    /// Fault kinds, one readout neuron each.
    public var kinds: [String]
    /// Input keys (`feature+`, `feature-`, `reporting_gap_s`, `counter_reset`).
    public var keys: [String]
    /// Weights `keys x kinds`, row-major.
    public var weights: [Double]
    /// Input spikes one presentation carries in total.
    public var presentedSpikes = 40.0

    static let window: Microseconds = 100_000
    static let neuron = LIFParameters.milliseconds(tau: 20, vRest: 0, vReset: 0, vThresh: 1, refractory: 1)

    public init(kinds: [String], keys: [String]) {
        self.kinds = kinds
        self.keys = keys
        weights = Array(repeating: 0, count: kinds.count * keys.count)
    }

    /// The input spike trains for a count vector.
    func inputSpikes(_ counts: [String: Int]) -> [[Microseconds]] {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return Array(repeating: [], count: keys.count) }
        return keys.enumerated().map { index, key in
            let share = Double(counts[key] ?? 0) / Double(total)
            let spikes = Int((share * presentedSpikes).rounded())
            guard spikes > 0 else { return [] }
            let rate = Double(spikes) / (Double(Self.window) / 1_000_000)
            let phase = Microseconds(Double(index % 7) / 7 * 1_000_000 / rate)
            return Array(RegularRateEncoder(rateHz: rate, phase: phase).spikeTimes(duration: Self.window).prefix(spikes))
        }
    }

    /// The output layer: one readout neuron per kind over the keys' spike trains.
    var readout: RateReadout {
        RateReadout(inputCount: keys.count, classCount: kinds.count, neuron: Self.neuron, window: Self.window, weights: weights)
    }

    /// Fewest spikes the winning kind's neuron must fire, and its lead over the runner-up,
    /// for its name to be given (a fifth of the training target, and two spikes).
    static let minimumWinnerSpikes = 3
    static let minimumLead = 2
    /// Share of the episode's spikes that must come from inputs the model was trained on.
    static let minimumKnownShare = 0.5

    /// The kind whose neuron fires most for these counts, or `anomaly` when the readout
    /// cannot tell honestly: most of the episode's spikes come from features the model
    /// was not trained on (another metric set), or no kind's neuron fires clearly ahead.
    public func classify(_ counts: [String: Int]) -> String {
        guard !kinds.isEmpty, counts.values.contains(where: { $0 > 0 }) else { return "anomaly" }
        let total = counts.values.reduce(0, +)
        let known = counts.reduce(0) { $0 + (keys.contains($1.key) ? $1.value : 0) }
        guard Double(known) >= Self.minimumKnownShare * Double(total) else { return "anomaly" }
        let response = readout.respond(to: inputSpikes(counts)).response
        let spikes = response.counts
        let order = response.ranking
        let best = order[0]
        let runnerUp = order.count > 1 ? spikes[order[1]] : 0
        guard spikes[best] >= Self.minimumWinnerSpikes, spikes[best] - runnerUp >= Self.minimumLead else { return "anomaly" }
        return kinds[best]
    }

    /// Fits the weights to labelled count vectors with the rate-based delta rule.
    public static func train(examples: [(counts: [String: Int], kind: String)], epochs: Int = 60, seed: UInt64 = 1)
        -> FaultClassifier
    {
        let kinds = Array(Set(examples.map(\.kind))).sorted()
        let keys = Array(Set(examples.flatMap { $0.counts.keys })).sorted()
        var model = FaultClassifier(kinds: kinds, keys: keys)
        guard !examples.isEmpty else { return model }
        var rng = SeededGenerator(seed: seed)
        let inputs = examples.map { model.inputSpikes($0.counts) }
        let targets = examples.map { kinds.firstIndex(of: $0.kind)! }
        var order = Array(examples.indices)
        var readout = model.readout
        for epoch in 0..<epochs {
            let rate = 0.02 / (1 + Double(epoch) / 15)
            order.shuffle(using: &rng)
            for index in order {
                let counts = readout.respond(to: inputs[index]).response.counts
                readout.learn(spikes: inputs[index], counts: counts, label: targets[index], targetSpikes: 12, rate: rate)
            }
        }
        model.weights = readout.weights
        return model
    }

    /// Reads a model file.
    public init(json data: Data) throws {
        self = try JSONDecoder().decode(FaultClassifier.self, from: data)
        guard version == Self.formatVersion else {
            throw ModelError("model format version \(version); this build reads version \(Self.formatVersion)")
        }
        guard weights.count == kinds.count * keys.count, weights.allSatisfy(\.isFinite) else {
            throw ModelError("weights do not match \(keys.count) keys x \(kinds.count) kinds, or are not finite")
        }
        // Each presentation becomes this many input spikes: a huge count would be a huge
        // allocation at the first alert (1e12), or a trap converting it (1e300).
        guard presentedSpikes.isFinite, (1...Self.mostPresentedSpikes).contains(presentedSpikes) else {
            throw ModelError("presentedSpikes must be a number from 1 to \(Int(Self.mostPresentedSpikes)), got \(presentedSpikes)")
        }
        if let kind = kinds.first(where: { !Self.isKindName($0) }) {
            throw ModelError("kind \(String(reflecting: kind)) is not a fault kind name (1 to 64 letters, digits, '_', '-' or '.')")
        }
        guard Set(kinds).count == kinds.count, Set(keys).count == keys.count else {
            throw ModelError("a kind or an input key is listed twice")
        }
    }

    /// The most input spikes a model may present (training uses 40).
    static let mostPresentedSpikes = 1000.0

    /// Whether `name` can name a fault kind in an alert: 1 to 64 ASCII letters, digits,
    /// `_`, `-` or `.` (what `train` accepts as a label; no spaces, no control characters).
    public static func isKindName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (1...64).contains(bytes.count)
            && bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
    }

    /// The model as JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

/// A model file that cannot be used.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
