import Foundation
import Testing
@testable import SpikeCore

@Suite("Spike encoders")
struct EncoderTests {
    @Test("regular rate coding spaces spikes 1/rate apart from the phase; tiny rates send nothing")
    func regular() {
        #expect(RegularRateEncoder(rateHz: 100).spikeTimes(duration: 50_000) == [0, 10_000, 20_000, 30_000, 40_000])
        #expect(RegularRateEncoder(rateHz: 100, phase: 2500).spikeTimes(duration: 25_000) == [2500, 12_500, 22_500])
        #expect(RegularRateEncoder(rateHz: 1e-300, phase: 5).spikeTimes(duration: 1_000_000) == [5])
        #expect(RegularRateEncoder(rateHz: 0).spikeTimes(duration: 1_000_000).isEmpty)
        #expect(RegularRateEncoder(rateHz: .nan).spikeTimes(duration: 1_000_000).isEmpty)
    }

    @Test("seeded Poisson trains reproduce exactly and have the right mean rate")
    func poisson() {
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        let encoder = PoissonEncoder(rateHz: 50)
        let first = encoder.spikeTimes(duration: 100_000_000, using: &a)
        #expect(first == encoder.spikeTimes(duration: 100_000_000, using: &b))
        // 100 s at 50 Hz: 5,000 expected, standard deviation ~71.
        #expect(abs(first.count - 5000) < 300)
        #expect(first == first.sorted())
        #expect(first.allSatisfy { $0 >= 0 && $0 < 100_000_000 })
    }

    @Test("latency coding: stronger values spike earlier; weak ones not at all")
    func latency() {
        let encoder = LatencyEncoder(window: 10_000, minimum: 0.1)
        #expect(encoder.spikeTime(for: 1) == 0)
        #expect(encoder.spikeTime(for: 0.25) == 7500)
        #expect(encoder.spikeTime(for: 2) == 0)
        #expect(encoder.spikeTime(for: 0.05) == nil)
        #expect(encoder.spikeTime(for: .nan) == nil)
    }

    @Test("send-on-delta sends ON/OFF spikes per crossed step and nothing for a steady signal")
    func sendOnDelta() {
        var encoder = SendOnDeltaEncoder(delta: 0.5)
        #expect(encoder.encode(10) == nil)  // the first sample sets the reference
        #expect(encoder.encode(10.2) == nil)
        #expect(encoder.encode(11.6)! == (.on, 3))
        #expect(encoder.reference == 11.5)
        #expect(encoder.encode(10.4)! == (.off, 2))
        #expect(encoder.encode(10.4) == nil)
        #expect(encoder.encode(.infinity) == nil)
    }

    @Test("population coding peaks at the field nearest the value")
    func population() {
        let encoder = PopulationEncoder(low: 0, high: 1, count: 5, maximumRateHz: 100)
        let rates = encoder.rates(for: 0.5)
        #expect(rates[2] == 100)
        #expect(rates[1] == rates[3])
        #expect(rates[0] < rates[1])
        #expect(abs(rates[1] - 100 * exp(-0.5)) < 1e-9)  // one sigma away
    }
}

@Suite("Rate-coded classification")
struct ClassifierTests {
    /// Two well-separated Gaussian blobs in 2-D.
    func blobs(count: Int, seed: UInt64) -> ([[Double]], [Int]) {
        var rng = SeededGenerator(seed: seed)
        var features: [[Double]] = []
        var labels: [Int] = []
        for index in 0..<count {
            let label = index % 2
            let centre = label == 0 ? (1.0, 3.0) : (3.0, 1.0)
            features.append([centre.0 + 0.3 * rng.nextGaussian(), centre.1 + 0.3 * rng.nextGaussian()])
            labels.append(label)
        }
        return (features, labels)
    }

    @Test("the class neuron that fires most names the class after training")
    func separable() {
        var settings = RateCodedClassifier.Settings()
        settings.epochs = 8
        settings.window = 100_000
        var classifier = RateCodedClassifier(featureCount: 2, classCount: 2, settings: settings)
        let (features, labels) = blobs(count: 40, seed: 3)
        var rng = SeededGenerator(seed: 11)
        // Untrained: no weights, no spikes.
        #expect(classifier.predict(features[0], using: &rng).counts == [0, 0])
        classifier.train(features: features, labels: labels, using: &rng)
        let (test, testLabels) = blobs(count: 20, seed: 99)
        var correct = 0
        for (sample, label) in zip(test, testLabels) {
            let response = classifier.predict(sample, using: &rng)
            if response.predicted == label { correct += 1 }
            #expect(response.counts[response.predicted] == response.counts.max())
        }
        #expect(correct >= 19)
    }

    @Test("a stratified split holds out the same fraction of every class")
    func split() {
        var rng = SeededGenerator(seed: 1)
        let labels = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 50) + Array(repeating: 2, count: 50)
        let split = stratifiedSplit(labels: labels, testFraction: 0.3, using: &rng)
        #expect(split.test.count == 45)
        #expect(Set(split.test).isDisjoint(with: split.train))
        #expect(split.test.filter { labels[$0] == 2 }.count == 15)
    }
}
