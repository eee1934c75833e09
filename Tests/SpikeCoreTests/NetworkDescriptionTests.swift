import Testing
@testable import SpikeCore

@Suite("Network descriptions refuse bad input with a message naming the entry")
struct NetworkDescriptionTests {
    func error(_ json: String) -> String? {
        do {
            _ = try NetworkDescription(json: Array(json.utf8)).compile()
            return nil
        } catch {
            return error.description
        }
    }

    let neuron = #"{"id": "n0", "tau_ms": 20}"#

    @Test("defaults fill optional fields")
    func defaults() throws {
        let description = try NetworkDescription(json: Array(#"{"neurons": [{"id": "n0", "tau_ms": 20}], "duration_ms": 5}"#.utf8))
        #expect(description.neurons[0].vThresh == 1)
        #expect(description.neurons[0].vReset == 0)
        #expect(description.inputs.isEmpty)
    }

    @Test("each broken rule is named", arguments: [
        (#"{"neurons": [{"id": "n0", "tau_ms": -5}], "duration_ms": 5}"#, #"neurons[0] ("n0"): tau_ms must be > 0"#),
        (#"{"neurons": [{"id": "n0", "tau_ms": 0}], "duration_ms": 5}"#, "tau_ms must be > 0"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5, "v_reset": 1, "v_thresh": 1}], "duration_ms": 5}"#, "v_reset (1.0) must be below v_thresh"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5, "refractory_ms": -1}], "duration_ms": 5}"#, "refractory_ms must be >= 0"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}, {"id": "n0", "tau_ms": 5}], "duration_ms": 5}"#, #"neurons[1] ("n0"): duplicate id"#),
        (#"{"neurons": [{"id": "n0", "tau": 5}], "duration_ms": 5}"#, #"unknown key "tau""#),
        (#"{"neurons": [{"id": "n0", "tau_ms": "5"}], "duration_ms": 5}"#, "neurons[0].tau_ms: expected a number, got a string"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 1e400}], "duration_ms": 5}"#, "overflows a double"),
        (#"{"neurons": [{"id": "n0", "tau_ms": NaN}], "duration_ms": 5}"#, "JSON 1:37: unexpected character 'N'"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}]}"#, "duration_ms: is required"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "synapses": [{"from": "x", "to": "n0", "weight": 1}], "duration_ms": 5}"#, #"synapses[0] (x -> n0): unknown source id "x""#),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "inputs": [{"id": "i", "spikes_ms": [1]}], "synapses": [{"from": "i", "to": "n9", "weight": 1}], "duration_ms": 5}"#, #"unknown target id "n9""#),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "synapses": [{"from": "n0", "to": "n0", "weight": 1, "delay_ms": 0}], "duration_ms": 5}"#, "delay_ms between neurons must be > 0"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "inputs": [{"id": "i", "spikes_ms": [1]}], "synapses": [{"from": "i", "to": "n0", "weight": 1, "delay_ms": -1}], "duration_ms": 5}"#, "delay_ms from an input must be >= 0"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "inputs": [{"id": "i", "spikes_ms": [-1]}], "duration_ms": 5}"#, #"inputs[0] ("i").spikes_ms[0]: must be a finite time >= 0"#),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "inputs": [{"id": "n0", "spikes_ms": []}], "duration_ms": 5}"#, "duplicate id"),
        (#"{"neurons": [{"id": "n0", "tau_ms": 5}], "duration_ms": 5, "duration_ms": 6}"#, #"duplicate key "duration_ms""#),
        (#"{"neurons": {}, "duration_ms": 5}"#, "neurons: expected an array, got an object"),
    ])
    func rules(json: String, expected: String) {
        let message = error(json)
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
    }

    @Test("unsorted and repeated input spikes and repeated synapses are allowed")
    func unsortedAndRepeated() throws {
        let json = #"{"neurons": [{"id": "n0", "tau_ms": 5}], "inputs": [{"id": "i", "spikes_ms": [3, 1, 1]}], "synapses": [{"from": "i", "to": "n0", "weight": 0.3}, {"from": "i", "to": "n0", "weight": 0.3}], "duration_ms": 5}"#
        let run = try NetworkDescription(json: Array(json.utf8)).compile().simulate()
        // At 1 ms: 2 spikes x 2 synapses x 0.3 = 1.2: fire. At 3 ms: 0.6 only.
        #expect(run.spikes.map(\.time) == [1000])
        #expect(formatMilliseconds(9250) == "9.25")
        #expect(formatMilliseconds(1000) == "1")
        #expect(formatMilliseconds(1) == "0.001")
    }
}
