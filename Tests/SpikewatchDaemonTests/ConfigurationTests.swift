import Detection
import Foundation
import SpikewatchDaemon
import Testing
import ZeroMQ

@Suite("Daemon configuration")
struct ConfigurationTests {
    func load(_ yaml: String) throws(ConfigurationError) -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        try configuration.apply(yaml: yaml, source: "test.yaml")
        return configuration
    }

    @Test("defaults are INTERFACES.md's")
    func defaults() {
        let configuration = DaemonConfiguration()
        #expect(configuration.telemetryEndpoints == [Endpoint(.connect, "tcp://127.0.0.1:5556")])
        #expect(configuration.alertsEndpoint == Endpoint(.bind, "tcp://127.0.0.1:5557"))
        #expect(configuration.topicPrefix == "telemetry.")
        #expect(configuration.maximumPayloadBytes == 1 << 20)
        #expect(configuration.maximumCells == 10_000)
        #expect(configuration.metricsListen == nil)
        #expect(configuration.timezone == "UTC")
    }

    @Test("the file, then the environment, then flags; each value checked")
    func layering() throws {
        var configuration = try load("""
            telemetry:
              endpoints: ["tcp://a:1", "@ipc:///run/x"]
            cells:
              max_cells: 500
            detector:
              dead_zone: 4
            """)
        #expect(configuration.telemetryEndpoints == [Endpoint(.connect, "tcp://a:1"), Endpoint(.bind, "ipc:///run/x")])
        #expect(configuration.maximumCells == 500)
        #expect(configuration.detector.deadZone == 4)
        try configuration.apply(environment: ["SPIKEWATCH_CELLS_MAX_CELLS": "700", "UNRELATED": "x"])
        #expect(configuration.maximumCells == 700)
        try configuration.pin("cells.max_cells", text: "900", flag: "--flag")
        #expect(configuration.maximumCells == 900)
        var reloaded = try load("cells:\n  max_cells: 100\n")
        reloaded.applyPinned(from: configuration)
        #expect(reloaded.maximumCells == 900)
        #expect(DaemonConfiguration.environmentName("alerts.endpoint") == "SPIKEWATCH_ALERTS_ENDPOINT")
    }

    @Test("errors name the file, line, key and value", arguments: [
        ("cells:\n  max_cells: -3\n", "test.yaml:2: cells.max_cells: must be a whole number >= 1, got \"-3\""),
        ("alerts:\n  endpoint: \"nonsense\"\n", "alerts.endpoint: invalid ZeroMQ endpoint \"nonsense\""),
        ("timezone: Mars/Olympus\n", "test.yaml:1: timezone: must be an IANA time zone name"),
        ("metrics:\n  listen: \"no-port\"\n", "metrics.listen: must be HOST:PORT"),
        ("log_level: loud\n", "log_level: must be one of"),
        ("colour: blue\n", "unknown key \"colour\""),
        ("detector:\n  deadzone: 3\n", "unknown key \"detector.deadzone\""),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("cells: [unclosed\n", "not valid YAML"),
        ("security:\n  telemetry_server_key: \"short\"\n", "must be a 40-character Z85 public key"),
    ])
    func errors(yaml: String, message: String) {
        do {
            _ = try load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("an empty file is all defaults; empty optional values switch things off")
    func empty() throws {
        #expect(try load("") == DaemonConfiguration())
        let configuration = try load("metrics:\n  listen: \"\"\nstate:\n  directory:\nmodel: \"\"\n")
        #expect(configuration.metricsListen == nil)
        #expect(configuration.stateDirectory == nil)
        #expect(configuration.modelPath == nil)
    }

    @Test("key lists: comments and blanks skipped, keys containing '#' kept, bad lines named")
    func keyLists() throws {
        var withHash: CurveKey?
        for _ in 0..<500 {
            let key = try CurveKeyPair.generate().publicKey
            if key.z85.contains("#") {
                withHash = key
                break
            }
        }
        let key = try #require(withHash)
        let other = try CurveKeyPair.generate().publicKey
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())").path
        try "# publishers\n\n\(key.z85)\n  \(other.z85)   gnb-17 collector\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try DaemonConfiguration.readKeyList(path) == [key, other])
        try "\(key.z85)\nbroken\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try DaemonConfiguration.readKeyList(path) }
    }
}
