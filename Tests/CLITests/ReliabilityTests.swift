import Foundation
import SpikewatchTestSupport
import Telemetry
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The demo fixture's lines (3 cells, 30 hours).
let demoLines: [[UInt8]] = {
    let url = repositoryRoot.appendingPathComponent("fixtures/demo.jsonl")
    return ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map { Array($0.utf8) }
}()

/// A line of a fixture with one field replaced (the text of its JSON value).
func replacingField(_ line: [UInt8], _ field: String, with value: String) -> [UInt8] {
    let text = String(decoding: line, as: UTF8.self)
    guard let start = text.range(of: "\"\(field)\":") else { return line }
    let rest = text[start.upperBound...]
    let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
    return Array((text[..<start.upperBound] + value + text[end...]).utf8)
}

/// Alerts as text without their `seq` (a global counter) and without re-sends.
func transitions(_ alerts: [Alert]) -> [String] {
    alerts.filter { !$0.resent }.map { alert in
        var copy = alert
        copy.sequence = 0
        return String(decoding: copy.json(), as: UTF8.self)
    }
}

@Suite("Reliability: one bad message never damages another cell", .serialized)
struct ReliabilityTests {
    @Test("a ts in milliseconds from one of three cells: the others keep their state and alerts, the sender goes on, the checkpoint stays clean")
    func millisecondTimestamp() throws {
        // What the clean stream raises, through the same pipeline offline.
        let baselineFile = temporaryDirectory().appendingPathComponent("alerts.jsonl").path
        let baseline = try SpikewatchProcess.run(["replay", repositoryRoot.appendingPathComponent("fixtures/demo.jsonl").path, "--alerts", baselineFile])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        let expected = try String(contentsOfFile: baselineFile, encoding: .utf8).split(separator: "\n")
            .map { try Alert(json: Array($0.utf8)) }
        #expect(Set(expected.map(\.cell)).count >= 2, "the demo raises alerts on several cells")

        let state = temporaryDirectory().appendingPathComponent("state").path
        let run = try RunningDaemon(["--state-dir", state])
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)  // the alert subscription's slow-joiner window
        var decoder = TelemetryDecoder()
        let badAt = 3000
        var badTimestamp = 0.0
        for (index, line) in demoLines.enumerated() {
            let sample = try decoder.decode(line)
            if index == badAt {
                // The next sample of this cell, its ts in milliseconds.
                badTimestamp = (sample.timestamp * 1000).rounded()
                let bad = replacingField(line, "ts", with: String(Int64(badTimestamp)))
                try run.peers.publish(bad, cell: sample.cell)
            }
            try run.peers.publish(line, cell: sample.cell)
        }
        let processed = waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: Double(demoLines.count), timeout: 90)
        #expect(processed == Double(demoLines.count), "every good sample is processed, the sender's later ones too")
        #expect(run.metric("spikewatch_messages_rejected_total{reason=\"implausible_time\"}") == 1)
        #expect(run.metric("spikewatch_messages_rejected_total{reason=\"time_backwards\"}") == 0)
        usleep(300_000)  // the cell gauge is refreshed by the publisher thread
        #expect(run.metric("spikewatch_cells") == 3)
        #expect(run.metric("spikewatch_cells_evicted_total{reason=\"idle\"}") == 0)
        let received = try run.peers.drainAlerts()
        #expect(transitions(received) == transitions(expected), "the alerts are exactly those of the clean stream")
        #expect(run.stop() == 0)
        let checkpoint = try String(contentsOfFile: state + "/state.json", encoding: .utf8)
        #expect(!checkpoint.contains(String(Int64(badTimestamp))), "the checkpoint holds the implausible time")
        let log = run.daemon.stderr
        #expect(log.contains("reason=implausible_time"))
        #expect(log.contains("cell=gnb-0017/"))
        #expect(log.contains("topic=telemetry.gnb-0017/"))
    }

    @Test("one message each: ts in microseconds, ts 1e308, seq 2^63-1, a small metric at -1e308; the daemon stays up")
    func singleMessagesNeverKill() throws {
        let run = try RunningDaemon()
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        var decoder = TelemetryDecoder()
        let lines = Array(fixtureLines.prefix(800))
        var lastSeq: [String: String] = [:]
        for (index, line) in lines.enumerated() {
            let sample = try decoder.decode(line)
            switch index {
            case 400: try run.peers.publish(replacingField(line, "ts", with: "1793923200000000.0"), cell: sample.cell)
            case 410: try run.peers.publish(replacingField(line, "ts", with: "1e308"), cell: sample.cell)
            case 420:
                let next = replacingField(line, "seq", with: "9223372036854775807")
                // 20 s before the cell's own sample (more than 5% of its minute: no repeat of it).
                try run.peers.publish(replacingField(next, "ts", with: String(sample.timestamp - 20)), cell: sample.cell)
            case 430:
                // Every metric of this sample at -1e308 (some are learned as small, positive).
                var text = String(decoding: line, as: UTF8.self)
                let metrics = text.range(of: "\"metrics\":{")!
                let body = text[metrics.upperBound...].split(separator: "}").first!
                let wild = body.split(separator: ",").map { $0.split(separator: ":")[0] + ":-1e308" }.joined(separator: ",")
                text = text.replacingCharacters(in: metrics.upperBound..<text.index(metrics.upperBound, offsetBy: body.count), with: wild)
                let next = replacingField(Array(text.utf8), "ts", with: String(sample.timestamp - 10))
                try run.peers.publish(replacingField(next, "seq", with: "9000000000"), cell: sample.cell)
            default: break
            }
            lastSeq[sample.cell] = String(sample.sequence)
            try run.peers.publish(line, cell: sample.cell)
        }
        let expected = Double(lines.count + 2)  // the seq and the -1e308 messages are valid
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: expected) == expected)
        #expect(run.metric("spikewatch_messages_rejected_total{reason=\"implausible_time\"}") == 2)
        #expect(run.daemon.process.isRunning)
        usleep(300_000)
        #expect(run.metric("spikewatch_cells") == 2)
        #expect(run.stop() == 0, "stderr: \(run.daemon.stderr)")
    }

    @Test("the topic must name the payload's cell; v precedence; each rejection logged with its cell and topic")
    func topicAndVersion() throws {
        let run = try RunningDaemon()
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        func payload(_ cell: String, _ seq: Int, v: String = "1") -> [UInt8] {
            Array(#"{"v":\#(v),"cell":"\#(cell)","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":\#(seq % 4)}}"#.utf8)
        }
        try run.peers.publish(payload("a", 0), cell: "a")
        try run.peers.publish(payload("a", 1), cell: "b")  // a's payload under b's topic
        try run.peers.publish(payload("b", 1), cell: "a/extra")
        try run.peers.publish(payload("a", 2, v: "\"1\""), cell: "a")
        try run.peers.publish(payload("a", 3, v: "null"), cell: "a")
        try run.peers.publish(payload("a", 4), cell: "a")
        #expect(waitForMetric(port: run.port, "spikewatch_messages_received_total", atLeast: 6) == 6)
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: 2) == 2)
        #expect(run.metric("spikewatch_messages_rejected_total{reason=\"topic_mismatch\"}") == 2)
        #expect(run.metric("spikewatch_messages_rejected_total{reason=\"unsupported_version\"}") == 2)
        usleep(300_000)  // the cell gauge is refreshed by the publisher thread
        #expect(run.metric("spikewatch_cells") == 1, "no cell was created under the wrong topic")
        #expect(run.stop() == 0)
        let log = run.daemon.stderr
        let mismatch = try #require(log.split(separator: "\n").first { $0.contains("reason=topic_mismatch") })
        #expect(mismatch.contains("cell=a") && mismatch.contains("topic=telemetry.b"), "\(mismatch)")
        let version = try #require(log.split(separator: "\n").first { $0.contains("reason=unsupported_version") })
        #expect(version.contains("cell=a") && version.contains("topic=telemetry.a"), "\(version)")
    }

    @Test("idle eviction runs on telemetry time: a cell silent while the stream's time moves on is evicted, logged and counted; with no telemetry nothing is")
    func idleEviction() throws {
        let run = try RunningDaemon(config: "cells:\n  idle_eviction_s: 1.5\n")
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        // Both cells send times a month before the wall clock: the stream's own time is
        // what counts.
        let t0 = Int(Date().timeIntervalSince1970) - 30 * 86_400
        func payload(_ cell: String, _ seq: Int) -> [UInt8] {
            Array(#"{"v":1,"cell":"\#(cell)","ts":\#(t0 + seq * 60),"seq":\#(seq),"metrics":{"m":\#(seq % 4)}}"#.utf8)
        }
        for seq in 0..<3 { try run.peers.publish(payload("quiet", seq), cell: "quiet") }
        for seq in 0..<40 {
            try run.peers.publish(payload("busy", seq), cell: "busy")
            usleep(100_000)
        }
        #expect(waitForMetric(port: run.port, "spikewatch_cells_evicted_total{reason=\"idle\"}", atLeast: 1, timeout: 10) == 1)
        usleep(300_000)
        #expect(run.metric("spikewatch_cells") == 1)
        // No telemetry for twice the idle limit of wall-clock time: telemetry time stands
        // still, and the busy cell stays.
        usleep(3_000_000)
        #expect(run.metric("spikewatch_cells") == 1)
        #expect(run.metric("spikewatch_cells_evicted_total{reason=\"idle\"}") == 1)
        #expect(run.stop() == 0)
        let eviction = try #require(run.daemon.stderr.split(separator: "\n").first { $0.contains("cell evicted") })
        #expect(eviction.contains("cell=quiet") && eviction.contains("reason=idle") && eviction.contains("silent for"), "\(eviction)")
    }

    @Test("without a state directory, SIGTERM says learning is not kept and clears every active alert")
    func shutdownClearsAlerts() throws {
        let run = try RunningDaemon()
        #expect(run.ready(), "stderr: \(run.daemon.stderr)")
        usleep(200_000)
        var seq = 0
        func send(_ value: Double) throws {
            try run.peers.publish(
                Array(#"{"v":1,"cell":"c","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":\#(value)}}"#.utf8), cell: "c")
            seq += 1
        }
        for step in 0..<200 { try send(10 + Double(step % 5) * 0.1) }
        for _ in 0..<6 { try send(900) }
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: 206) == 206)
        let before = try run.peers.drainAlerts()
        let alert = try #require(before.last { $0.state == .raised }, "the step raises an alert")
        #expect(!before.contains { $0.state == .cleared && $0.id == alert.id }, "the alert must still be active for this test")
        run.daemon.signal(SIGTERM)
        var cleared: [Alert] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && cleared.isEmpty {
            cleared += try run.peers.drainAlerts(quietFor: 200).filter { $0.state == .cleared && $0.id == alert.id }
        }
        #expect(!cleared.isEmpty, "the active alert was not cleared at shutdown")
        #expect(run.daemon.waitForExit(timeout: 20) == 0)
        #expect(run.daemon.stderr.contains("learning is not kept"))
        #expect(!run.daemon.stderr.contains("draining, checkpointing"))
    }
}

@Suite("Configuration and keys that fail safe, through the binary")
struct FailSafeCLITests {
    @Test("run --check refuses a port above 65535, a misspelled variable and key, naming the nearest known one")
    func check() throws {
        let port = try SpikewatchProcess.run(["run", "--check", "--alerts", "@tcp://127.0.0.1:99999"])
        #expect(port.status != 0)
        #expect(port.stderr.contains("port must be a whole number from 1 to 65535, got \"99999\""), "\(port.stderr)")
        let directory = temporaryDirectory()
        let file = directory.appendingPathComponent("a.yaml").path
        try "alerts:\n  endpoint: \"@tcp://127.0.0.1:99999\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let filePort = try SpikewatchProcess.run(["run", "--check", "--config", file])
        #expect(filePort.status != 0 && filePort.stderr.contains("a.yaml:2: alerts.endpoint"), "\(filePort.stderr)")
        let variable = try SpikewatchProcess.run(["run", "--check"], environment: ["SPIKEWATCH_ALERT_ENDPOINT": "@tcp://127.0.0.1:5557"])
        #expect(variable.status != 0)
        #expect(variable.stderr.contains("SPIKEWATCH_ALERT_ENDPOINT: unknown variable; did you mean \"SPIKEWATCH_ALERTS_ENDPOINT\"?"), "\(variable.stderr)")
        try "cells:\n  max_cell: 5\n".write(toFile: file, atomically: true, encoding: .utf8)
        let key = try SpikewatchProcess.run(["run", "--check", "--config", file])
        #expect(key.stderr.contains("unknown key \"cells.max_cell\"; did you mean \"cells.max_cells\"?"), "\(key.stderr)")
    }

    @Test("keygen refuses to overwrite, says why a write fails, writes 0600 and 0644; the daemon reads its key as a systemd credential")
    func keys() throws {
        let directory = temporaryDirectory()
        let prefix = directory.appendingPathComponent("daemon").path
        let first = try SpikewatchProcess.run(["keygen", "--out", prefix])
        #expect(first.status == 0, "\(first.stderr)")
        let secret = try String(contentsOfFile: prefix + ".key", encoding: .utf8)
        func mode(_ path: String) throws -> Int? { try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try mode(prefix + ".key") == 0o600)
        #expect(try mode(prefix + ".pub") == 0o644)
        let again = try SpikewatchProcess.run(["keygen", "--out", prefix])
        #expect(again.status != 0)
        #expect(again.stderr.contains("exists; not overwriting"), "\(again.stderr)")
        #expect(try String(contentsOfFile: prefix + ".key", encoding: .utf8) == secret, "the key pair was overwritten")
        let forced = try SpikewatchProcess.run(["keygen", "--out", prefix, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: prefix + ".key", encoding: .utf8) != secret)
        #expect(try mode(prefix + ".key") == 0o600)
        let missing = try SpikewatchProcess.run(["keygen", "--out", directory.appendingPathComponent("no/such/dir/k").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")

        // The unit hands the key over as a credential; the configuration names it.
        let unit = try String(contentsOf: repositoryRoot.appendingPathComponent("systemd/spikewatch.service"), encoding: .utf8)
        #expect(unit.contains("LoadCredential=spikewatch.key"))
        #expect(unit.contains("DynamicUser=yes"))
        let credentials = directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: prefix + ".key", toPath: credentials.appendingPathComponent("spikewatch.key").path)
        let config = directory.appendingPathComponent("curve.yaml").path
        try "telemetry:\n  endpoints: [\"@ipc://\(directory.path)/t\"]\nsecurity:\n  secret_key_file: \"credential:spikewatch.key\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let withCredential = try SpikewatchProcess.run(["run", "--check", "--config", config], environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        #expect(withCredential.status == 0, "\(withCredential.stderr)")
        let without = try SpikewatchProcess.run(["run", "--check", "--config", config], environment: ["CREDENTIALS_DIRECTORY": ""])
        #expect(without.status != 0)
        #expect(without.stderr.contains("CREDENTIALS_DIRECTORY is not set"), "\(without.stderr)")
    }
}
