import Foundation
import SpikewatchTestSupport
import Testing

@Suite("The spikewatch command line")
struct CLITests {
    @Test("--help names every subcommand of the README's command table")
    func help() throws {
        let result = try SpikewatchProcess.run(["--help"])
        #expect(result.status == 0)
        for command in ["run", "demo", "replay", "evaluate", "synth", "tail", "trace", "network", "train"] {
            #expect(result.stdout.contains("\n  \(command) "), "missing \(command)")
        }
    }

    @Test("--version prints the version")
    func version() throws {
        let result = try SpikewatchProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: ".").count == 3)
    }

    @Test("an unknown subcommand is refused with a message and a usage exit code")
    func unknown() throws {
        let result = try SpikewatchProcess.run(["frobnicate"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("frobnicate"))
    }

    @Test("evaluate reads a CSV with a label column: its labelled rows are the faults")
    func evaluateLabelledCSV() throws {
        let directory = temporaryDirectory()
        let csv = directory.appendingPathComponent("kpi.csv")
        var rows = ["time,kpi,label"]
        for minute in 0..<600 {
            let fault = (500..<530).contains(minute)
            rows.append("\(1_795_921_560 + minute * 60),\(50 + (minute % 7) - 3 + (fault ? 40 : 0)),\(fault ? "congestion" : "")")
        }
        try rows.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
        let result = try SpikewatchProcess.run(["evaluate", csv.path, "--detectors", "spiking", "--learning-hours", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 faults"), "\(result.stdout)")
        #expect(!result.stderr.contains("malformed"), "\(result.stderr)")
    }

    @Test("train refuses a label that cannot name a fault kind (a space, a control character), naming it")
    func trainRefusesOddLabels() throws {
        let directory = temporaryDirectory()
        let fixture = directory.appendingPathComponent("labels.jsonl")
        let lines = (0..<30).map { minute in
            "{\"v\":1,\"cell\":\"c\",\"ts\":\(1_793_923_200 + minute * 60),\"seq\":\(minute),\"metrics\":{\"m\":1}"
                + (minute >= 20 ? ",\"label\":\"sleeping cell\\u001b[2J\"}" : "}")
        }
        try lines.joined(separator: "\n").write(to: fixture, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("model.json").path
        let result = try SpikewatchProcess.run(["train", fixture.path, "--out", out])
        #expect(result.status != 0)
        #expect(result.stderr.contains("label \"sleeping cell\\u{1b}[2J\" (cell c) is not a fault kind name"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
