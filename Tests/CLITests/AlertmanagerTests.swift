import Foundation
import SpikewatchTestSupport
import Telemetry
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Debian's Alertmanager (`apt-get install prometheus-alertmanager`; `make test` and CI
/// install it), or one named `alertmanager` on PATH.
let alertmanagerPath: String? = {
    var candidates = ["/usr/bin/prometheus-alertmanager"]
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        candidates += [String(directory) + "/prometheus-alertmanager", String(directory) + "/alertmanager"]
    }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// A real Alertmanager on a loopback port: its own config and storage in a temporary
/// directory, clustering off.
final class AlertmanagerProcess {
    let port: UInt16
    let process = Process()
    let directory: URL

    /// Starts one on `port` (a free one by default) with a fresh storage directory; waits
    /// until it answers `/-/ready`.
    init(port: UInt16? = nil, webConfig: String? = nil) throws {
        let binary = try #require(alertmanagerPath, "no Alertmanager binary; CI installs Debian's prometheus-alertmanager")
        self.port = port ?? freeTCPPort()
        directory = temporaryDirectory("spikewatch-alertmanager")
        let config = directory.appendingPathComponent("alertmanager.yml")
        try """
            route:
              receiver: "null"
              group_wait: 1s
            receivers:
              - name: "null"
            """.write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(config.path)", "--storage.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(self.port)", "--cluster.listen-address=", "--log.level=warn",
        ] + (webConfig.map { ["--web.config.file=\($0)"] } ?? [])
        let log = directory.appendingPathComponent("log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && httpGet(port: self.port, path: "/-/ready") == nil { usleep(50_000) }
        #expect(httpGet(port: self.port, path: "/-/ready") != nil, "Alertmanager did not start: \(self.log)")
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? "" }

    /// Kills it (no goodbye: what it held is gone with its storage directory).
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { kill() }

    /// `GET /api/v2/alerts[?query]`: each alert's labels, annotations and status state.
    func alerts(_ query: String = "") -> [(labels: [String: String], annotations: [String: String], state: String)]? {
        guard let body = httpGet(port: port, path: "/api/v2/alerts" + query),
            let list = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
        else { return nil }
        return list.map { item in
            (item["labels"] as? [String: String] ?? [:], item["annotations"] as? [String: String] ?? [:],
             (item["status"] as? [String: Any])?["state"] as? String ?? "")
        }
    }

    /// Polls until `condition` holds for the alerts of `cell` (or `timeout` passes).
    @discardableResult
    func wait(for cell: String, _ query: String = "", timeout: Double = 15,
              _ condition: ([(labels: [String: String], annotations: [String: String], state: String)]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let alerts = alerts(query), condition(alerts.filter { $0.labels["cell"] == cell }) { return true }
            usleep(100_000)
        }
        return false
    }
}

/// Telemetry that raises an alert on cell `c` in a few hundred samples: a steady metric,
/// then a step far outside it; ``calm()`` goes back to normal until the alert clears.
struct StepTelemetry {
    let run: RunningDaemon
    var seq = 0

    mutating func send(_ value: Double) throws {
        try run.peers.publish(
            Array(#"{"v":1,"cell":"c","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":\#(value)}}"#.utf8), cell: "c")
        seq += 1
    }

    /// Sends the learning stretch and the step; returns the alert as raised over ZeroMQ.
    mutating func raise() throws -> Alert {
        for step in 0..<200 { try send(10 + Double(step % 5) * 0.1) }
        for _ in 0..<6 { try send(900) }
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: Double(seq)) == Double(seq))
        let alerts = try run.peers.drainAlerts()
        return try #require(alerts.last { $0.state == .raised }, "the step raises an alert")
    }

    /// Back to normal until the ZeroMQ side shows the clear of `id`; the alert's last
    /// open transition (raised or updated) before it.
    mutating func calm(until id: String) throws -> Alert? {
        for round in 0..<10 {
            for step in 0..<20 { try send(10 + Double((round * 20 + step) % 5) * 0.1) }
            #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: Double(seq)) == Double(seq))
            if try run.peers.drainAlerts().contains(where: { $0.state == .cleared && $0.id == id }) { return nil }
        }
        Issue.record("the alert \(id) did not clear")
        return nil
    }
}

@Suite(
    "Alerts posted to a real Prometheus Alertmanager", .serialized,
    .enabled(if: alertmanagerPath != nil || runningUnderCI,
             "Alertmanager not installed (apt-get install prometheus-alertmanager); skipped outside CI"))
struct AlertmanagerTests {
    @Test("an alert is active in Alertmanager with its labels and annotations, resolved after the clear; a second, unreachable Alertmanager does not hold the first up")
    func raiseAndClear() throws {
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.kill() }
        let unreachable = "http://127.0.0.1:\(freeTCPPort())"
        // A refused connection is retried by the HTTP client until the POST's timeout.
        let run = try RunningDaemon(["--alertmanager", alertmanager.url, "--alertmanager", unreachable],
                                    environment: ["SPIKEWATCH_ALERTMANAGER_TIMEOUT_S": "1"])
        defer { _ = run.stop() }
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)
        var telemetry = StepTelemetry(run: run)
        let raised = try telemetry.raise()

        var seen: [String: String] = [:]
        let active = alertmanager.wait(for: "c") { alerts in
            guard alerts.count == 1, alerts[0].state == "active" else { return false }
            seen = alerts[0].labels.merging(alerts[0].annotations.mapKeys { "annotation." + $0 }) { a, _ in a }
            return true
        }
        #expect(active, "the alert never became active: \(alertmanager.alerts() ?? []) / stderr: \(run.daemon.stderr)")
        #expect(seen["alertname"] == "SpikewatchAnomaly")
        #expect(seen["severity"] == raised.severity.rawValue)
        #expect(seen["kind"] == raised.kind)
        #expect(seen["annotation.id"] == raised.id)
        #expect(seen["annotation.first_ts"] == ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: raised.startedAt)), "first_ts: \(seen)")
        #expect(seen["annotation.evidence"]?.hasPrefix("m=900 (normal ") == true, "evidence: \(seen)")
        #expect(seen["annotation.score"] == String(format: "%.4f", raised.score))

        // Calm: the clear resolves it (Alertmanager lists no active alert for the cell).
        _ = try telemetry.calm(until: raised.id)
        // Alertmanager 0.25 lists no resolved alert, under any filter.
        #expect(alertmanager.wait(for: "c") { $0.isEmpty },
                "still active after the clear: \(alertmanager.alerts() ?? [])")
        let successes = run.metric(#"spikewatch_alertmanager_posts_total{url="\#(alertmanager.url)",result="success"}"#) ?? 0
        #expect(successes >= 2, "raise and clear are two posts at least")
        let errors = waitForMetric(port: run.port, #"spikewatch_alertmanager_posts_total{url="\#(unreachable)",result="error"}"#, atLeast: 1, timeout: 10) ?? 0
        #expect(errors >= 1, "the unreachable one is tried and counted")
        #expect(run.metric("spikewatch_alertmanager_alerts_dropped_total") == 0)
        #expect(run.daemon.stderr.contains("cannot post alerts to Alertmanager") && run.daemon.stderr.contains(unreachable))
    }

    @Test("Alertmanager down at first: the alert arrives once it starts (back-off); after a restart that lost everything, the re-post brings it back")
    func downThenRestarted() throws {
        let port = freeTCPPort()
        let url = "http://127.0.0.1:\(port)"
        let run = try RunningDaemon(["--alertmanager", url], environment: ["SPIKEWATCH_ALERTMANAGER_RESEND_INTERVAL_S": "1", "SPIKEWATCH_ALERTMANAGER_TIMEOUT_S": "1"])
        defer { _ = run.stop() }
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)
        var telemetry = StepTelemetry(run: run)
        let raised = try telemetry.raise()
        #expect(waitForMetric(port: run.port, #"spikewatch_alertmanager_posts_total{url="\#(url)",result="error"}"#, atLeast: 1, timeout: 10) ?? 0 >= 1)
        #expect(run.metric("spikewatch_alertmanager_pending_alerts") == 1)

        var alertmanager = try AlertmanagerProcess(port: port)
        #expect(alertmanager.wait(for: "c", timeout: 10) { $0.count == 1 && $0[0].annotations["id"] == raised.id && $0[0].state == "active" },
                "the alert never arrived: \(alertmanager.alerts() ?? []) / stderr: \(run.daemon.stderr)")
        #expect(waitForMetric(port: run.port, #"spikewatch_alertmanager_posts_total{url="\#(url)",result="success"}"#, atLeast: 1) ?? 0 >= 1)
        usleep(200_000)
        #expect(run.metric("spikewatch_alertmanager_pending_alerts") == 0)

        alertmanager.kill()
        alertmanager = try AlertmanagerProcess(port: port)
        defer { alertmanager.kill() }
        #expect(alertmanager.alerts()?.isEmpty == true, "a fresh Alertmanager starts empty")
        #expect(alertmanager.wait(for: "c", timeout: 10) { $0.count == 1 && $0[0].annotations["id"] == raised.id && $0[0].state == "active" },
                "the open alert was not re-posted: \(alertmanager.alerts() ?? [])")
        #expect(run.daemon.stderr.contains("Alertmanager reachable again"))
    }
}

extension AlertmanagerTests {
    @Test("SIGHUP adds an Alertmanager URL: the alert open before the reload reaches it; the clear of a stop without a state directory resolves it")
    func reloadAddsURL() throws {
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.kill() }
        let run = try RunningDaemon(config: "alertmanager:\n  urls: []\n")
        defer { _ = run.stop() }
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)
        var telemetry = StepTelemetry(run: run)
        let raised = try telemetry.raise()
        // The default re-send interval: an open alert is posted with endsAt 4 minutes ahead,
        // so only a posted clear resolves it within this test.
        try "alertmanager:\n  urls: [\"\(alertmanager.url)\"]\n"
            .write(toFile: run.configPath, atomically: true, encoding: .utf8)
        let before = run.daemon.notifications.count
        run.daemon.signal(SIGHUP)
        #expect(run.daemon.waitForNotification(after: before) { $0.contains("configuration reloaded") } != nil)
        #expect(alertmanager.wait(for: "c", timeout: 10) { $0.count == 1 && $0[0].annotations["id"] == raised.id },
                "the open alert did not reach the Alertmanager added by the reload: \(alertmanager.alerts() ?? []) / \(run.daemon.stderr)")
        // Without a state directory a stop clears every open alert; the forwarder delivers
        // those clears before the daemon exits.
        #expect(run.stop() == 0)
        #expect(alertmanager.wait(for: "c", timeout: 5) { $0.isEmpty }, "not resolved by the stop: \(alertmanager.alerts() ?? [])")
    }
}

/// `openssl` on PATH (`make test` and CI install it), for the TLS test's certificates.
let opensslPath: String? = ["/usr/bin/openssl", "/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

extension AlertmanagerTests {
    @Test("https with a CA of the test's own (alertmanager.tls_ca_file) and basic auth: the alert arrives",
          .enabled(if: opensslPath != nil || runningUnderCI, "openssl not installed; skipped outside CI"))
    func tlsAndBasicAuth() throws {
        let openssl = try #require(opensslPath)
        let directory = temporaryDirectory("spikewatch-am-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: path("san.ext"), atomically: true, encoding: .utf8)
        for arguments in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
             "-out", "ca.crt", "-days", "2", "-subj", "/CN=spikewatch test CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
             "-days", "2", "-extfile", "san.ext"],
        ] {
            let result = try runTool(openssl, arguments, in: directory)
            try #require(result.status == 0, "openssl \(arguments.joined(separator: " ")): \(result.output)")
        }
        // The bcrypt hash (cost 4) of "test-password", for Alertmanager's web configuration.
        try """
            tls_server_config:
              cert_file: \(path("server.crt"))
              key_file: \(path("server.key"))
            basic_auth_users:
              ops: $2b$04$N207ln4KqnNYgxxijcjQdu4/JT4y86hRt9uzYnG2q3AoUoJPuzAH2
            """.write(toFile: path("web.yml"), atomically: true, encoding: .utf8)
        try "test-password\n".write(toFile: path("password"), atomically: true, encoding: .utf8)
        let alertmanager = try AlertmanagerProcess(webConfig: path("web.yml"))
        defer { alertmanager.kill() }
        let url = "https://127.0.0.1:\(alertmanager.port)"
        let run = try RunningDaemon(["--alertmanager", url], environment: [
            "SPIKEWATCH_ALERTMANAGER_TLS_CA_FILE": path("ca.crt"), "SPIKEWATCH_ALERTMANAGER_TIMEOUT_S": "2",
            "SPIKEWATCH_ALERTMANAGER_BASIC_AUTH_USERNAME": "ops", "SPIKEWATCH_ALERTMANAGER_BASIC_AUTH_PASSWORD_FILE": path("password"),
        ])
        defer { _ = run.stop() }
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)
        var telemetry = StepTelemetry(run: run)
        let raised = try telemetry.raise()
        #expect(waitForMetric(port: run.port, #"spikewatch_alertmanager_posts_total{url="\#(url)",result="success"}"#, atLeast: 1, timeout: 10) ?? 0 >= 1,
                "stderr: \(run.daemon.stderr) / Alertmanager: \(alertmanager.log)")
        // What Alertmanager holds, read with curl over the same CA; without the password it refuses.
        let listed = try runTool("/usr/bin/curl", ["-s", "--cacert", path("ca.crt"), "-u", "ops:test-password", url + "/api/v2/alerts"], in: directory)
        #expect(listed.output.contains(raised.id), "\(listed.output)")
        let refused = try runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", path("ca.crt"), url + "/api/v2/alerts"], in: directory)
        #expect(refused.output == "401", "without credentials: \(refused.output)")
    }
}

extension Dictionary {
    func mapKeys(_ transform: (Key) -> Key) -> [Key: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}

@Suite("The Alertmanager flags and keys, through the binary")
struct AlertmanagerCheckTests {
    @Test("run --check names a bad --alertmanager URL and an unreadable password file; run --help lists --alertmanager")
    func check() throws {
        let bad = try SpikewatchProcess.run(["run", "--check", "--alertmanager", "ftp://127.0.0.1:9093"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("alertmanager.urls: must be an http:// or https:// URL, got \"ftp://127.0.0.1:9093\""), "\(bad.stderr)")
        let missing = try SpikewatchProcess.run(
            ["run", "--check", "--alertmanager", "http://127.0.0.1:9093"],
            environment: ["SPIKEWATCH_ALERTMANAGER_BASIC_AUTH_USERNAME": "ops",
                          "SPIKEWATCH_ALERTMANAGER_BASIC_AUTH_PASSWORD_FILE": "/nonexistent/password"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("alertmanager.basic_auth.password_file: cannot read /nonexistent/password (no such file)"), "\(missing.stderr)")
        let good = try SpikewatchProcess.run(["run", "--check", "--alertmanager", "http://127.0.0.1:9093", "--alertmanager", "http://127.0.0.1:9094"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("alertmanager http://127.0.0.1:9093,http://127.0.0.1:9094"), "\(good.stdout)")
        let help = try SpikewatchProcess.run(["run", "--help"])
        #expect(help.stdout.contains("--alertmanager <url>"), "\(help.stdout)")
    }
}

/// A stand-in for a broken Alertmanager: answers every POST with 200 and a chunked body
/// that never ends (a chunk every 10 ms), until stopped.
final class EndlessBodyServer: @unchecked Sendable {
    // Safety: `stopped` is only written by `stop()` and read by the server thread, each
    // access under `lock`; the listening socket is created before the thread starts and
    // closed after it was told to stop.
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(fd, 16) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var isStopped: Bool { lock.withLock { stopped } }

    private func serve() {
        while !isStopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            _ = recv(client, &buffer, buffer.count, 0)
            let head = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            _ = head.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            let chunk = Array("4\r\nabcd\r\n".utf8)
            while !isStopped, chunk.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 {
                usleep(10_000)
            }
            close(client)
        }
        close(listener)
    }

    func stop() { lock.withLock { stopped = true } }
}

@Suite("Alertmanager posts against a broken server", .serialized)
struct AlertmanagerBrokenServerTests {
    @Test("a 200 whose body never ends is an accepted post within the timeout, not a post held for as long as the body lasts")
    func endlessBody() throws {
        let server = try EndlessBodyServer()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"
        let run = try RunningDaemon(["--alertmanager", url], environment: ["SPIKEWATCH_ALERTMANAGER_TIMEOUT_S": "1"])
        defer { _ = run.stop() }
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)
        var telemetry = StepTelemetry(run: run)
        _ = try telemetry.raise()
        let accepted = waitForMetric(port: run.port, #"spikewatch_alertmanager_posts_total{url="\#(url)",result="success"}"#, atLeast: 1, timeout: 6) ?? 0
        #expect(accepted >= 1, "no post completed within 6 s: stderr \(run.daemon.stderr)")
        let deadline = Date().addingTimeInterval(6)
        while Date() < deadline && (run.metric("spikewatch_alertmanager_pending_alerts") ?? 1) > 0 { usleep(100_000) }
        #expect(run.metric("spikewatch_alertmanager_pending_alerts") == 0, "the raised alert is still pending")
    }
}
