import ArgumentParser
import Evaluation
import Foundation
import Logging
import Scenarios
import SpikewatchDaemon
import Synchronization
import Systemd
import Telemetry
import ZeroMQ

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The one-command tour: the daemon, a recorded day of three small cells with faults, live alerts.",
        discussion: """
            Starts the daemon in this process on private ipc:// endpoints, publishes the \
            bundled fixture (fixtures/demo.jsonl: three cells, 30 hours, faults injected \
            after a 12-hour learning period) through real ZeroMQ sockets at --speed times \
            real time, prints the alerts as a subscriber receives them, and ends with a \
            summary of the faults injected against those detected.
            """)

    @Option(help: "Times real time (0.001 to 1000000; default: 30 hours of telemetry in about 25 seconds).")
    var speed = 4500.0

    func validate() throws {
        try OptionBounds.checkSpeed("--speed", speed, zeroAllowed: false)
    }

    @Option(help: "Fixture to replay (default: the bundled demo fixture, found in ./fixtures, beside the executable's source tree or in ../share/spikewatch next to it, e.g. /usr/share/spikewatch).")
    var fixture: String?

    @Option(help: "Fault-class model (default: the copy built into the binary, the same as models/fault-classes.json).")
    var model: String?

    func run() async throws {
        let (records, names, source) = try demoRecords()
        let samples = records.compactMap { if case .success(let sample) = $0.result { sample } else { nil } }
        guard let first = samples.first, let last = samples.last else { throw CommandFailure("\(source) holds no samples") }
        let colour = isatty(STDOUT_FILENO) == 1
        let printer = AlertPrinter(colour: colour)
        let cells = Set(samples.map(\.cell)).sorted()
        print("spikewatch demo: \(samples.count) samples of \(cells.count) cells over \(String(format: "%.0f", (last.timestamp - first.timestamp) / 3600)) hours from \(source)")
        print("fault-class model: \(model ?? "the one built into the binary")")
        print("replaying at \(OptionBounds.format(speed))x real time through ZeroMQ; the detector learns each cell's normal first (no alerts in the first hours).\n")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikewatch-demo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelPath: String
        if let model {
            guard FileManager.default.isReadableFile(atPath: model) else { throw CommandFailure("--model: cannot read \(model)") }
            modelPath = model
        } else {
            modelPath = directory.appendingPathComponent("fault-classes.json").path
            try Data(embeddedFaultModel.utf8).write(to: URL(fileURLWithPath: modelPath))
        }
        let telemetryEndpoint = "ipc://" + directory.appendingPathComponent("telemetry").path
        let alertsEndpoint = "ipc://" + directory.appendingPathComponent("alerts").path

        var settings = DaemonConfiguration()
        try settings.set("telemetry.endpoints", text: "@" + telemetryEndpoint, source: "demo")
        try settings.set("alerts.endpoint", text: "@" + alertsEndpoint, source: "demo")
        // A recording (or synthetic times), not live telemetry: its times are not compared
        // with the wall clock (the per-cell rules still apply).
        settings.maximumFutureLead = .infinity
        try settings.set("model", text: modelPath, source: "demo")
        try settings.set("alerts.resend_interval_s", text: "3600", source: "demo")
        // At thousands of times real time, updates every 5 telemetry minutes would scroll
        // the tour past; every 30 keeps it readable (the daemon's default stays 300 s).
        try settings.set("alerts.update_interval_s", text: "1800", source: "demo")
        LoggingSystem.bootstrap { label in
            var handler = JournaldLogHandler(label: label, journalPrefixes: false)
            handler.logLevel = .error
            return handler
        }
        let daemon = try Daemon(configuration: settings, configurationPath: nil, logger: Logger(label: "spikewatch"))
        // Ctrl-C (or SIGTERM) stops the daemon, which traps them; the tour stops with it
        // rather than publish the rest of the fixture to no one.
        let daemonStopped = Atomic<Bool>(false)
        let running = Task {
            defer { daemonStopped.store(true, ordering: .releasing) }
            try await daemon.run()
        }

        // The subscriber: prints alerts as they arrive.
        let collected = AlertCollector()
        let subscriberThread = Thread {
            do {
                let context = try Context()
                let socket = try Socket(context, type: .subscriber)
                try socket.setLinger(milliseconds: 0)
                try socket.subscribe("alert.")
                try socket.connect(alertsEndpoint)
                collected.ready.store(true, ordering: .releasing)
                var items = [socket.pollItem()]
                var repeats = RepeatedClears()
                while !collected.done.load(ordering: .acquiring) {
                    guard try poll(&items, timeoutMilliseconds: 100) > 0 else { continue }
                    while let frames = try socket.receiveMultipart(dontWait: true) {
                        guard frames.count == 2, let alert = try? Alert(json: frames[1].bytes) else { continue }
                        collected.add(alert)
                        if repeats.isRepeat(alert) { continue }
                        print(printer.line(alert))
                        flushStandardOutput()
                    }
                }
            } catch {
                print("demo subscriber failed: \(error)")
            }
        }
        subscriberThread.start()
        while !collected.ready.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }

        // The publisher: the fixture, paced by its timestamps.
        let context = try Context()
        let publisher = try Socket(context, type: .extendedPublisher)
        try publisher.setLinger(milliseconds: 2000)
        try publisher.setSendHighWaterMark(0)
        try publisher.connect(telemetryEndpoint)
        var items = [publisher.pollItem()]
        guard try poll(&items, timeoutMilliseconds: 10_000) > 0 else {
            throw CommandFailure("the daemon did not subscribe to \(telemetryEndpoint) within 10 s")
        }
        let start = ContinuousClock.now
        var pacer = TelemetryPacer(speed: speed)
        var published = 0
        for record in records {
            guard !daemonStopped.load(ordering: .acquiring) else { break }
            guard case .success(let sample) = record.result else { continue }
            let (offset, jump) = pacer.due(sample.timestamp)
            if let jump {
                FileHandle.standardError.write(Data(TelemetryPacer.warning(source: AlertPrinter.visible(record.source), jump: jump).utf8))
            }
            let due = start + .seconds(offset)
            // Waits in short steps, so a stop is noticed within a tenth of a second.
            while due - ContinuousClock.now > .milliseconds(1), !daemonStopped.load(ordering: .acquiring) {
                try await Task.sleep(for: min(due - ContinuousClock.now, .milliseconds(100)))
            }
            while try publisher.receiveMultipart(dontWait: true) != nil {}
            try publisher.send(topic: "telemetry." + sample.cell, payload: sample.json(names: names, includeLabel: false))
            published += 1
        }
        if daemonStopped.load(ordering: .acquiring) {
            _ = try? await running.value
            collected.done.store(true, ordering: .releasing)
            print("\nstopped after \(published) of \(samples.count) samples (interrupted); \(daemon.statusLine)")
            return
        }
        // Stop only once the daemon has processed every sample (a slow or loaded machine
        // falls behind the pacing); give up if it makes no progress for 10 s.
        var lastProgress = (count: daemon.processedCount, at: ContinuousClock.now)
        while daemon.processedCount < samples.count, ContinuousClock.now - lastProgress.at < .seconds(10),
            !daemonStopped.load(ordering: .acquiring)
        {
            try await Task.sleep(for: .milliseconds(20))
            if daemon.processedCount != lastProgress.count { lastProgress = (daemon.processedCount, ContinuousClock.now) }
        }
        try await Task.sleep(for: .milliseconds(200))
        daemon.stop()
        _ = try? await running.value
        try await Task.sleep(for: .milliseconds(300))
        collected.done.store(true, ordering: .releasing)

        // Summary: injected faults against the alerts received.
        let data = LabelledData(records: records, names: names)
        let alerts = collected.alerts.filter { !$0.resent }
        var latestKind: [String: String] = [:]
        for alert in alerts { latestKind[alert.id] = alert.kind }
        let raised = alerts.filter { $0.state == .raised }.map {
            RaisedAlert(cell: $0.cell, time: $0.timestamp, kind: latestKind[$0.id] ?? $0.kind, id: $0.id)
        }
        let report = scoreEvents(
            detector: "spiking", windows: data.windows, alerts: raised, spans: data.spans, period: data.period,
            grace: 900, learning: 12 * 3600)
        print("\nsummary: \(data.windows.count) faults injected, \(report.detected) detected, \(report.falseAlarms) false alarm\(report.falseAlarms == 1 ? "" : "s")")
        print("fault                  cell              started               detected after  alert kind")
        for window in data.windows {
            let hit = raised.first { $0.cell == window.cell && $0.time >= window.start && $0.time <= window.end + 900 }
            let after = hit.map { String(format: "%.0f min", ($0.time - window.start) / 60) } ?? "missed"
            let kind = hit.map { $0.kind + ($0.kind == window.kind ? " ✓" : " ✗") } ?? "-"
            let columns: [String] = [
                window.kind.padding(toLength: 23, withPad: " ", startingAt: 0),
                window.cell.padding(toLength: 18, withPad: " ", startingAt: 0),
                isoTime(window.start).padding(toLength: 22, withPad: " ", startingAt: 0),
                after.padding(toLength: 16, withPad: " ", startingAt: 0),
                kind,
            ]
            print(columns.joined())
        }
        print("\n\(daemon.statusLine)")
        print("next: `spikewatch evaluate` scores the detector against three baselines; `spikewatch run --help` runs it for real.")
    }

    /// The bundled fixture: found beside the working directory, the executable or the
    /// installed share directory; else regenerated from its seed (the same bytes).
    func demoRecords() throws -> ([RecordedSample], MetricNames, String) {
        if let fixture { return try loadRecords([fixture], cell: nil) + (fixture) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            "fixtures/demo.jsonl",
            executable.appendingPathComponent("../../../fixtures/demo.jsonl").standardized.path,
            executable.appendingPathComponent("../share/spikewatch/demo.jsonl").standardized.path,
        ]
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            return try loadRecords([path], cell: nil) + (path)
        }
        let data = LabelledData(scenario: .demo)
        return (data.records, data.names, "the demo scenario (regenerated, seed 5)")
    }
}

extension ScenarioSettings {
    /// The scenario of fixtures/demo.jsonl: `spikewatch synth --seed 5 --cells 3 --days 1.25
    /// --learning-hours 12 --faults-per-day 4`.
    static var demo: ScenarioSettings {
        var settings = ScenarioSettings()
        settings.seed = 5
        settings.cells = 3
        settings.days = 1.25
        settings.learningHours = 12
        settings.faultsPerCellDay = 4
        return settings
    }
}

func + (lhs: ([RecordedSample], MetricNames), rhs: String) -> ([RecordedSample], MetricNames, String) {
    (lhs.0, lhs.1, rhs)
}

/// Alerts received by the demo's subscriber thread.
final class AlertCollector: Sendable {
    let ready = Atomic<Bool>(false)
    let done = Atomic<Bool>(false)
    private let received = Mutex<[Alert]>([])

    func add(_ alert: Alert) { received.withLock { $0.append(alert) } }
    var alerts: [Alert] { received.withLock { $0 } }
}
