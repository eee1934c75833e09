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

    @Test("defaults are the documented ones")
    func defaults() {
        let configuration = DaemonConfiguration()
        #expect(configuration.telemetryEndpoints == [Endpoint(.connect, "tcp://127.0.0.1:5556")])
        #expect(configuration.alertsEndpoint == Endpoint(.bind, "tcp://127.0.0.1:5557"))
        #expect(configuration.topicPrefix == "telemetry.")
        #expect(configuration.maximumPayloadBytes == 1 << 20)
        #expect(configuration.maximumCells == 10_000)
        #expect(configuration.metricsListen == nil)
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
        #expect(configuration.detector.warmupMostSeconds == 21_600)
        #expect(configuration.detector.episodeHabituationHours == 96)
        try configuration.apply(environment: [
            "SPIKEWATCH_CELLS_MAX_CELLS": "700", "SPIKEWATCH_DETECTOR_WARMUP_MOST_S": "0", "UNRELATED": "x",
            "SPIKEWATCH_DETECTOR_EPISODE_HABITUATION_H": "0",
        ])
        #expect(configuration.detector.episodeHabituationHours == 0, "habituation to episodes, off from the environment")
        #expect(configuration.maximumCells == 700)
        #expect(configuration.detector.warmupMostSeconds == 0, "the warm-up's cap, off from the environment")
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
        ("detector:\n  warmup_most_s: -1\n", "test.yaml:2: detector.warmup_most_s: must be a number >= 0, got \"-1\""),
        ("detector:\n  episode_habituation_h: -2\n", "test.yaml:2: detector.episode_habituation_h: must be a number >= 0, got \"-2\""),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("cells: [unclosed\n", "not valid YAML"),
        ("security:\n  telemetry_server_key: \"short\"\n", "must be a 40-character Z85 public key"),
        // Durations a timer cannot hold in nanoseconds (they crashed the daemon after READY).
        ("alerts:\n  heartbeat_interval_s: 1e21\n", "alerts.heartbeat_interval_s: must be a number of seconds > 0 and at most 31536000 (a year), got \"1e21\""),
        ("state:\n  checkpoint_interval_s: 1e308\n", "state.checkpoint_interval_s: must be a number of seconds > 0 and at most 31536000"),
        ("alertmanager:\n  timeout_s: 1e21\n", "alertmanager.timeout_s: must be a number of seconds"),
        ("workers: 100000\n", "workers: must be a whole number from 1 to 64, got \"100000\""),
    ])
    func errors(yaml: String, message: String) {
        do {
            _ = try load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("a section whose keys are all commented out is its defaults, not an unknown key")
    func emptySection() throws {
        #expect(try load("cells:\n  # max_cells: 5\nstate:\n") == DaemonConfiguration())
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

@Suite("Configuration that fails safe")
struct FailSafeConfigurationTests {
    @Test("endpoints: ports, hosts and paths are checked when read, wherever they come from", arguments: [
        ("@tcp://127.0.0.1:99999", "port must be a whole number from 1 to 65535, got \"99999\""),
        ("@tcp://127.0.0.1:65536", "got \"65536\""),
        (">tcp://127.0.0.1:0", "only works when binding"),
        (">tcp://*:5557", "host * (every interface) only works when binding"),
        ("@tcp://127.0.0.1:", "port must be"),
        ("@tcp://:5557", "no host before the port"),
        ("@tcp://127.0.0.1", "is not HOST:PORT"),
        ("@tcp://256.1.1.1:5557", "is not an IPv4 address"),
        ("@tcp://[::1:5557", "is not a bracketed IPv6 address"),
        ("@tcp://host name:5557", "is not a host name"),
        ("@tcp://127.0.0.1:55a7", "port must be"),
        ("@ipc://", "expected [@|>]transport://address"),
        (">ipc://*", "only binds"),
    ])
    func badEndpoints(text: String, message: String) {
        var configuration = DaemonConfiguration()
        do {
            try configuration.set("alerts.endpoint", text: text, source: "test")
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
        do {
            try configuration.apply(environment: ["SPIKEWATCH_TELEMETRY_ENDPOINTS": text])
            Issue.record("\(text) was accepted from the environment")
        } catch {
            #expect(error.description.contains("SPIKEWATCH_TELEMETRY_ENDPOINTS"), "\(error)")
        }
    }

    @Test("good endpoints of every shape are accepted", arguments: [
        "@tcp://127.0.0.1:5557", "@tcp://*:5557", "@tcp://0.0.0.0:*", "@tcp://eth0:5557", ">tcp://[::1]:5556",
        ">tcp://[fe80::1]:5556", ">tcp://10.0.0.1;10.0.0.5:5556",
        ">tcp://gnb-17.example.net:5556", "@ipc:///run/spikewatch/alerts", "@ipc://@abstract", "inproc://x",
    ])
    func goodEndpoints(text: String) throws {
        var configuration = DaemonConfiguration()
        try configuration.set("telemetry.endpoints", text: text, source: "test")
        try configuration.validate()
    }

    @Test("validate() checks endpoints and metrics.listen set in code too")
    func validateInCode() {
        var configuration = DaemonConfiguration()
        configuration.alertsEndpoint = Endpoint(.bind, "tcp://127.0.0.1:99999")
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration = DaemonConfiguration()
        configuration.metricsListen = "127.0.0.1:0"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        for bad in ["127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1", ":9464", "local host:9464"] {
            #expect(throws: ConfigurationError.self) { try configuration.set("metrics.listen", text: bad, source: "test") }
        }
    }

    @Test("an unknown SPIKEWATCH_ variable is refused with the nearest known one; other variables are not ours")
    func unknownEnvironment() throws {
        var configuration = DaemonConfiguration()
        do {
            try configuration.apply(environment: ["SPIKEWATCH_ALERT_ENDPOINT": "@tcp://127.0.0.1:5557"])
            Issue.record("a misspelled variable was ignored")
        } catch {
            #expect(error.description.contains("SPIKEWATCH_ALERT_ENDPOINT: unknown variable"))
            #expect(error.description.contains("did you mean \"SPIKEWATCH_ALERTS_ENDPOINT\"?"))
        }
        try configuration.apply(environment: ["PATH": "/bin", "SPIKEWATCH_TEST_STALL_AFTER": "5", "SPIKEWATCH_CELLS_MAX_TIME_JUMP_S": "60"])
        #expect(configuration.maximumTimeJump == 60)
    }

    @Test("timezone: an IANA name, its offsets and daylight-saving changes read from the zone database; UTC by default; anything else refused")
    func timezone() throws {
        func load(_ yaml: String) throws -> DaemonConfiguration {
            var configuration = DaemonConfiguration()
            try configuration.apply(yaml: yaml, source: "test.yaml")
            return configuration
        }
        #expect(DaemonConfiguration().detector.localTime == .utc)
        let paris = try load("timezone: Europe/Paris\n").detector.localTime
        #expect(paris.name == "Europe/Paris")
        // 2024-03-31 01:00 UTC: clocks go from +1 h to +2 h; 2024-10-27 01:00 UTC: back.
        #expect(paris.local(1_711_846_799) == 1_711_846_799 + 3600)
        #expect(paris.local(1_711_846_800) == 1_711_846_800 + 7200)
        #expect(paris.local(1_729_990_800) == 1_729_990_800 + 3600)
        let kolkata = try load("timezone: Asia/Kolkata\n").detector.localTime
        #expect(kolkata.offsets == [19_800] && kolkata.local(1_000) == 20_800)
        var environment = DaemonConfiguration()
        try environment.apply(environment: ["SPIKEWATCH_TIMEZONE": "America/New_York"])
        #expect(environment.detector.localTime.local(1_700_000_000) == 1_700_000_000 - 18_000)
        // IANA's sign: Etc/GMT+5 is five hours behind UTC.
        #expect(try load("timezone: Etc/GMT+5\n").detector.localTime.local(100_000) == 100_000 - 18_000)
        // Not database names: an abbreviation, an offset that reads the other way round.
        for name in ["Mars/Olympus", "", "+02:00", "EST", "GMT+5"] {
            do {
                _ = try load("timezone: \"\(name)\"\n")
                Issue.record("accepted timezone \(name)")
            } catch {
                #expect("\(error)".contains("timezone") && "\(error)".contains("IANA time zone name"), "\(error)")
            }
        }
    }

    @Test("an unknown key or section in the file names the nearest known one")
    func suggestions() {
        var configuration = DaemonConfiguration()
        for (yaml, expected) in [
            ("alerts:\n  endpont: \"@tcp://*:5557\"\n", "unknown key \"alerts.endpont\"; did you mean \"alerts.endpoint\"?"),
            ("cells:\n  idle_evicton_s: 5\n", "did you mean \"cells.idle_eviction_s\"?"),
            ("alert:\n  endpoint: \"@tcp://*:5557\"\n", "unknown section \"alert\"; did you mean \"alerts\"?"),
            ("wrokers: 2\n", "did you mean \"workers\"?"),
        ] {
            do {
                try configuration.apply(yaml: yaml, source: "test.yaml")
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        // Nothing close: no suggestion.
        do {
            try configuration.apply(yaml: "zzzzzzzz: 1\n", source: "test.yaml")
        } catch {
            #expect(!error.description.contains("did you mean"))
        }
    }

    @Test("alertmanager keys: read from the file, the environment and flags; URLs, numbers and files checked, naming key and value")
    func alertmanager() throws {
        func load(_ yaml: String) throws(ConfigurationError) -> DaemonConfiguration {
            var configuration = DaemonConfiguration()
            try configuration.apply(yaml: yaml, source: "test.yaml")
            return configuration
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikewatch-am-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let password = directory.appendingPathComponent("password").path
        try "s3cret\n".write(toFile: password, atomically: true, encoding: .utf8)
        let empty = directory.appendingPathComponent("empty").path
        try "".write(toFile: empty, atomically: true, encoding: .utf8)

        #expect(DaemonConfiguration().alertmanager == AlertmanagerSettings())
        #expect(AlertmanagerSettings().urls.isEmpty && AlertmanagerSettings().timeout == 10 && AlertmanagerSettings().resendInterval == 60)
        var configuration = try load("""
            alertmanager:
              urls: ["http://127.0.0.1:9093", "https://am.example:9093/prefix"]
              timeout_s: 2.5
              resend_interval_s: 15
              basic_auth:
                username: "ops"
                password_file: "\(password)"
              bearer_token_file: ""
              tls_ca_file:
            """)
        #expect(configuration.alertmanager.urls == ["http://127.0.0.1:9093", "https://am.example:9093/prefix"])
        #expect(configuration.alertmanager.timeout == 2.5 && configuration.alertmanager.resendInterval == 15)
        #expect(configuration.alertmanager.username == "ops" && configuration.alertmanager.passwordFile == password)
        #expect(configuration.alertmanager.bearerTokenFile == nil && configuration.alertmanager.caFile == nil)
        try configuration.validate()
        try configuration.apply(environment: ["SPIKEWATCH_ALERTMANAGER_URLS": "http://a:1,http://b:2"])
        #expect(configuration.alertmanager.urls == ["http://a:1", "http://b:2"])
        try configuration.pin("alertmanager.urls", text: "http://c:3", flag: "--alertmanager")
        #expect(configuration.alertmanager.urls == ["http://c:3"])

        for (yaml, message) in [
            ("alertmanager:\n  urls: [\"ftp://x\"]\n", "test.yaml:2: alertmanager.urls: must be an http:// or https:// URL, got \"ftp://x\""),
            ("alertmanager:\n  urls: [\"http://u:p@x:9093\"]\n", "must not carry credentials"),
            ("alertmanager:\n  urls: [\"http://x:99999\"]\n", "port must be from 1 to 65535"),
            ("alertmanager:\n  urls: [\"http://x:9093/api/v2/alerts\"]\n", "must be the base URL"),
            ("alertmanager:\n  urls: [\"http://x\", \"http://x\"]\n", "listed twice"),
            ("alertmanager:\n  timeout_s: 0\n", "alertmanager.timeout_s: must be a number > 0, got \"0\""),
            ("alertmanager:\n  resend_interval_s: soon\n", "alertmanager.resend_interval_s: must be a number > 0, got \"soon\""),
            ("alertmanager:\n  url: [\"http://x\"]\n", "did you mean \"alertmanager.urls\"?"),
        ] {
            do {
                _ = try load(yaml)
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
        for (yaml, message) in [
            ("alertmanager:\n  basic_auth:\n    username: ops\n", "alertmanager.basic_auth.password_file: required"),
            ("alertmanager:\n  basic_auth:\n    username: ops\n    password_file: \(directory.path)/missing\n",
             "alertmanager.basic_auth.password_file: cannot read \(directory.path)/missing (no such file)"),
            ("alertmanager:\n  bearer_token_file: \(empty)\n", "alertmanager.bearer_token_file: \(empty) is empty"),
            ("alertmanager:\n  bearer_token_file: \(password)\n  basic_auth:\n    username: ops\n    password_file: \(password)\n", "not both"),
            ("alertmanager:\n  tls_ca_file: \(password)\n", "alertmanager.tls_ca_file: \(password) holds no"),
        ] {
            do {
                try load(yaml).validate()
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }
}
