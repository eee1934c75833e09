import Foundation
import SpikeCore
import Testing

@Suite("OnlineLIF: the detector's online neurons")
struct OnlineLIFTests {
    /// Inputs at random instants (same-instant arrivals included) onto a few neurons with a
    /// refractory period: the online population fires exactly when the simulator does.
    @Test("fires at the same instants as the event-driven simulator", arguments: [UInt64(1), 2, 3])
    func matchesSimulator(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let parameters = LIFParameters(tau: 5000, vRest: 0.1, vReset: -0.2, vThresh: 1, refractory: 1500)
        var builder = NetworkBuilder()
        var online = OnlineLIF(parameters: parameters)
        let neurons = 4
        for _ in 0..<neurons {
            builder.addNeuron(parameters)
            online.add()
        }
        var weights: [[Double]] = []
        for input in 0..<6 {
            builder.addInput()
            var row: [Double] = []
            for neuron in 0..<neurons {
                let weight = 0.15 + 0.5 * rng.nextUnit()
                builder.connect(.input(input), to: neuron, weight: weight)
                row.append(weight)
            }
            weights.append(row)
        }
        var simulator = Simulator(network: builder.build())
        var time: Int64 = 0
        var instants: [(Int64, [Int])] = []
        for _ in 0..<400 {
            time += Int64(1 + rng.next() % 3000)
            let count = 1 + Int(rng.next() % 3)
            instants.append((time, (0..<count).map { _ in Int(rng.next() % 6) }))
        }
        for (time, inputs) in instants { for input in inputs { simulator.inject(input: input, at: time) } }
        simulator.run(until: time + 1)

        var fired: [Spike] = []
        for (time, inputs) in instants {
            for input in inputs {
                for neuron in 0..<neurons { online.receive(neuron, weight: weights[input][neuron], at: time) }
            }
            fired += online.settle(at: time).map { Spike(time: time, neuron: Int32($0)) }
        }
        #expect(!fired.isEmpty)
        #expect(fired == simulator.spikes)
        #expect(online.spikeCounts == simulator.spikeCounts)
    }

    @Test("round-trips through its checkpoint encoding; a mismatched encoding is refused")
    func codable() throws {
        var online = OnlineLIF(parameters: LIFParameters(tau: 1000, vThresh: 1, refractory: 10))
        online.add()
        online.add()
        online.receive(0, weight: 1.5, at: 100)
        _ = online.settle(at: 100)
        online.receive(1, weight: 0.5, at: 200)  // pending: touched, not settled
        let data = try JSONEncoder().encode(online)
        var restored = try JSONDecoder().decode(OnlineLIF.self, from: data)
        #expect(restored == online)
        #expect(restored.spikeCounts == [1, 0])
        #expect(restored.settle(at: 200) == online.settle(at: 200))
        let broken = String(decoding: data, as: UTF8.self).replacing("\"spikeCounts\":[1,0]", with: "\"spikeCounts\":[1]")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(OnlineLIF.self, from: Data(broken.utf8)) }
        // A potential that is not a number, or a time constant of 0, would blind the
        // neuron for good: refused (checkpoints spell non-finite numbers as strings).
        let checkpointDecoder = JSONDecoder()
        checkpointDecoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let text = String(decoding: data, as: UTF8.self)
        let potentials = try #require(text.firstMatch(of: /"v":\[[^\]]*\]/))
        #expect(throws: DecodingError.self) {
            try checkpointDecoder.decode(OnlineLIF.self, from: Data(text.replacingCharacters(in: potentials.range, with: "\"v\":[\"nan\",0]").utf8))
        }
        let tau = try #require(text.firstMatch(of: /"tau":[0-9.e+]+/))
        #expect(throws: DecodingError.self) {
            try checkpointDecoder.decode(OnlineLIF.self, from: Data(text.replacingCharacters(in: tau.range, with: "\"tau\":0").utf8))
        }
        #expect(try checkpointDecoder.decode(OnlineLIF.self, from: data) == JSONDecoder().decode(OnlineLIF.self, from: data))
    }
}
