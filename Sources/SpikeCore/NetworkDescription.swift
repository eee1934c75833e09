import StrictJSON

/// A network as `spikewatch network simulate` reads it (docs/network.md).
///
/// Times are in milliseconds here, as in the JSON; ``compile()`` rounds them to whole
/// microseconds (halves away from zero).
public struct NetworkDescription: Sendable, Equatable {
    public struct Neuron: Sendable, Equatable {
        public var id: String
        public var tauMs: Double
        public var vRest: Double
        public var vReset: Double
        public var vThresh: Double
        public var refractoryMs: Double
    }

    public struct Input: Sendable, Equatable {
        public var id: String
        public var spikesMs: [Double]
    }

    public struct Synapse: Sendable, Equatable {
        public var from: String
        public var to: String
        public var weight: Double
        public var delayMs: Double
    }

    public var neurons: [Neuron]
    public var inputs: [Input]
    public var synapses: [Synapse]
    public var durationMs: Double

    public init(neurons: [Neuron], inputs: [Input], synapses: [Synapse], durationMs: Double) {
        self.neurons = neurons
        self.inputs = inputs
        self.synapses = synapses
        self.durationMs = durationMs
    }

    /// The network compiled for the simulator, with every input spike time in microseconds.
    public struct Compiled: Sendable {
        public var network: Network
        /// (input index, time) for every input spike.
        public var inputSpikes: [(input: Int, time: Microseconds)]
        public var duration: Microseconds
        /// Neuron index by id.
        public var neuronIndex: [String: Int]
    }

    /// The longest membrane time constant, in ms: longer ones overflow the decay tables'
    /// microsecond arithmetic, and a neuron that leaks nothing in 11 days does not leak.
    public static let maximumTauMs = 1e9

    /// Checks every rule of docs/network.md and compiles the network.
    /// - Throws: ``NetworkDescriptionError`` naming the first offending entry.
    public func compile() throws(NetworkDescriptionError) -> Compiled {
        var builder = NetworkBuilder()
        var neuronIndex: [String: Int] = [:]
        var inputIndex: [String: Int] = [:]
        func fail(_ path: String, _ message: String) -> NetworkDescriptionError {
            NetworkDescriptionError(path: path, message: message)
        }
        guard durationMs.isFinite, durationMs >= 0, let duration = Microseconds(roundingMilliseconds: durationMs) else {
            throw fail("duration_ms", "must be a finite number >= 0, got \(durationMs)")
        }
        for (index, neuron) in neurons.enumerated() {
            let path = "neurons[\(index)] (\"\(neuron.id)\")"
            if neuron.id.isEmpty { throw fail(path, "id must not be empty") }
            if neuronIndex[neuron.id] != nil { throw fail(path, "duplicate id \"\(neuron.id)\"") }
            for (name, value) in [
                ("tau_ms", neuron.tauMs), ("v_rest", neuron.vRest), ("v_reset", neuron.vReset),
                ("v_thresh", neuron.vThresh), ("refractory_ms", neuron.refractoryMs),
            ] where !value.isFinite {
                throw fail(path, "\(name) must be a finite number, got \(value)")
            }
            if neuron.tauMs <= 0 { throw fail(path, "tau_ms must be > 0, got \(neuron.tauMs)") }
            if neuron.tauMs > Self.maximumTauMs {
                throw fail(path, "tau_ms must be at most \(Int(Self.maximumTauMs)) (11.6 days), got \(neuron.tauMs)")
            }
            if neuron.refractoryMs < 0 { throw fail(path, "refractory_ms must be >= 0, got \(neuron.refractoryMs)") }
            if !(neuron.vReset < neuron.vThresh) {
                throw fail(path, "v_reset (\(neuron.vReset)) must be below v_thresh (\(neuron.vThresh))")
            }
            guard let refractory = Microseconds(roundingMilliseconds: neuron.refractoryMs) else {
                throw fail(path, "refractory_ms out of range: \(neuron.refractoryMs)")
            }
            neuronIndex[neuron.id] = builder.addNeuron(
                LIFParameters(
                    tau: neuron.tauMs * 1000, vRest: neuron.vRest, vReset: neuron.vReset,
                    vThresh: neuron.vThresh, refractory: refractory))
        }
        var inputSpikes: [(input: Int, time: Microseconds)] = []
        for (index, input) in inputs.enumerated() {
            let path = "inputs[\(index)] (\"\(input.id)\")"
            if input.id.isEmpty { throw fail(path, "id must not be empty") }
            if inputIndex[input.id] != nil || neuronIndex[input.id] != nil {
                throw fail(path, "duplicate id \"\(input.id)\" (ids are shared by neurons and inputs)")
            }
            let slot = builder.addInput()
            inputIndex[input.id] = slot
            for (spikeIndex, time) in input.spikesMs.enumerated() {
                guard time.isFinite, time >= 0, let micros = Microseconds(roundingMilliseconds: time) else {
                    throw fail("\(path).spikes_ms[\(spikeIndex)]", "must be a finite time >= 0, got \(time)")
                }
                inputSpikes.append((slot, micros))
            }
        }
        for (index, synapse) in synapses.enumerated() {
            let path = "synapses[\(index)] (\(synapse.from) -> \(synapse.to))"
            guard synapse.weight.isFinite else { throw fail(path, "weight must be a finite number, got \(synapse.weight)") }
            guard synapse.delayMs.isFinite, let delay = Microseconds(roundingMilliseconds: synapse.delayMs) else {
                throw fail(path, "delay_ms must be a finite number, got \(synapse.delayMs)")
            }
            guard let target = neuronIndex[synapse.to] else {
                if inputIndex[synapse.to] != nil { throw fail(path, "\"to\" names an input; synapses end at neurons") }
                throw fail(path, "unknown target id \"\(synapse.to)\"")
            }
            if let input = inputIndex[synapse.from] {
                if delay < 0 { throw fail(path, "delay_ms from an input must be >= 0, got \(synapse.delayMs)") }
                builder.connect(.input(input), to: target, weight: synapse.weight, delay: delay)
            } else if let source = neuronIndex[synapse.from] {
                if delay <= 0 {
                    throw fail(path, "delay_ms between neurons must be > 0 (at microsecond resolution), got \(synapse.delayMs)")
                }
                builder.connect(.neuron(source), to: target, weight: synapse.weight, delay: delay)
            } else {
                throw fail(path, "unknown source id \"\(synapse.from)\"")
            }
        }
        return Compiled(network: builder.build(), inputSpikes: inputSpikes, duration: duration, neuronIndex: neuronIndex)
    }
}

/// A network description that breaks a rule; names the entry and what is wrong.
public struct NetworkDescriptionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where: `neurons[2] ("n2")`, `synapses[0] (in0 -> n9)`, `duration_ms`, or a JSON position.
    public var path: String
    /// What is wrong.
    public var message: String

    public var description: String { "\(path): \(message)" }
}

extension NetworkDescription {
    /// Reads a description from JSON bytes.
    ///
    /// Required: `neurons[].id`, `neurons[].tau_ms`, `synapses[].from/to/weight`,
    /// `duration_ms`. Defaults: `v_rest` 0, `v_reset` 0, `v_thresh` 1, `refractory_ms` 0,
    /// `delay_ms` 0, `inputs` and `synapses` empty. Unknown keys are refused, so a typo
    /// never silently becomes a default.
    public init(json bytes: [UInt8]) throws(NetworkDescriptionError) {
        let root: JSONValue
        do {
            root = try JSONParser().parse(bytes)
        } catch {
            throw NetworkDescriptionError(path: "JSON \(error.line):\(error.column)", message: error.message)
        }
        let reader = DescriptionReader()
        let top = try reader.object(root, path: "(top level)", keys: ["neurons", "inputs", "synapses", "duration_ms"])
        let neurons = try reader.list(top["neurons"], path: "neurons", required: true).enumerated().map {
            (index, value) throws(NetworkDescriptionError) -> Neuron in
            let path = "neurons[\(index)]"
            let object = try reader.object(
                value, path: path, keys: ["id", "tau_ms", "v_rest", "v_reset", "v_thresh", "refractory_ms"])
            return Neuron(
                id: try reader.string(object["id"], path: path + ".id"),
                tauMs: try reader.number(object["tau_ms"], path: path + ".tau_ms"),
                vRest: try reader.number(object["v_rest"], path: path + ".v_rest", default: 0),
                vReset: try reader.number(object["v_reset"], path: path + ".v_reset", default: 0),
                vThresh: try reader.number(object["v_thresh"], path: path + ".v_thresh", default: 1),
                refractoryMs: try reader.number(object["refractory_ms"], path: path + ".refractory_ms", default: 0))
        }
        let inputs = try reader.list(top["inputs"], path: "inputs", required: false).enumerated().map {
            (index, value) throws(NetworkDescriptionError) -> Input in
            let path = "inputs[\(index)]"
            let object = try reader.object(value, path: path, keys: ["id", "spikes_ms"])
            let spikes = try reader.list(object["spikes_ms"], path: path + ".spikes_ms", required: false)
                .enumerated().map { (spikeIndex, spike) throws(NetworkDescriptionError) -> Double in
                    try reader.number(spike, path: "\(path).spikes_ms[\(spikeIndex)]")
                }
            return Input(id: try reader.string(object["id"], path: path + ".id"), spikesMs: spikes)
        }
        let synapses = try reader.list(top["synapses"], path: "synapses", required: false).enumerated().map {
            (index, value) throws(NetworkDescriptionError) -> Synapse in
            let path = "synapses[\(index)]"
            let object = try reader.object(value, path: path, keys: ["from", "to", "weight", "delay_ms"])
            return Synapse(
                from: try reader.string(object["from"], path: path + ".from"),
                to: try reader.string(object["to"], path: path + ".to"),
                weight: try reader.number(object["weight"], path: path + ".weight"),
                delayMs: try reader.number(object["delay_ms"], path: path + ".delay_ms", default: 0))
        }
        self.init(
            neurons: neurons, inputs: inputs, synapses: synapses,
            durationMs: try reader.number(top["duration_ms"], path: "duration_ms"))
    }
}

/// Typed field access with errors that name the path.
private struct DescriptionReader {
    func object(_ value: JSONValue?, path: String, keys: Set<String>) throws(NetworkDescriptionError) -> JSONValue {
        guard let value, let members = value.members else {
            throw NetworkDescriptionError(path: path, message: "expected an object, got \(value?.typeName ?? "nothing")")
        }
        for member in members where !keys.contains(member.key) {
            throw NetworkDescriptionError(
                path: path, message: "unknown key \"\(member.key)\" (known: \(keys.sorted().joined(separator: ", ")))")
        }
        return value
    }

    func list(_ value: JSONValue?, path: String, required: Bool) throws(NetworkDescriptionError) -> [JSONValue] {
        guard let value else {
            if required { throw NetworkDescriptionError(path: path, message: "is required") }
            return []
        }
        guard let elements = value.array else {
            throw NetworkDescriptionError(path: path, message: "expected an array, got \(value.typeName)")
        }
        return elements
    }

    func string(_ value: JSONValue?, path: String) throws(NetworkDescriptionError) -> String {
        guard let value else { throw NetworkDescriptionError(path: path, message: "is required") }
        guard let text = value.string else {
            throw NetworkDescriptionError(path: path, message: "expected a string, got \(value.typeName)")
        }
        return text
    }

    func number(_ value: JSONValue?, path: String, default fallback: Double? = nil) throws(NetworkDescriptionError)
        -> Double
    {
        guard let value else {
            if let fallback { return fallback }
            throw NetworkDescriptionError(path: path, message: "is required")
        }
        guard let number = value.double else {
            throw NetworkDescriptionError(path: path, message: "expected a number, got \(value.typeName)")
        }
        guard number.isFinite else {
            throw NetworkDescriptionError(path: path, message: "number out of range (overflows a double)")
        }
        return number
    }
}

extension NetworkDescription.Compiled {
    /// The result of ``simulate(recordingVoltageOf:)``.
    public struct Run: Sendable {
        public var spikes: [Spike]
        public var voltages: [VoltageSample]
        public var synapticEvents: Int
        /// nil when the run reached the duration; otherwise the last instant processed
        /// before the spikes and voltage samples passed `maximumRecords`.
        public var stoppedAt: Microseconds?
    }

    /// Injects every input spike, runs to the duration (events at exactly it included)
    /// and returns the neurons' spikes, sorted by time then neuron index.
    ///
    /// With `maximumRecords`, the run stops after the first instant at which the spikes
    /// and recorded voltage samples together exceed it (a cycle of neurons exciting each
    /// other can spike forever), and ``Run/stoppedAt`` says when; everything up to and
    /// including that instant is kept. Without it the simulator runs in one call.
    public func simulate(recordingVoltageOf recorded: Int? = nil, maximumRecords: Int? = nil) -> Run {
        var simulator = Simulator(network: network)
        if let recorded { simulator.recordVoltage(of: recorded) }
        for spike in inputSpikes where spike.time <= duration {
            simulator.inject(input: spike.input, at: spike.time)
        }
        var stoppedAt: Microseconds?
        if let maximumRecords {
            while let next = simulator.nextEventTime, next <= duration {
                simulator.run(until: next)
                if simulator.spikes.count + simulator.voltages.count > maximumRecords {
                    stoppedAt = next
                    break
                }
            }
        }
        if stoppedAt == nil { simulator.run(until: duration) }
        return Run(
            spikes: simulator.spikes, voltages: simulator.voltages, synapticEvents: simulator.synapticEvents,
            stoppedAt: stoppedAt)
    }
}

/// Formats microseconds as milliseconds with no rounding noise: 9250 -> "9.25".
public func formatMilliseconds(_ time: Microseconds) -> String {
    let sign = time < 0 ? "-" : ""
    let magnitude = time.magnitude
    let whole = magnitude / 1000
    let fraction = magnitude % 1000
    if fraction == 0 { return sign + String(whole) }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 3 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return sign + String(whole) + "." + digits
}
