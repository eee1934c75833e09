import Foundation
import Testing
@testable import SpikeCore

/// One neuron (tau 20 ms, threshold 1, refractory 2 ms) fed by one input through `weight`.
func singleNeuron(spikes: [Double], weight: Double = 0.6, delay: Double = 1, refractory: Double = 2,
                  extra: [NetworkDescription.Synapse] = [], duration: Double = 100) -> NetworkDescription {
    NetworkDescription(
        neurons: [.init(id: "n0", tauMs: 20, vRest: 0, vReset: 0, vThresh: 1, refractoryMs: refractory)],
        inputs: [.init(id: "in0", spikesMs: spikes)],
        synapses: [.init(from: "in0", to: "n0", weight: weight, delayMs: delay)] + extra,
        durationMs: duration)
}

@Suite("Event-driven LIF engine against closed-form answers")
struct SimulatorTests {
    @Test("V(t) decays exactly as v_rest + (V0 - v_rest) exp(-dt/tau) between events")
    func closedFormDecay() throws {
        // Sub-threshold: arrivals at 2, 6.5 and 10.25 ms.
        let run = try singleNeuron(spikes: [1, 5.5, 9.25], weight: 0.4).compile().simulate(recordingVoltageOf: 0)
        #expect(run.spikes.isEmpty)
        let v1 = 0.4
        let v2 = v1 * exp(-4.5 / 20) + 0.4
        let v3 = v2 * exp(-3.75 / 20) + 0.4
        #expect(run.voltages.map(\.time) == [2000, 6500, 10250])
        for (sample, expected) in zip(run.voltages, [v1, v2, v3]) {
            #expect(abs(sample.v - expected) < 1e-12)
        }
    }

    @Test("docs/network.md's example spikes at 6.5 ms and the refractory period swallows nothing after it")
    func interfaceExample() throws {
        let run = try singleNeuron(spikes: [1, 5.5, 9.25]).compile().simulate(recordingVoltageOf: 0)
        #expect(run.spikes == [Spike(time: 6500, neuron: 0)])
        // After the spike V is reset; the leak restarts at 8.5 ms; 10.25 ms adds 0.6 to 0.
        #expect(run.voltages.map(\.v) == [0.6, 0, 0.6])
    }

    @Test("arrivals in [t_spike, t_spike + refractory) are ignored; at the end they count")
    func refractoryEdges() throws {
        // Strong input spikes at 0 (arrive at 1 ms: spike), then arrivals at 2.999 and 3.0 ms.
        let description = singleNeuron(spikes: [0, 1.999, 2.0], weight: 1.5, refractory: 2)
        let run = try description.compile().simulate(recordingVoltageOf: 0)
        // 1 ms spike; 2.999 ms ignored (refractory until 3.0); 3.0 ms arrives exactly at the end: spikes.
        #expect(run.spikes.map(\.time) == [1000, 3000])
        // An arrival at the very instant of the spike is summed before the test, not ignored.
        let same = try singleNeuron(spikes: [0, 0], weight: 0.6).compile().simulate()
        #expect(same.spikes.map(\.time) == [1000])
    }

    @Test("same-instant arrivals are summed before the threshold test, from different synapses too")
    func sameInstantSum() throws {
        // 0.5 + 0.5 at one instant reaches the threshold exactly: one spike.
        var description = singleNeuron(spikes: [1], weight: 0.5, delay: 1)
        description.inputs.append(.init(id: "in1", spikesMs: [1.5]))
        description.synapses.append(.init(from: "in1", to: "n0", weight: 0.5, delayMs: 0.5))
        #expect(try description.compile().simulate().spikes.map(\.time) == [2000])
        // 0.5 + 0.6 at one instant fires; add -0.6 inhibition at that instant and it does not.
        description.synapses[1].weight = 0.6
        #expect(try description.compile().simulate().spikes.count == 1)
        description.synapses.append(.init(from: "in1", to: "n0", weight: -0.6, delayMs: 0.5))
        #expect(try description.compile().simulate().spikes.isEmpty)
    }

    @Test("times round to whole microseconds, so 0.1 + 0.2 ms and 0.3 ms are one instant")
    func microsecondInstants() throws {
        var description = singleNeuron(spikes: [0.1], weight: 0.5, delay: 0.2)
        description.inputs.append(.init(id: "in1", spikesMs: [0.3]))
        description.synapses.append(.init(from: "in1", to: "n0", weight: 0.5, delayMs: 0))
        #expect(try description.compile().simulate().spikes.map(\.time) == [300])
        // Halves round away from zero: 0.0005 ms is 1 us.
        #expect(Microseconds(roundingMilliseconds: 0.0005) == 1)
        #expect(Microseconds(roundingMilliseconds: 0.0004999) == 0)
        #expect(Microseconds(roundingMilliseconds: .nan) == nil)
    }

    @Test("delays shift arrivals; neuron-to-neuron chains and self-connections propagate")
    func delaysAndChains() throws {
        let description = NetworkDescription(
            neurons: [
                .init(id: "a", tauMs: 10, vRest: 0, vReset: 0, vThresh: 1, refractoryMs: 0),
                .init(id: "b", tauMs: 10, vRest: 0, vReset: 0, vThresh: 1, refractoryMs: 0),
            ],
            inputs: [.init(id: "x", spikesMs: [0])],
            synapses: [
                .init(from: "x", to: "a", weight: 1, delayMs: 0),
                .init(from: "a", to: "b", weight: 1, delayMs: 2.5),
                .init(from: "b", to: "b", weight: 1, delayMs: 10),  // self-excitation every 10 ms
            ],
            durationMs: 35)
        let spikes = try description.compile().simulate().spikes
        #expect(spikes == [
            Spike(time: 0, neuron: 0), Spike(time: 2500, neuron: 1), Spike(time: 12500, neuron: 1),
            Spike(time: 22500, neuron: 1), Spike(time: 32500, neuron: 1),
        ])
    }

    @Test("events at exactly duration_ms count; later ones do not")
    func durationEdge() throws {
        #expect(try singleNeuron(spikes: [9], weight: 1, delay: 1, duration: 10).compile().simulate().spikes.count == 1)
        #expect(try singleNeuron(spikes: [9.001], weight: 1, delay: 1, duration: 10).compile().simulate().spikes.isEmpty)
    }

    @Test("output is sorted by time, then by the neuron's position")
    func outputOrder() throws {
        let description = NetworkDescription(
            neurons: ["c", "a", "b"].map { .init(id: $0, tauMs: 5, vRest: 0, vReset: 0, vThresh: 1, refractoryMs: 0) },
            inputs: [.init(id: "x", spikesMs: [3, 1])],
            synapses: [
                .init(from: "x", to: "b", weight: 1, delayMs: 0), .init(from: "x", to: "c", weight: 1, delayMs: 0),
                .init(from: "x", to: "a", weight: 2, delayMs: 0),
            ],
            durationMs: 10)
        let spikes = try description.compile().simulate().spikes
        #expect(spikes.map(\.time) == [1000, 1000, 1000, 3000, 3000, 3000])
        #expect(spikes.map(\.neuron) == [0, 1, 2, 0, 1, 2])
    }

    @Test("long silences decay through the exp fallback and underflow to rest")
    func decayTable() {
        for tau in [20_000.0, 3.6e9, 0.7] {
            let table = DecayTable(tauMicroseconds: tau)
            for dt: Int64 in [0, 1, 4095, 4096, 123_456, 99_999_999, 1 << 40] {
                let expected = exp(-Double(dt) / tau)
                let got = table.factor(dt)
                #expect(abs(got - expected) <= 4 * expected.ulp + .leastNormalMagnitude, "tau \(tau) dt \(dt)")
            }
        }
    }

    @Test("randomized networks match the naive reference implementation spike for spike", arguments: 0..<12)
    func randomizedAgainstReference(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let neuronCount = 2 + Int(rng.next() % 12)
        let inputCount = 1 + Int(rng.next() % 5)
        let taus = [5.0, 10, 20]
        let neurons = (0..<neuronCount).map { index in
            NetworkDescription.Neuron(
                id: "n\(index)", tauMs: taus[Int(rng.next() % 3)], vRest: rng.nextUnit() * 0.2 - 0.1,
                vReset: -0.2 + rng.nextUnit() * 0.1, vThresh: 1, refractoryMs: Double(rng.next() % 4) * 0.5)
        }
        let inputs = (0..<inputCount).map { index in
            NetworkDescription.Input(
                id: "i\(index)", spikesMs: (0..<Int(5 + rng.next() % 30)).map { _ in (rng.nextUnit() * 200 * 4).rounded() / 4 })
        }
        var synapses: [NetworkDescription.Synapse] = []
        for _ in 0..<(neuronCount * 4) {
            let fromInput = rng.next() % 2 == 0
            let from = fromInput ? inputs[Int(rng.next() % UInt64(inputCount))].id : neurons[Int(rng.next() % UInt64(neuronCount))].id
            let delay = Double(Int(rng.next() % 8) + (fromInput ? 0 : 1)) * 0.5
            synapses.append(.init(
                from: from, to: neurons[Int(rng.next() % UInt64(neuronCount))].id,
                weight: rng.nextUnit() * 1.2 - 0.3, delayMs: delay))
        }
        let description = NetworkDescription(neurons: neurons, inputs: inputs, synapses: synapses, durationMs: 250)
        let engine = try description.compile().simulate().spikes.map { (time: $0.time, neuron: Int($0.neuron)) }
        let reference = ReferenceSimulator.run(description)
        #expect(engine.count == reference.count)
        #expect(engine.map(\.time) == reference.map(\.time))
        #expect(engine.map(\.neuron) == reference.map(\.neuron))
    }

    @Test("the simulator counts synaptic events and only touches neurons that receive spikes")
    func eventCounting() throws {
        var builder = NetworkBuilder()
        let input = builder.addInput()
        for index in 0..<100 {
            builder.addNeuron(.milliseconds(tau: 20))
            if index < 3 { builder.connect(.input(input), to: index, weight: 0.1) }
        }
        var simulator = Simulator(network: builder.build())
        simulator.inject(input: input, at: 1000)
        simulator.inject(input: input, at: 2000)
        simulator.run(until: 10_000)
        #expect(simulator.synapticEvents == 6)
        #expect(simulator.potential(of: 50, at: 10_000) == 0)
        #expect(abs(simulator.potential(of: 0, at: 2000) - (0.1 * exp(-1.0 / 20) + 0.1)) < 1e-12)
    }
}

@Suite("A bounded run stops a cycle that spikes forever")
struct BoundedRunTests {
    /// Two neurons exciting each other every microsecond for 10 s.
    static let cycle = NetworkDescription(
        neurons: [
            .init(id: "a", tauMs: 20, vRest: 0, vReset: 0, vThresh: 1, refractoryMs: 0),
            .init(id: "b", tauMs: 20, vRest: 0, vReset: 0, vThresh: 1, refractoryMs: 0),
        ],
        inputs: [.init(id: "i", spikesMs: [1])],
        synapses: [
            .init(from: "i", to: "a", weight: 2, delayMs: 0), .init(from: "a", to: "b", weight: 2, delayMs: 0.001),
            .init(from: "b", to: "a", weight: 2, delayMs: 0.001),
        ],
        durationMs: 10_000)

    @Test("the run stops after the instant that passes the limit and says when")
    func cycle() throws {
        let run = try Self.cycle.compile().simulate(recordingVoltageOf: 0, maximumRecords: 100)
        // a fires at 1000 µs, b at 1001, a at 1002, ...: by 1066, 67 spikes and 34 of a's voltages.
        #expect(run.stoppedAt == 1066)
        #expect(run.spikes.count + run.voltages.count == 101)
        #expect(run.spikes.last?.time == 1066)
    }

    @Test("a run under the limit is the same as an unbounded one")
    func underLimit() throws {
        let compiled = try singleNeuron(spikes: [1, 5.5, 9.25]).compile()
        let bounded = compiled.simulate(recordingVoltageOf: 0, maximumRecords: 10)
        let unbounded = compiled.simulate(recordingVoltageOf: 0)
        #expect(bounded.stoppedAt == nil)
        #expect(bounded.spikes == unbounded.spikes)
        #expect(bounded.voltages == unbounded.voltages)
    }

    @Test("tau_ms above 1e9 is refused at compile, not trapped in the decay tables")
    func hugeTau() {
        var description = singleNeuron(spikes: [1])
        description.neurons[0].tauMs = 1e300
        #expect(throws: NetworkDescriptionError.self) { _ = try description.compile() }
        description.neurons[0].tauMs = 1e9
        #expect(throws: Never.self) { _ = try description.compile() }
    }
}
