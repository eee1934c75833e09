public import SpikeCore
#if canImport(Glibc)
import Glibc
#endif

/// The engine benchmark's two regimes (BENCHMARKS.md, "Engine"): a dense one and a sparse, telemetry-like one.
public struct EngineWorkload: Sendable {
    public var name: String
    public var network: Network
    /// (input, time) sorted by time.
    public var inputSpikes: [(input: Int, time: Microseconds)]
    public var duration: Microseconds
    /// Each input's targets and weights, for the baseline loop.
    var fanout: [[(target: Int32, weight: Double)]]

    /// 100 Poisson inputs at 20 Hz -> 1,000 LIF neurons, 10% connectivity, 10 s.
    public static func dense(seed: UInt64 = 1, seconds: Double = 10) -> EngineWorkload {
        make(name: "dense", inputs: 100, rateHz: 20, neurons: 1000, seed: seed, weight: 0.12, seconds: seconds)
    }

    /// 1,000 Poisson inputs at 1 Hz -> 10,000 LIF neurons, 10% connectivity, 10 s.
    public static func sparse(seed: UInt64 = 1, seconds: Double = 10) -> EngineWorkload {
        make(name: "sparse", inputs: 1000, rateHz: 1, neurons: 10_000, seed: seed, weight: 0.3, seconds: seconds)
    }

    /// Builds a feed-forward network: each input-neuron pair connected with p = 0.1,
    /// tau 20 ms, threshold 1, refractory 2 ms, input spikes on a 0.1 ms grid.
    public static func make(
        name: String, inputs: Int, rateHz: Double, neurons: Int, seed: UInt64, weight: Double,
        seconds: Double = 10
    ) -> EngineWorkload {
        var rng = SeededGenerator(seed: seed)
        var builder = NetworkBuilder()
        for _ in 0..<neurons { builder.addNeuron(.milliseconds(tau: 20, refractory: 2)) }
        var fanout: [[(target: Int32, weight: Double)]] = []
        for input in 0..<inputs {
            builder.addInput()
            var targets: [(Int32, Double)] = []
            for neuron in 0..<neurons where rng.nextUnit() < 0.1 {
                builder.connect(.input(input), to: neuron, weight: weight)
                targets.append((Int32(neuron), weight))
            }
            fanout.append(targets)
        }
        let duration = Microseconds(seconds * 1_000_000)
        var spikes: [(input: Int, time: Microseconds)] = []
        for input in 0..<inputs {
            var previous: Microseconds = -1
            for time in PoissonEncoder(rateHz: rateHz).spikeTimes(duration: duration, using: &rng) {
                // Put spikes on Brian2's 0.1 ms grid so both simulators see the same input;
                // at most one per input and step, as Brian2's spike generator requires.
                let onGrid = (time / 100) * 100
                if onGrid != previous { spikes.append((input, onGrid)) }
                previous = onGrid
            }
        }
        spikes.sort { $0.time != $1.time ? $0.time < $1.time : $0.input < $1.input }
        return EngineWorkload(
            name: name, network: builder.build(), inputSpikes: spikes, duration: duration, fanout: fanout)
    }

    /// Runs the event-driven engine; returns synaptic events and output spikes.
    @inline(never)
    public func runEngine() -> (events: Int, spikes: Int) {
        var simulator = Simulator(network: network)
        simulator.recordsSpikes = false
        for spike in inputSpikes { simulator.inject(input: spike.input, at: spike.time) }
        simulator.run(until: duration)
        return (simulator.synapticEvents, simulator.spikeCounts.reduce(0, +))
    }

    /// The baseline: the minimal exp-per-event loop (what C with libm `exp` does),
    /// over the same input spikes: decay with `exp`, add, test, reset.
    @inline(never)
    public func runBaseline() -> (events: Int, spikes: Int) {
        let count = network.neuronCount
        var v = [Double](repeating: 0, count: count)
        var last = [Int64](repeating: 0, count: count)
        var refractoryUntil = [Int64](repeating: .min, count: count)
        let tau = network.parameters[0].tau
        let refractory = network.parameters[0].refractory
        var events = 0
        var spikes = 0
        for spike in inputSpikes {
            let t = spike.time
            for (target, weight) in fanout[spike.input] {
                let n = Int(target)
                events += 1
                if t < refractoryUntil[n] { continue }
                v[n] = v[n] * exp(-Double(t - last[n]) / tau) + weight
                last[n] = t
                if v[n] >= 1 {
                    v[n] = 0
                    refractoryUntil[n] = t + refractory
                    last[n] = t + refractory
                    spikes += 1
                }
            }
        }
        return (events, spikes)
    }
}

extension EngineWorkload {
    /// The workload, the engine's output spikes and its timing as JSON, for another
    /// simulator to run the same network on the same input (`benchmarks/brian2_engine.py`).
    /// Times are in steps of 0.1 ms (every input and output spike lies on that grid).
    public func exportJSON(seconds: Double, events: Int) -> String {
        var simulator = Simulator(network: network)
        for spike in inputSpikes { simulator.inject(input: spike.input, at: spike.time) }
        simulator.run(until: duration)
        let parameters = network.parameters[0]
        var synapseSources: [Int] = []
        var synapseTargets: [Int] = []
        var weights = Set<Double>()
        for (input, targets) in fanout.enumerated() {
            for (target, weight) in targets {
                synapseSources.append(input)
                synapseTargets.append(Int(target))
                weights.insert(weight)
            }
        }
        precondition(weights.count <= 1, "the export assumes one weight")
        precondition(simulator.spikes.allSatisfy { $0.time % 100 == 0 }, "an output spike off the 0.1 ms grid")
        func list(_ values: some Sequence<Int>) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
        let fields: [(String, String)] = [
            ("name", "\"\(name)\""),
            ("inputs", "\(network.inputCount)"),
            ("neurons", "\(network.neuronCount)"),
            ("tau_ms", "\(parameters.tau / 1000)"),
            ("refractory_ms", "\(Double(parameters.refractory) / 1000)"),
            ("v_rest", "\(parameters.vRest)"),
            ("v_reset", "\(parameters.vReset)"),
            ("v_thresh", "\(parameters.vThresh)"),
            ("weight", "\(weights.first ?? 0)"),
            ("dt_ms", "0.1"),
            ("duration_ms", "\(Double(duration) / 1000)"),
            ("synaptic_events", "\(events)"),
            ("engine_seconds", "\(seconds)"),
            ("syn_i", list(synapseSources)),
            ("syn_j", list(synapseTargets)),
            ("input_index", list(inputSpikes.map(\.input))),
            ("input_step", list(inputSpikes.map { Int($0.time / 100) })),
            ("spike_index", list(simulator.spikes.map { Int($0.neuron) })),
            ("spike_step", list(simulator.spikes.map { Int($0.time / 100) })),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "}\n"
    }
}

/// Times `body` `repetitions` times and returns the fastest run in seconds.
public func fastest<T>(of repetitions: Int, _ body: () -> T) -> (seconds: Double, result: T) {
    var best = Double.infinity
    var result: T? = nil
    for _ in 0..<repetitions {
        let start = ContinuousClock.now
        let value = body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds)
        result = value
    }
    return (best, result!)
}
