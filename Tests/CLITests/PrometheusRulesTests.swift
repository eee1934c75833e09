import Foundation
import SpikewatchTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `promtool` on PATH (Debian's `prometheus` package ships it; `make test` and CI install it).
let promtoolPath: String? = {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = String(directory) + "/promtool"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}()

/// Under CI (`CI=true`) a missing promtool is a failure, not a skip.
let runningUnderCI = ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")

/// Runs a command to completion; its exit status and combined output.
func runTool(_ path: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let outputURL = temporaryDirectory("spikewatch-tool").appendingPathComponent("output")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    let handle = try FileHandle(forWritingTo: outputURL)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    return (process.terminationStatus, String(decoding: try Data(contentsOf: outputURL), as: UTF8.self))
}

@Suite("The example Prometheus alert rules")
struct PrometheusRulesTests {
    static let directory = repositoryRoot.appendingPathComponent("examples/prometheus")

    @Test(
        "promtool check rules and promtool test rules pass on examples/prometheus",
        .enabled(if: promtoolPath != nil || runningUnderCI, "promtool not installed (apt-get install prometheus); skipped outside CI"))
    func promtool() throws {
        let promtool = try #require(promtoolPath, "promtool is not on PATH; CI installs Debian's prometheus package for it")
        let check = try runTool(promtool, ["check", "rules", "spikewatch-alerts.yml"], in: Self.directory)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS"), "\(check.output)")
        let test = try runTool(promtool, ["test", "rules", "spikewatch-alerts.test.yml"], in: Self.directory)
        #expect(test.status == 0, "\(test.output)")
        #expect(test.output.contains("SUCCESS"), "\(test.output)")
    }

    @Test("every spikewatch_ metric the rules use is one the daemon exports")
    func metricNamesExist() throws {
        let rules = try String(contentsOf: Self.directory.appendingPathComponent("spikewatch-alerts.yml"), encoding: .utf8)
        let used = Set(rules.matches(of: /spikewatch_[a-z_]+/).map { String($0.output) })
        #expect(used.count >= 4, "the rules use \(used.sorted())")

        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = freeTCPPort()
        let daemon = try DaemonProcess([
            "run", "--telemetry", "@ipc://" + directory.appendingPathComponent("telemetry").path,
            "--alerts", "@ipc://" + directory.appendingPathComponent("alerts").path,
            "--metrics-listen", "127.0.0.1:\(port)",
        ])
        defer {
            daemon.signal(SIGTERM)
            _ = daemon.waitForExit(timeout: 20)
        }
        #expect(daemon.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(daemon.stderr)")
        let exposition = try #require(httpGet(port: port, path: "/metrics"))
        let exported = Set(exposition.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# TYPE ") else { return nil }
            return line.split(separator: " ").dropFirst(2).first.map(String.init)
        })
        for name in used.sorted() {
            #expect(exported.contains(name), "\(name) is used by examples/prometheus/spikewatch-alerts.yml but not exported (exported: \(exported.sorted()))")
        }
    }
}
