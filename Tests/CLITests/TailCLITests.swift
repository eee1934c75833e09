import Foundation
import SpikewatchTestSupport
import Telemetry
import Testing
import ZeroMQ

@Suite("spikewatch tail: what a person (or a pipe) sees")
struct TailCLITests {
    /// One alert's life as the daemon publishes it: raised as a warning, updated to major,
    /// re-sent while active, then cleared on both severity topics it was published on.
    static func lifecycle() -> [Alert] {
        let start = 1_793_967_780.0
        let evidence = [Alert.Evidence(metric: "HO.ExeSucc/HO.ExeAtt", value: 0.6111, low: 0.9582, high: 1.0186)]
        var alerts: [Alert] = []
        func add(_ state: Alert.State, _ severity: Alert.Severity, at time: Double, sequence: Int64, resent: Bool = false) {
            alerts.append(Alert(
                cell: "gnb-0017/cell-2", state: state, severity: severity, kind: "misconfiguration",
                score: state == .cleared ? 0 : 0.91, timestamp: time, startedAt: start, sequence: sequence,
                evidence: state == .cleared ? [] : evidence, resent: resent))
        }
        add(.raised, .warning, at: start, sequence: 0)
        add(.updated, .major, at: start + 300, sequence: 1)
        add(.updated, .major, at: start + 300, sequence: 1, resent: true)
        add(.cleared, .warning, at: start + 900, sequence: 2)
        add(.cleared, .major, at: start + 900, sequence: 3)
        return alerts
    }

    /// Runs `spikewatch tail` with its output in a file (not a terminal), publishing
    /// `alerts` through a real ZeroMQ socket once it has subscribed.
    func tail(_ alerts: [Alert], extraArguments: [String] = []) throws -> SpikewatchProcess.Result {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoint = "ipc://" + directory.appendingPathComponent("alerts").path
        let context = try Context()
        let publisher = try Socket(context, type: .extendedPublisher)
        try publisher.setLinger(milliseconds: 1000)
        try publisher.bind(endpoint)
        var sent = false
        let result = try SpikewatchProcess.runWhile(
            ["tail", "--alerts", ">" + endpoint, "--count", "\(alerts.count)", "--timeout", "10"] + extraArguments,
            timeout: 30
        ) {
            guard !sent, (try? publisher.receiveMultipart(dontWait: true)) ?? nil != nil else { return }
            for alert in alerts { _ = try? publisher.send(topic: alert.topic, payload: alert.json()) }
            sent = true
        }
        #expect(sent, "tail never subscribed; stderr: \(result.stderr)")
        return result
    }

    @Test("piped output: one line per transition, re-sends marked (re-sent), a clear on two topics printed once")
    func pipedTransitions() throws {
        let result = try tail(Self.lifecycle())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stdout)")
        guard lines.count == 4 else { return }
        #expect(lines[0].contains(" raised ") && lines[0].contains("warning"), "\(lines[0])")
        #expect(lines[1].contains(" updated ") && lines[1].contains("major") && !lines[1].contains("re-sent"), "\(lines[1])")
        #expect(lines[2].contains(" updated (re-sent) "), "\(lines[2])")
        #expect(lines[3].contains(" cleared "), "\(lines[3])")
        for line in lines {
            #expect(line.contains("gnb-0017/cell-2  misconfiguration"), "\(line)")
            #expect(!line.contains("\u{1B}["), "no colour codes into a pipe: \(line)")
        }
        // The columns line up: the cell starts at the same place on every line but the re-send.
        let cellColumns = Set([0, 1, 3].map { lines[$0].range(of: "gnb-0017")!.lowerBound.utf16Offset(in: lines[$0]) })
        #expect(cellColumns.count == 1, "\(result.stdout)")
    }

    @Test("control characters in a cell id, kind or metric name cannot clear the screen or forge a line")
    func controlCharactersShown() throws {
        let hostile = "\u{1B}[2J\u{1B}[31mEVIL\r\nFAKE raised \u{0}\u{85}"
        let alert = Alert(
            cell: "cell-" + hostile, state: .raised, severity: .warning, kind: "anomaly" + hostile, score: 0.7,
            timestamp: 1_793_967_780, startedAt: 1_793_967_780, sequence: 0,
            evidence: [Alert.Evidence(metric: "m" + hostile, value: 1, low: 0, high: 2)])
        let result = try tail([alert])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "\(result.stdout.debugDescription)")
        #expect(!result.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(result.stdout.debugDescription)")
        #expect(!result.stdout.contains("\u{85}"))
        #expect(result.stdout.contains("cell-\\u{1b}[2J\\u{1b}[31mEVIL\\u{d}\\u{a}FAKE raised \\u{0}\\u{85}"), "\(result.stdout)")
    }

    @Test("an alert whose times no calendar shows (ts 1e300) is printed, not a crash")
    func impossibleTimes() throws {
        let alert = Alert(
            cell: "c", state: .raised, severity: .warning, kind: "anomaly", score: 0.7,
            timestamp: 1e300, startedAt: -1e300, sequence: 0, evidence: [Alert.Evidence(metric: "m", value: 1, low: 0, high: 2)])
        let result = try tail([alert])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("1e+300"), "\(result.stdout)")
    }

    @Test("--json prints every payload as received, one per line")
    func jsonKeepsEveryMessage() throws {
        let alerts = Self.lifecycle()
        let result = try tail(alerts, extraArguments: ["--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == alerts.map { String(decoding: $0.json(), as: UTF8.self) })
    }
}
