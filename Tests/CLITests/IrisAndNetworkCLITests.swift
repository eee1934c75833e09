import Foundation
import SpikewatchTestSupport
import Testing

/// The repository root (Tests/CLITests/<file> -> ../..).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite("network simulate and iris through the real binary")
struct IrisAndNetworkCLITests {
    @Test("network simulate prints docs/network.md's example's spikes and voltages")
    func simulate() throws {
        let json = #"""
            {"neurons":  [{"id": "n0", "tau_ms": 20, "v_rest": 0, "v_reset": 0, "v_thresh": 1, "refractory_ms": 2}],
             "inputs":   [{"id": "in0", "spikes_ms": [1.0, 5.5, 9.25]}],
             "synapses": [{"from": "in0", "to": "n0", "weight": 0.6, "delay_ms": 1.0}],
             "duration_ms": 100}
            """#
        let voltage = FileManager.default.temporaryDirectory.appendingPathComponent("v-\(UUID()).csv").path
        let result = try SpikewatchProcess.run(
            ["network", "simulate", "-", "--voltage", "n0", "--voltage-out", voltage], stdin: Data(json.utf8))
        #expect(result.status == 0)
        #expect(result.stdout == "time_ms,neuron\n6.5,n0\n")
        let rows = try String(contentsOfFile: voltage, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "time_ms,neuron,v")
        #expect(rows.dropFirst().map { $0.split(separator: ",")[0] } == ["2", "6.5", "10.25"])
    }

    @Test("a bad description exits 1 naming the file, entry and value")
    func badDescription() throws {
        let result = try SpikewatchProcess.run(
            ["network", "simulate", "-"], stdin: Data(#"{"neurons":[{"id":"a","tau_ms":-1}],"duration_ms":1}"#.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains(#"-: neurons[0] ("a"): tau_ms must be > 0, got -1.0"#))
        let missing = try SpikewatchProcess.run(["network", "simulate", "/nonexistent/net.json"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/net.json"))
    }

    @Test("iris runs end to end and reports an accuracy line")
    func iris() throws {
        let result = try SpikewatchProcess.run(["iris", "--seeds", "1", "--epochs", "3"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("mean test accuracy"))
    }

    @Test("the embedded Iris copy equals fixtures/iris/iris.csv")
    func embeddedIris() throws {
        let fixture = try String(contentsOf: repositoryRoot.appendingPathComponent("fixtures/iris/iris.csv"), encoding: .utf8)
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/spikewatch/IrisData.swift"), encoding: .utf8)
        let start = source.range(of: "\"\"\"\n")!.upperBound
        let end = source.range(of: "\n\"\"\"", range: start..<source.endIndex)!.lowerBound
        #expect(String(source[start..<end]) + "\n" == fixture)
    }
}

@Suite("trace draws membrane potentials")
struct TraceCLITests {
    @Test("one panel per tau, with threshold, resting level and the spikes counted")
    func twoTaus() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).svg").path
        let result = try SpikewatchProcess.run([
            "trace", "network", repositoryRoot.appendingPathComponent("examples/leak.json").path,
            "--tau-ms", "5", "--tau-ms", "50", "--out", out,
        ])
        #expect(result.status == 0)
        let svg = try String(contentsOfFile: out, encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("neuron n0, tau = 5 ms"))
        #expect(svg.contains("neuron n0, tau = 50 ms"))
        // The short memory never reaches threshold; the long one fires twice.
        #expect(svg.contains(">0 spikes<"))
        #expect(svg.contains(">2 spikes<"))
        #expect(svg.components(separatedBy: "v_thresh 1").count == 3)
        #expect(svg.contains("time (ms)"))
    }

    @Test("an unknown neuron is refused by name")
    func unknownNeuron() throws {
        let result = try SpikewatchProcess.run([
            "trace", "network", repositoryRoot.appendingPathComponent("examples/leak.json").path,
            "--neuron", "zz", "--out", "/tmp/never.svg",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("zz"))
    }
}

@Suite("replay on a univariate CSV series")
struct UnivariateReplayTests {
    @Test("a level shift in a CSV series raises an alert; scores have one row per input row")
    func levelShift() throws {
        let directory = temporaryDirectory()
        var csv = "timestamp,throughput_mbps\n"
        for i in 0..<500 {
            // Deterministic noise: a fixed pseudo-random sequence.
            let value = Double((i * 7919) % 97) / 97 - 0.5
            let level = i < 400 ? 100.0 : 140.0
            csv += "\(1_793_923_200 + i * 60),\(level + value * 4)\n"
        }
        csv += "not-a-time,5\n"
        let file = directory.appendingPathComponent("series.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let scores = directory.appendingPathComponent("scores.csv").path
        let alerts = directory.appendingPathComponent("alerts.jsonl").path
        let result = try SpikewatchProcess.run(["replay", file, "--scores", scores, "--alerts", alerts])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(rows.first == "timestamp,cell,anomaly_score")
        #expect(rows.count == 502)
        #expect(rows.last == "not-a-time,series,")
        let scoresAfter = rows.dropFirst(401).prefix(5).compactMap { Double($0.split(separator: ",").last ?? "") }
        #expect(scoresAfter.contains { $0 > 0.5 })
        let raised = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n").filter { $0.contains("\"state\":\"raised\"") }
        #expect(raised.count >= 1)
        #expect(raised.first?.contains("\"metric\":\"throughput_mbps\"") == true)
        // Raised within three samples of the shift (one feature needs two spikes in a row).
        let raisedAt = raised.first.flatMap { line in
            line.split(separator: ",").first { $0.hasPrefix("\"ts\":") }.flatMap { Double($0.dropFirst(5)) }
        }
        let shiftAt = Double(1_793_923_200 + 400 * 60)
        #expect(raisedAt.map { $0 >= shiftAt && $0 <= shiftAt + 3 * 60 } == true, "raised at \(String(describing: raisedAt))")
    }
}
