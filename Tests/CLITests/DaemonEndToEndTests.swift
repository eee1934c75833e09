import Foundation
import SpikewatchTestSupport
import Telemetry
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

let fixtureLines: [[UInt8]] = {
    let url = repositoryRoot.appendingPathComponent("fixtures/small.jsonl")
    return ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map { Array($0.utf8) }
}()

@Suite("The daemon end to end: the real binary, real sockets, a stand-in systemd", .serialized)
struct DaemonEndToEndTests {
    @Test("READY after subscribing, alerts for labelled faults, watchdog pings, SIGHUP valid and invalid, SIGTERM then restart resumes")
    func lifecycle() throws {
        let directory = temporaryDirectory()
        let telemetry = "ipc://" + directory.appendingPathComponent("telemetry").path
        let alertsEndpoint = "ipc://" + directory.appendingPathComponent("alerts").path
        let state = directory.appendingPathComponent("state").path
        let config = directory.appendingPathComponent("spikewatch.yaml").path
        try "alerts:\n  resend_interval_s: 30\n".write(toFile: config, atomically: true, encoding: .utf8)
        let port = freeTCPPort()
        let arguments = [
            "run", "--config", config, "--telemetry", "@" + telemetry, "--alerts", "@" + alertsEndpoint,
            "--state-dir", state, "--metrics-listen", "127.0.0.1:\(port)",
        ]
        let daemon = try DaemonProcess(arguments, environment: ["WATCHDOG_USEC": "1000000"])
        let ready = try #require(daemon.waitForNotification { $0.contains("READY=1") }, "no READY=1; stderr: \(daemon.stderr)")

        let peers = try Peers(telemetry: telemetry, alerts: alertsEndpoint)
        #expect(try peers.awaitSubscription())
        usleep(200_000)  // the alert subscription's slow-joiner window
        var cells: [String: [(Double, String?)]] = [:]
        var decoder = TelemetryDecoder()
        for line in fixtureLines {
            let sample = try decoder.decode(line)
            cells[sample.cell, default: []].append((sample.timestamp, sample.label))
            try peers.publish(line, cell: sample.cell)
        }
        let processed = waitForMetric(port: port, "spikewatch_samples_processed_total", atLeast: Double(fixtureLines.count))
        #expect(processed == Double(fixtureLines.count))
        let alerts = try peers.drainAlerts()
        let raised = alerts.filter { $0.state == .raised }
        #expect(!raised.isEmpty, "no alert for the fixture's faults")
        // Every raised alert is for a labelled fault (or within 15 minutes after one).
        var explained = 0
        for alert in raised {
            let labelled = cells[alert.cell]?.contains { $0.1 != nil && alert.timestamp >= $0.0 && alert.timestamp <= $0.0 + 900 } ?? false
            if labelled { explained += 1 }
        }
        #expect(explained >= 1)
        let transitions = alerts.filter { !$0.resent }
        #expect(zip(transitions, transitions.dropFirst()).allSatisfy { $0.sequence < $1.sequence }, "seq strictly increases on the wire")
        // A subscriber of every alert topic (`tail`) and the metrics count the same
        // transitions; each alert is cleared once.
        let exposition = try #require(httpGet(port: port, path: "/metrics"))
        for state in Alert.State.allCases {
            let counted = metricValue(exposition, "spikewatch_alerts_published_total{state=\"\(state.rawValue)\"}")
            #expect(counted == Double(transitions.filter { $0.state == state }.count), "\(state.rawValue)")
        }
        #expect(Dictionary(grouping: transitions.filter { $0.state == .cleared }, by: \.id).values.allSatisfy { $0.count == 1 })
        // Per cell: every sample counted, and the alert gauge open exactly for the cells
        // whose last transition on the wire is not a `cleared`.
        for (cell, samples) in cells {
            #expect(metricValue(exposition, "spikewatch_cell_samples_total{cell=\"\(cell)\"}") == Double(samples.count), "\(cell)")
            let last = transitions.last { $0.cell == cell }
            let open = last.map { $0.state != .cleared } ?? false
            #expect(metricValue(exposition, "spikewatch_cell_alert_open{cell=\"\(cell)\"}") == (open ? 1 : 0), "\(cell)")
        }
        // The publisher logs every transition it numbers, once, at info, with its cell,
        // kind, severity and score.
        let logged = daemon.stderr.split(separator: "\n").filter { $0.contains(" info spikewatch: alert ") }
        #expect(logged.count == alerts.filter { !$0.resent }.count, "\(logged)")
        for alert in transitions {
            #expect(logged.contains {
                $0.contains("alert \(alert.state.rawValue) ") && $0.contains("cell=\(alert.cell)") && $0.contains("kind=\(alert.kind)")
                    && $0.contains("severity=\(alert.severity.rawValue)") && $0.contains("score=") && $0.contains("alert.seq=\(alert.sequence)")
            }, "no log line for \(alert.state.rawValue) seq \(alert.sequence)")
        }

        // Watchdog: pings at half of WATCHDOG_USEC, only after READY.
        usleep(2_200_000)
        let pings = daemon.notifications.filter { $0 == "WATCHDOG=1" }.count
        #expect(pings >= 3)
        #expect(daemon.notifications.firstIndex(of: "WATCHDOG=1").map { $0 > ready.1 } ?? false)

        // SIGHUP with a valid file.
        try "alerts:\n  resend_interval_s: 10\n".write(toFile: config, atomically: true, encoding: .utf8)
        let before = daemon.notifications.count
        daemon.signal(SIGHUP)
        let reloading = try #require(daemon.waitForNotification(after: before) { $0.contains("RELOADING=1") })
        #expect(daemon.waitForNotification(after: reloading.1 + 1) { $0.contains("READY=1") } != nil)
        #expect(daemon.waitForNotification(after: before) { $0.contains("configuration reloaded") } != nil)

        // SIGHUP with an invalid file: refused, reported, the daemon goes on.
        try "alerts:\n  resend_interval_s: -5\n".write(toFile: config, atomically: true, encoding: .utf8)
        let beforeBad = daemon.notifications.count
        daemon.signal(SIGHUP)
        let refused = try #require(daemon.waitForNotification(after: beforeBad) { $0.contains("reload refused") })
        #expect(refused.0.contains("alerts.resend_interval_s"))
        #expect(refused.0.contains("-5"))
        #expect(daemon.waitForNotification(after: beforeBad) { $0.contains("READY=1") } != nil)
        #expect(daemon.process.isRunning)
        #expect(httpGet(port: port, path: "/metrics") != nil)

        // SIGTERM: STOPPING, a checkpoint, exit 0.
        let beforeStop = daemon.notifications.count
        daemon.signal(SIGTERM)
        #expect(daemon.waitForNotification(after: beforeStop) { $0.contains("STOPPING=1") } != nil)
        #expect(daemon.waitForExit(timeout: 20) == 0, "stderr: \(daemon.stderr)")
        #expect(FileManager.default.fileExists(atPath: state + "/state.json"))
        let lastSequence = alerts.map(\.sequence).max() ?? -1

        // Restart: the learned state of both cells comes back, alert seq continues.
        try "log_level: info\n".write(toFile: config, atomically: true, encoding: .utf8)
        let again = try DaemonProcess(arguments)
        #expect(again.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(again.stderr)")
        #expect(again.stderr.contains("restored learned state of 2 cells"))
        again.signal(SIGTERM)
        #expect(again.waitForExit(timeout: 20) == 0)
        let restored = try String(contentsOfFile: state + "/state.json", encoding: .utf8)
        #expect(restored.contains("\"alertSequence\":\(lastSequence + 1)"))
    }

    @Test("with several detection threads the daemon raises the same alerts as with one, and checkpoints every cell")
    func detectionThreads() throws {
        let directory = temporaryDirectory()
        let fixture = directory.appendingPathComponent("eight-cells.jsonl").path
        let synth = try SpikewatchProcess.run([
            "synth", "--seed", "3", "--cells", "8", "--days", "1.2", "--learning-hours", "10", "--faults-per-day", "3",
            "--out", fixture,
        ])
        #expect(synth.status == 0, "\(synth.stderr)")
        let lines = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
        var cellOf: [String] = []
        var decoder = TelemetryDecoder()
        for line in lines { cellOf.append(try decoder.decode(line).cell) }

        /// What a run with `workers` detection threads raised, without the alert `seq`
        /// (the publisher numbers transitions in the order the threads hand them over, which
        /// differs between runs; on the wire it always strictly increases).
        func alerts(workers: Int) throws -> [String] {
            let directory = temporaryDirectory()
            let state = directory.appendingPathComponent("state").path
            let run = try RunningDaemon(["--state-dir", state], config: "workers: \(workers)\n", directory: directory)
            let (daemon, peers, port) = (run.daemon, run.peers, run.port)
            #expect(run.ready(), "stderr: \(daemon.stderr)")
            usleep(200_000)  // the alert subscription's slow-joiner window
            for (line, cell) in zip(lines, cellOf) { try peers.publish(line, cell: cell) }
            let processed = waitForMetric(port: port, "spikewatch_samples_processed_total", atLeast: Double(lines.count), timeout: 60)
            #expect(processed == Double(lines.count))
            let received = try peers.drainAlerts()
            let transitions = received.filter { !$0.resent }
            #expect(transitions.map(\.sequence) == Array(0..<Int64(transitions.count)), "seq is 0, 1, 2, ... on the wire")
            #expect(run.stop() == 0)
            let checkpoint = try String(contentsOfFile: state + "/state.json", encoding: .utf8)
            #expect(checkpoint.split(separator: "\n").count == Set(cellOf).count + 2, "a line per cell after the header")
            return received.map { alert in
                var copy = alert
                copy.sequence = 0
                return String(decoding: copy.json(), as: UTF8.self)
            }.sorted()
        }
        let one = try alerts(workers: 1)
        #expect(one.contains { $0.contains("\"state\":\"raised\"") }, "the fixture's faults raise alerts")
        #expect(try alerts(workers: 3) == one)
    }

    @Test("a publisher that restarts (seq drops) or loses messages (seq gaps) is counted, not fatal; bad messages are counted by reason")
    func sequenceAndRejections() throws {
        let run = try RunningDaemon()
        let (daemon, peers, port) = (run.daemon, run.peers, run.port)
        #expect(run.ready(), "stderr: \(daemon.stderr)")
        func payload(_ seq: Int, _ ts: Double) -> [UInt8] {
            Array(#"{"v":1,"cell":"c1","ts":\#(ts),"seq":\#(seq),"metrics":{"m":\#(10 + seq % 3)}}"#.utf8)
        }
        var ts = 1_793_923_200.0
        for seq in 0..<10 { try peers.publish(payload(seq, ts), cell: "c1"); ts += 60 }
        try peers.publish(payload(15, ts), cell: "c1")  // 5 lost
        ts += 60
        try peers.publish(payload(3, ts), cell: "c1")  // the publisher restarted
        try peers.publish(payload(3, ts + 1), cell: "c1")  // duplicate
        try peers.publish(payload(4, ts - 3600), cell: "c1")  // time going backwards
        try peers.publisher.send(multipart: [Array("telemetry.c1".utf8)])  // one frame
        try peers.publisher.send(topic: "telemetry.", payload: payload(5, ts + 2))  // no cell in the topic
        try peers.publish(Array("{not json".utf8), cell: "c1")
        try peers.publish(Array(#"{"v":2,"cell":"c1","ts":1,"seq":1,"metrics":{"m":1}}"#.utf8), cell: "c1")
        try peers.publish(Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 10), cell: "c1")  // oversized
        try peers.publish(payload(5, ts + 60), cell: "c1")  // a good one after all that
        #expect(waitForMetric(port: port, "spikewatch_samples_processed_total", atLeast: 13) == 13)
        let metrics = try #require(httpGet(port: port, path: "/metrics"))
        #expect(metricValue(metrics, "spikewatch_messages_received_total") == 20)
        // 5 lost before seq 15, and 1 more before the last seq 5 (its seq 4 was refused).
        #expect(metricValue(metrics, "spikewatch_telemetry_gaps_total") == 6)
        #expect(metricValue(metrics, "spikewatch_publisher_restarts_total") == 1)
        for reason in ["duplicate", "time_backwards", "bad_frames", "bad_topic", "invalid_json", "unsupported_version", "oversized"] {
            #expect(metricValue(metrics, "spikewatch_messages_rejected_total{reason=\"\(reason)\"}") == 1, "\(reason)")
        }
        #expect(daemon.process.isRunning)
        #expect(run.stop() == 0)
    }

    @Test("a stop checkpoint that takes long (12 s, as a very large state) extends systemd's stop timeout every 5 s, is written, and the exit is 0")
    func slowStopCheckpointExtendsTimeout() throws {
        let directory = temporaryDirectory()
        let state = directory.appendingPathComponent("state").path
        // Periodic checkpoints off (an hour): only the stop's is delayed in this test.
        let run = try RunningDaemon(
            ["--state-dir", state], config: "state:\n  checkpoint_interval_s: 3600\n",
            environment: ["SPIKEWATCH_TEST_CHECKPOINT_DELAY": "12"], directory: directory)
        #expect(run.ready())
        for seq in 0..<5 {
            try run.peers.publish(Array(#"{"v":1,"cell":"c","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":1}}"#.utf8), cell: "c")
        }
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: 5) == 5)
        run.daemon.signal(SIGTERM)
        #expect(run.daemon.waitForExit(timeout: 40) == 0, "\(run.daemon.stderr)")
        let extensions = run.daemon.notifications.filter { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") }
        // Every 5 s of the checkpoint, 15 s more; then 25 s for the drain that follows.
        #expect(extensions.filter { $0 == "EXTEND_TIMEOUT_USEC=15000000" }.count >= 2, "\(run.daemon.notifications)")
        #expect(extensions.last == "EXTEND_TIMEOUT_USEC=25000000", "\(extensions)")
        #expect(run.daemon.notifications.contains("STOPPING=1"))
        #expect(FileManager.default.fileExists(atPath: state + "/state.json"))
    }

    @Test("restoring a state that takes long (7 s, as a very large one) extends systemd's start timeout before READY=1")
    func slowRestoreExtendsTimeout() throws {
        let directory = temporaryDirectory()
        let state = directory.appendingPathComponent("state").path
        do {
            let first = try RunningDaemon(["--state-dir", state], directory: directory)
            #expect(first.ready())
            try first.peers.publish(Array(#"{"v":1,"cell":"c","ts":1793923200,"seq":0,"metrics":{"m":1}}"#.utf8), cell: "c")
            #expect(waitForMetric(port: first.port, "spikewatch_samples_processed_total", atLeast: 1) == 1)
            #expect(first.stop() == 0)
        }
        #expect(FileManager.default.fileExists(atPath: state + "/state.json"))
        let run = try RunningDaemon(
            ["--state-dir", state], config: "state:\n  checkpoint_interval_s: 3600\n",
            environment: ["SPIKEWATCH_TEST_CHECKPOINT_DELAY": "7"], directory: directory)
        #expect(run.daemon.waitForNotification(timeout: 30) { $0.contains("READY=1") } != nil, "\(run.daemon.stderr)")
        let notifications = run.daemon.notifications
        let ready = try #require(notifications.firstIndex { $0.contains("READY=1") })
        #expect(notifications[..<ready].contains("EXTEND_TIMEOUT_USEC=15000000"), "\(notifications)")
        run.daemon.signal(SIGKILL)
        _ = run.daemon.waitForExit(timeout: 5)
    }

    @Test("a stalled processing loop stops the watchdog pings and turns /healthz to 503")
    func stalledLoopStopsWatchdog() throws {
        let run = try RunningDaemon(environment: ["WATCHDOG_USEC": "600000", "SPIKEWATCH_TEST_STALL_AFTER": "5"])
        let (daemon, peers) = (run.daemon, run.peers)
        #expect(run.ready())
        #expect(daemon.waitForNotification { $0 == "WATCHDOG=1" } != nil)
        for seq in 0..<20 {
            try peers.publish(Array(#"{"v":1,"cell":"c","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":1}}"#.utf8), cell: "c")
        }
        // Wait until the stall has set in (the hook logs it), then one ping interval more.
        let deadline = Date().addingTimeInterval(15)
        while !daemon.stderr.contains("stalls on purpose") && Date() < deadline { usleep(20_000) }
        #expect(daemon.stderr.contains("stalls on purpose"))
        usleep(400_000)
        let before = daemon.notifications.filter { $0 == "WATCHDOG=1" }.count
        usleep(2_000_000)  // more than three ping intervals
        let after = daemon.notifications.filter { $0 == "WATCHDOG=1" }.count
        #expect(after == before, "pings went on through a stall (\(before) -> \(after))")
        // /healthz gives the same verdict, naming the stalled loop (one shard: the ingest
        // thread runs it, so the ingest loop is the one that stalls).
        let health = try #require(httpExchange(port: run.port, Array("GET /healthz HTTP/1.0\r\n\r\n".utf8)))
        #expect(health.status == 503)
        #expect(health.text == "stalled: ingest\n", "\(health.text)")
        daemon.signal(SIGKILL)
        _ = daemon.waitForExit(timeout: 5)
    }

    @Test("run --check accepts a valid file and names the file, line, key and value of a bad one")
    func check() throws {
        let directory = temporaryDirectory()
        let good = directory.appendingPathComponent("good.yaml").path
        try "telemetry:\n  endpoints: [\">tcp://127.0.0.1:5556\"]\ncells:\n  max_cells: 500\n".write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try SpikewatchProcess.run(["run", "--check", "--config", good])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("configuration OK"))
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "telemetry:\n  topic_prefix: \"telemetry.\"\ncells:\n  max_cells: lots\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try SpikewatchProcess.run(["run", "--check", "--config", bad])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bad.yaml:4: cells.max_cells: must be a whole number >= 1, got \"lots\""))
        let typo = directory.appendingPathComponent("typo.yaml").path
        try "alerts:\n  endpont: \"@tcp://*:5557\"\n".write(toFile: typo, atomically: true, encoding: .utf8)
        let unknown = try SpikewatchProcess.run(["run", "--check", "--config", typo])
        #expect(unknown.stderr.contains("unknown key \"alerts.endpont\""))
        let environment = try SpikewatchProcess.run(
            ["run", "--check"], environment: ["SPIKEWATCH_ALERTS_ENDPOINT": "nonsense"])
        #expect(environment.stderr.contains("SPIKEWATCH_ALERTS_ENDPOINT"))
        let shipped = try SpikewatchProcess.run(["run", "--check", "--config", repositoryRoot.appendingPathComponent("configs/spikewatch.yaml").path])
        #expect(shipped.status == 0, "the shipped default configuration is invalid: \(shipped.stderr)")
    }
}

@Suite("tail and replay --to over real sockets")
struct TailAndPublishTests {
    @Test("tail prints alerts for a person and as JSON")
    func tail() throws {
        let directory = temporaryDirectory()
        let endpoint = "ipc://" + directory.appendingPathComponent("alerts").path
        let context = try Context()
        let publisher = try Socket(context, type: .extendedPublisher)
        try publisher.bind(endpoint)
        let alert = Alert(
            cell: "gnb-1/cell-1", state: .raised, severity: .critical, kind: "congestion", score: 0.99,
            timestamp: 1_793_923_200, startedAt: 1_793_923_200, sequence: 4,
            evidence: [.init(metric: "RRU.PrbTotDl", value: 99.5, low: 10, high: 70)])
        for json in [false, true] {
            let result = try SpikewatchProcess.runWhile(
                ["tail", "--alerts", ">" + endpoint, "--count", "1", "--timeout", "10"] + (json ? ["--json"] : [])
            ) {
                // Publish until tail has joined (slow joiner) and taken its message.
                _ = try? publisher.send(topic: alert.topic, payload: alert.json(), dontWait: true)
            }
            #expect(result.status == 0)
            if json {
                #expect(try Alert(json: Array(result.stdout.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8)) == alert)
            } else {
                #expect(result.stdout.contains("critical"))
                #expect(result.stdout.contains("raised"))
                #expect(result.stdout.contains("gnb-1/cell-1"))
                #expect(result.stdout.contains("congestion"))
                #expect(result.stdout.contains("RRU.PrbTotDl=99.5 (normal 10..70)"))
            }
        }
    }

    @Test("replay --to publishes every sample as [telemetry.<cell>][payload]")
    func replayTo() throws {
        let directory = temporaryDirectory()
        let endpoint = "ipc://" + directory.appendingPathComponent("telemetry").path
        let context = try Context()
        let subscriber = try Socket(context, type: .subscriber)
        try subscriber.subscribe("telemetry.")
        try subscriber.setReceiveHighWaterMark(0)
        let fixture = repositoryRoot.appendingPathComponent("fixtures/small.jsonl").path
        var received = 0
        let result = try SpikewatchProcess.runWhile(["replay", fixture, "--to", "@" + endpoint, "--speed", "0"]) {
            if received == 0 { try? subscriber.connect(endpoint) }
            while let frames = try? subscriber.receiveMultipart(dontWait: true) {
                #expect(frames.count == 2)
                #expect(frames[0].string.hasPrefix("telemetry.gnb-"))
                received += 1
            }
        }
        #expect(result.status == 0, "\(result.stderr)")
        var items = [subscriber.pollItem()]
        while try poll(&items, timeoutMilliseconds: 1000) > 0 {
            while let _ = try subscriber.receiveMultipart(dontWait: true) { received += 1 }
        }
        #expect(received == fixtureLines.count)
        #expect(result.stderr.contains("published \(fixtureLines.count) samples"))
    }
}

@Suite("CURVE on both sockets, with allow-lists")
struct CurveEndToEndTests {
    @Test("a known publisher is heard and an unknown one is not; a known subscriber gets messages, an unknown one none")
    func allowLists() throws {
        let directory = temporaryDirectory()
        let telemetry = "ipc://" + directory.appendingPathComponent("telemetry").path
        let alertsEndpoint = "ipc://" + directory.appendingPathComponent("alerts").path
        let daemonKeys = try CurveKeyPair.generate()
        let (goodPublisher, badPublisher) = (try CurveKeyPair.generate(), try CurveKeyPair.generate())
        let (goodSubscriber, badSubscriber) = (try CurveKeyPair.generate(), try CurveKeyPair.generate())
        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let config = try write("spikewatch.yaml", """
            alerts:
              heartbeat_interval_s: 0.2
            security:
              secret_key_file: "\(try write("daemon.key", daemonKeys.secretKey.z85 + "\n"))"
              allowed_publishers_file: "\(try write("publishers.keys", "# the only publisher\n\(goodPublisher.publicKey.z85)\n"))"
              allowed_subscribers_file: "\(try write("subscribers.keys", goodSubscriber.publicKey.z85 + "\n"))"
            """)
        let port = freeTCPPort()
        let daemon = try DaemonProcess([
            "run", "--config", config, "--telemetry", "@" + telemetry, "--alerts", "@" + alertsEndpoint,
            "--metrics-listen", "127.0.0.1:\(port)",
        ])
        #expect(daemon.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains(daemonKeys.publicKey.z85))

        let context = try Context()
        func publisher(_ keys: CurveKeyPair) throws -> Socket {
            let socket = try Socket(context, type: .extendedPublisher)
            try socket.setLinger(milliseconds: 0)
            try socket.makeCurveClient(serverKey: daemonKeys.publicKey, keyPair: keys)
            try socket.connect(telemetry)
            return socket
        }
        let good = try publisher(goodPublisher)
        let bad = try publisher(badPublisher)
        var goodItems = [good.pollItem()]
        #expect(try poll(&goodItems, timeoutMilliseconds: 10_000) == 1, "the allowed publisher never saw the daemon subscribe")
        var badItems = [bad.pollItem()]
        #expect(try poll(&badItems, timeoutMilliseconds: 500) == 0, "a publisher with an unknown key was let in")
        for seq in 0..<5 {
            let payload = Array(#"{"v":1,"cell":"c","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":1}}"#.utf8)
            try good.send(topic: "telemetry.c", payload: payload)
            try bad.send(topic: "telemetry.x", payload: payload)
        }
        #expect(waitForMetric(port: port, "spikewatch_messages_received_total", atLeast: 5) == 5)
        usleep(300_000)
        #expect(metricValue(httpGet(port: port, path: "/metrics") ?? "", "spikewatch_messages_received_total") == 5)

        func subscriber(_ keys: CurveKeyPair) throws -> Socket {
            let socket = try Socket(context, type: .subscriber)
            try socket.setLinger(milliseconds: 0)
            try socket.makeCurveClient(serverKey: daemonKeys.publicKey, keyPair: keys)
            try socket.subscribe("heartbeat")
            try socket.connect(alertsEndpoint)
            return socket
        }
        let allowed = try subscriber(goodSubscriber)
        let refused = try subscriber(badSubscriber)
        var allowedItems = [allowed.pollItem()]
        #expect(try poll(&allowedItems, timeoutMilliseconds: 5000) == 1)
        #expect(try allowed.receiveMultipart(dontWait: true)?.first?.string == "heartbeat")
        var refusedItems = [refused.pollItem()]
        #expect(try poll(&refusedItems, timeoutMilliseconds: 1000) == 0)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
    }

    @Test("CURVE settings are checked: a server key without our key, mixed bind/connect, a bad key file")
    func checks() throws {
        let directory = temporaryDirectory()
        let pair = try CurveKeyPair.generate()
        let noKey = directory.appendingPathComponent("a.yaml").path
        try "security:\n  telemetry_server_key: \"\(pair.publicKey.z85)\"\n".write(toFile: noKey, atomically: true, encoding: .utf8)
        #expect(try SpikewatchProcess.run(["run", "--check", "--config", noKey]).stderr.contains("needs security.secret_key_file"))
        let keyFile = directory.appendingPathComponent("d.key").path
        try pair.secretKey.z85.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let missingServer = directory.appendingPathComponent("b.yaml").path
        try "security:\n  secret_key_file: \"\(keyFile)\"\n".write(toFile: missingServer, atomically: true, encoding: .utf8)
        #expect(try SpikewatchProcess.run(["run", "--check", "--config", missingServer]).stderr.contains("security.telemetry_server_key: required"))
        let list = directory.appendingPathComponent("list.keys").path
        try "\(pair.publicKey.z85)\nnot-a-key\n".write(toFile: list, atomically: true, encoding: .utf8)
        let badList = directory.appendingPathComponent("c.yaml").path
        try "telemetry:\n  endpoints: [\"@ipc:///tmp/x\"]\nsecurity:\n  secret_key_file: \"\(keyFile)\"\n  allowed_publishers_file: \"\(list)\"\n"
            .write(toFile: badList, atomically: true, encoding: .utf8)
        #expect(try SpikewatchProcess.run(["run", "--check", "--config", badList]).stderr.contains("list.keys:2: not a 40-character Z85 public key"))
        let keygen = try SpikewatchProcess.run(["keygen", "--out", directory.appendingPathComponent("k").path])
        #expect(keygen.status == 0)
        let written = try String(contentsOfFile: directory.appendingPathComponent("k.key").path, encoding: .utf8)
        #expect(CurveKey(z85: written) != nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("k.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}

@Suite("Hostile input through real ZeroMQ")
struct HostileInputTests {
    @Test("every kind of bad message is counted by reason, the daemon stays up and every good message is processed")
    func corpus() throws {
        let directory = temporaryDirectory()
        let telemetry = "ipc://" + directory.appendingPathComponent("telemetry").path
        let alertsEndpoint = "ipc://" + directory.appendingPathComponent("alerts").path
        let port = freeTCPPort()
        let daemon = try DaemonProcess(
            ["run", "--telemetry", "@" + telemetry, "--alerts", "@" + alertsEndpoint, "--metrics-listen", "127.0.0.1:\(port)"],
            environment: ["SPIKEWATCH_CELLS_MAX_CELLS": "40"])
        #expect(daemon.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(daemon.stderr)")
        let peers = try Peers(telemetry: telemetry, alerts: alertsEndpoint)
        #expect(try peers.awaitSubscription())

        let t0 = 1_793_923_200
        var goodSeq = 0
        var goodSent = 0
        func good() throws {
            try peers.publish(Array(#"{"v":1,"cell":"good","ts":\#(t0 + goodSeq * 60),"seq":\#(goodSeq),"metrics":{"m":\#(goodSeq % 5)}}"#.utf8), cell: "good")
            goodSeq += 1
            goodSent += 1
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        var hugeValid = #"{"v":1,"cell":"h","ts":1,"seq":1,"metrics":{"m":1},"pad":""#
        hugeValid += String(repeating: "x", count: (1 << 20) + 100) + "\"}"
        let corpus: [(frames: [[UInt8]], reason: String)] = [
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c""#.utf8)], "invalid_json"),
            ([Array("telemetry.c".utf8), Array("[1,2".utf8)], "invalid_json"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":NaN,"seq":1,"metrics":{"m":1}}"#.utf8)], "invalid_json"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"seq":1,"metrics":{"m":-Infinity}}"#.utf8)], "invalid_json"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"seq":1,"metrics":{"m":1e400}}"#.utf8)], "not_finite"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":7,"ts":1,"seq":1,"metrics":{"m":1}}"#.utf8)], "bad_type"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":"now","seq":1,"metrics":{"m":1}}"#.utf8)], "bad_type"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"seq":-1,"metrics":{"m":1}}"#.utf8)], "bad_type"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"seq":1,"metrics":[1]}"#.utf8)], "bad_type"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"metrics":{"m":1}}"#.utf8)], "missing_field"),
            ([Array("telemetry.c".utf8), Array(#"{"v":3,"cell":"c","ts":1,"seq":1,"metrics":{"m":1}}"#.utf8)], "unsupported_version"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"seq":1,"metrics":{}}"#.utf8)], "no_metrics"),
            ([Array("telemetry.c".utf8), Array(hugeValid.utf8)], "oversized"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":"c","ts":1,"seq":1,"metrics":{"m":1},"x":\#(deep)}"#.utf8)], "invalid_json"),
            ([Array("telemetry.c".utf8), Array(#"{"v":1,"cell":""#.utf8) + [0xC3, 0x28] + Array(#"","ts":1,"seq":1,"metrics":{"m":1}}"#.utf8)], "invalid_json"),
            ([Array("telemetry.c".utf8), []], "invalid_json"),
            ([Array("telemetry.c".utf8)], "bad_frames"),
            ([Array("telemetry.c".utf8), Array("{}".utf8), Array("{}".utf8)], "bad_frames"),
            ([Array("telemetry.".utf8) + [0xFF, 0xFE], Array(#"{"v":1,"cell":"c","ts":1,"seq":1,"metrics":{"m":1}}"#.utf8)], "bad_topic"),
            ([Array("telemetry.good".utf8), Array(#"{"v":1,"cell":"good","ts":\#(t0 - 3600),"seq":100000,"metrics":{"m":1}}"#.utf8)], "time_backwards"),
        ]
        try good()
        for item in corpus {
            try peers.publisher.send(multipart: item.frames)
            try good()
        }
        // A duplicate of the last good message.
        try peers.publish(Array(#"{"v":1,"cell":"good","ts":\#(t0 + (goodSeq - 1) * 60),"seq":\#(goodSeq - 1),"metrics":{"m":1}}"#.utf8), cell: "good")
        // A flood of invented cells: 39 more fit under the cap of 40, the rest are refused.
        for index in 0..<100 {
            try peers.publish(Array(#"{"v":1,"cell":"flood-\#(index)","ts":\#(t0),"seq":0,"metrics":{"m":1}}"#.utf8), cell: "flood-\(index)")
            if index % 10 == 0 { try good() }
        }
        try good()
        let expectedProcessed = Double(goodSent + 39)
        #expect(waitForMetric(port: port, "spikewatch_samples_processed_total", atLeast: expectedProcessed) == expectedProcessed)
        let metrics = try #require(httpGet(port: port, path: "/metrics"))
        var expected: [String: Int] = ["duplicate": 1, "too_many_cells": 61]
        for item in corpus { expected[item.reason, default: 0] += 1 }
        for (reason, count) in expected {
            #expect(metricValue(metrics, "spikewatch_messages_rejected_total{reason=\"\(reason)\"}") == Double(count), "\(reason)")
        }
        let rejected = expected.values.reduce(0, +)
        #expect(metricValue(metrics, "spikewatch_messages_received_total") == Double(goodSent + 39 + rejected))
        #expect(waitForMetric(port: port, "spikewatch_cells", atLeast: 40) == 40)
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
        // The log names reasons, rate-limited: one line per reason, not one per message.
        let log = daemon.stderr
        #expect(log.components(separatedBy: "reason=too_many_cells").count - 1 <= 2)
    }
}

@Suite("Learned state through crashes and bad files", .serialized)
struct StateFaultTests {
    func start(_ directory: URL, state: String) throws -> (DaemonProcess, Peers, String) {
        let run = try RunningDaemon(["--state-dir", state], config: "state:\n  checkpoint_interval_s: 0.3\n", directory: directory)
        return (run.daemon, run.peers, run.configPath)
    }

    func waitForFile(_ path: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test("kill -9 mid-stream: the restart resumes from the last checkpoint")
    func killNine() throws {
        let directory = temporaryDirectory()
        let state = directory.appendingPathComponent("state").path
        let (daemon, peers, _) = try start(directory, state: state)
        #expect(daemon.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(daemon.stderr)")
        #expect(try peers.awaitSubscription())
        var decoder = TelemetryDecoder()
        for line in fixtureLines.prefix(600) {
            try peers.publish(line, cell: try decoder.decode(line).cell)
        }
        #expect(waitForFile(state + "/state.json"))
        usleep(800_000)  // a few more checkpoint intervals
        daemon.signal(SIGKILL)
        _ = daemon.waitForExit(timeout: 5)
        let (again, _, _) = try start(directory, state: state)
        #expect(again.waitForNotification { $0.contains("READY=1") } != nil)
        #expect(again.stderr.contains("restored learned state of 2 cells"), "\(again.stderr)")
        again.signal(SIGTERM)
        #expect(again.waitForExit(timeout: 20) == 0)
    }

    @Test("a checkpoint that cannot be written is reported; the previous one stays valid")
    func writeFailure() throws {
        let directory = temporaryDirectory()
        let state = directory.appendingPathComponent("state").path
        let (daemon, peers, _) = try start(directory, state: state)
        #expect(daemon.waitForNotification { $0.contains("READY=1") } != nil)
        #expect(try peers.awaitSubscription())
        try peers.publish(Array(#"{"v":1,"cell":"c","ts":1793923200,"seq":0,"metrics":{"m":1}}"#.utf8), cell: "c")
        #expect(waitForFile(state + "/state.json"))
        let good = try Data(contentsOf: URL(fileURLWithPath: state + "/state.json"))
        // Root ignores permissions, so make the temporary file's path a directory: the
        // write fails whoever we are, like a full or read-only disk.
        try FileManager.default.createDirectory(atPath: state + "/state.json.tmp", withIntermediateDirectories: false)
        let before = daemon.notifications.count
        try peers.publish(Array(#"{"v":1,"cell":"c","ts":1793923260,"seq":1,"metrics":{"m":1}}"#.utf8), cell: "c")
        #expect(daemon.waitForNotification(after: before) { $0.contains("checkpoint failed") } != nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: state + "/state.json")) == good)
        #expect(daemon.stderr.contains("checkpoint failed"))
        #expect(daemon.process.isRunning)
        // The stop's checkpoint fails too: the exit status says what was learned is lost.
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 20)
        #expect(status != nil && status != 0, "exit status \(String(describing: status))")
        #expect(daemon.stderr.contains("the checkpoint at the stop could not be written"))
    }

    @Test("a second daemon on the same state directory is refused at the start; --check refuses a file as the directory")
    func stateDirectoryClaimed() throws {
        let directory = temporaryDirectory()
        let state = directory.appendingPathComponent("state").path
        let (first, _, _) = try start(directory, state: state)
        #expect(first.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(first.stderr)")
        let other = directory.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let (second, _, _) = try start(other, state: state)
        #expect(second.waitForExit(timeout: 20).map { $0 != 0 } == true)
        #expect(second.stderr.contains("is in use by another spikewatch"), "stderr: \(second.stderr)")
        #expect(first.process.isRunning)
        first.signal(SIGTERM)
        #expect(first.waitForExit(timeout: 20) == 0)

        // The directory deleted under a running daemon: it writes its checkpoint again
        // (nothing new was learned) and locks the new directory, so a second daemon is
        // still refused.
        let (third, thirdPeers, _) = try start(directory, state: state)
        #expect(third.waitForNotification { $0.contains("READY=1") } != nil, "stderr: \(third.stderr)")
        #expect(try thirdPeers.awaitSubscription())
        try thirdPeers.publish(Array(#"{"v":1,"cell":"c","ts":1793923200,"seq":0,"metrics":{"m":1}}"#.utf8), cell: "c")
        #expect(waitForFile(state + "/state.json"))
        try FileManager.default.removeItem(atPath: state)
        #expect(waitForFile(state + "/state.json"), "the checkpoint was not written again")
        #expect(third.stderr.contains("it is locked again"))
        let fourth = directory.appendingPathComponent("fourth")
        try FileManager.default.createDirectory(at: fourth, withIntermediateDirectories: true)
        let (refused, _, _) = try start(fourth, state: state)
        #expect(refused.waitForExit(timeout: 20).map { $0 != 0 } == true)
        #expect(refused.stderr.contains("is in use by another spikewatch"), "stderr: \(refused.stderr)")
        third.signal(SIGTERM)
        #expect(third.waitForExit(timeout: 20) == 0)

        let file = directory.appendingPathComponent("afile").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let check = try SpikewatchProcess.run(["run", "--check", "--state-dir", file])
        #expect(check.status != 0)
        #expect(check.stderr.contains("state directory \(file) is not a directory"), "\(check.stderr)")
    }

    @Test("a corrupted or other-version checkpoint is refused with a message, and kept until a good one replaces it")
    func corrupted() throws {
        let directory = temporaryDirectory()
        let state = directory.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try #"{"format":"spikewatch-checkpoint","version":99}"#.write(toFile: state + "/state.json", atomically: true, encoding: .utf8)
        let (daemon, _, _) = try start(directory, state: state)
        let status = try #require(daemon.waitForNotification { $0.contains("checkpoint refused") })
        #expect(status.0.contains("version 99"))
        #expect(daemon.waitForNotification { $0.contains("READY=1") } != nil)
        usleep(1_000_000)  // several checkpoint intervals with nothing learned
        #expect(try String(contentsOfFile: state + "/state.json", encoding: .utf8).contains("\"version\":99"))
        // Once something is learned, a good checkpoint replaces it.
        let peers = try Peers(
            telemetry: "ipc://" + directory.appendingPathComponent("telemetry").path,
            alerts: "ipc://" + directory.appendingPathComponent("alerts").path)
        #expect(try peers.awaitSubscription())
        try peers.publish(Array(#"{"v":1,"cell":"c","ts":1793923200,"seq":0,"metrics":{"m":1}}"#.utf8), cell: "c")
        let deadline = Date().addingTimeInterval(10)
        var replaced = false
        while Date() < deadline && !replaced {
            replaced = (try? String(contentsOfFile: state + "/state.json", encoding: .utf8))?.contains("\"version\":3") ?? false
            usleep(50_000)
        }
        #expect(replaced)
        // The refused file is kept beside it, as it was.
        #expect((try? String(contentsOfFile: state + "/state.json.refused", encoding: .utf8))?.contains("\"version\":99") == true)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
    }
}
