import Foundation
import SpikewatchTestSupport
import Testing

@Suite("Bundled fixtures, model and unit")
struct BundledArtifactsTests {
    @Test("the embedded fault-class model equals models/fault-classes.json")
    func embeddedModel() throws {
        let file = try String(contentsOf: repositoryRoot.appendingPathComponent("models/fault-classes.json"), encoding: .utf8)
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/spikewatch/BundledModel.swift"), encoding: .utf8)
        let start = source.range(of: "#\"\"\"\n")!.upperBound
        let end = source.range(of: "\n\"\"\"#", range: start..<source.endIndex)!.lowerBound
        #expect(String(source[start..<end]) == file)
    }

    @Test("fixtures/demo.jsonl is exactly what its documented synth command generates")
    func demoFixtureReproduces() throws {
        let out = temporaryDirectory().appendingPathComponent("demo.jsonl").path
        let result = try SpikewatchProcess.run([
            "synth", "--seed", "5", "--cells", "3", "--days", "1.25", "--learning-hours", "12", "--faults-per-day", "4",
            "--out", out,
        ])
        #expect(result.status == 0)
        let generated = try Data(contentsOf: URL(fileURLWithPath: out))
        let bundled = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/demo.jsonl"))
        #expect(generated == bundled)
    }

    @Test("Ctrl-C stops the demo within seconds (it went on publishing the whole fixture)")
    func demoInterrupted() throws {
        let demo = try DaemonProcess(["demo", "--speed", "10"])
        usleep(3_000_000)
        #expect(demo.process.isRunning, "stderr: \(demo.stderr)")
        demo.signal(SIGINT)
        let status = demo.waitForExit(timeout: 15)
        #expect(status != nil, "still running 15 s after SIGINT")
        if status == nil { demo.signal(SIGKILL) }
    }

    @Test("spikewatch demo runs the tour and ends with a summary of faults detected")
    func demo() throws {
        let result = try SpikewatchProcess.run(["demo", "--speed", "200000"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("faults injected"))
        #expect(result.stdout.contains(" raised"))
        let summary = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("summary:") })
        // "summary: 7 faults injected, N detected, ..." with at least five of seven found.
        let detected = summary.split(separator: ",")[1].split(separator: " ").first.flatMap { Int($0) } ?? 0
        #expect(detected >= 5, "\(summary)")
    }

    @Test("the unit passes systemd-analyze verify silently and rates 1.5 or better", .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/systemd-analyze")))
    func unit() throws {
        let unit = try String(contentsOf: repositoryRoot.appendingPathComponent("systemd/spikewatch.service"), encoding: .utf8)
        let copy = temporaryDirectory().appendingPathComponent("spikewatch.service")
        try unit.replacing("/usr/local/bin/spikewatch", with: SpikewatchProcess.executable.path).write(to: copy, atomically: true, encoding: .utf8)
        let verify = try run("/usr/bin/systemd-analyze", ["verify", copy.path])
        #expect(verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")
        let security = try run("/usr/bin/systemd-analyze", ["security", "--offline=true", copy.path])
        let line = try #require(security.output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let score = line.split(separator: " ").compactMap { Double($0) }.first ?? 10
        #expect(score <= 1.5, "\(line)")
    }

    func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
