import ArgumentParser
import Foundation
import Plot
import Scenarios
import Telemetry
import Synchronization
import ZeroMQ

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate labelled small-cell telemetry (JSON Lines fixtures).",
        discussion: """
            Cells of three kinds (residential, business, transport) with daily and weekly \
            load shapes; users drive PRB utilisation, throughput, RRC connections, delay and \
            block errors; 3GPP TS 28.552 names and units; a 1-minute period. After a \
            learning period, faults are injected and labelled: sleeping_cell, \
            ul_interference, congestion, backhaul_degradation, hardware_fault, \
            software_restart, misconfiguration. Busy hours, weekend dips and one-sample \
            blips are normal and unlabelled. The same seed gives the same file. \
            Realism (weather, crowd events, a holiday, gradual and subtle faults, absent \
            metrics, draining sleeping cells, RACH and PDCP metrics) is off unless a flag \
            below turns a phenomenon on, or --realism on draws them per cell. \
            See docs/telemetry.md for every signature and knob.
            """)

    @Option(help: "Random seed.")
    var seed: UInt64 = 1
    @Option(help: "Number of cells (1 to 100000).")
    var cells = 8
    @Option(help: "Days of telemetry (more than 0, at most 366).")
    var days = 3.0
    @Option(help: "Seconds between samples (1 to 86400: a day).")
    var period = 60.0
    @Option(help: "Hours at the start of each cell without faults (the learning period; 0 to 8784).")
    var learningHours = 24.0
    @Option(help: "Mean injected faults per cell per day after the learning period (0 to 100).")
    var faultsPerDay = 2.0
    @Option(help: "Comma-separated fault kinds to inject (default: all).")
    var kinds: String?
    @Option(help: "First timestamp, epoch seconds (below 1e11) or ISO-8601 (default 2026-11-06T00:00:00Z, a Friday).")
    var start: String?
    @Option(help: "Write here instead of stdout.")
    var out: String?
    @Option(help: "Also write the injected faults (one JSON object per line) here.")
    var faultsOut: String?
    @Option(help: "Also write the benign events (crowds at venue cells, the holiday; not labelled) here, one JSON object per line.")
    var eventsOut: String?
    @Option(help: "Write one SVG per fault kind into this directory: the fault's signature metrics, shaded.")
    var plotFaults: String?
    @Option(help: "Publish onto this ZeroMQ endpoint instead of writing a file (@ binds, > connects; bare binds, as for replay --to: the daemon's telemetry socket connects by default).")
    var to: String?
    @Option(help: "With --to: messages per second (wall clock), regardless of the samples' timestamps (more than 0, at most 10000000).")
    var rate = 1000.0
    @OptionGroup(title: "Realism (docs/telemetry.md; all off by default)")
    var realism: RealismOptions

    func validate() throws {
        try OptionBounds.check("--cells", cells, in: 1...OptionBounds.cells)
        try OptionBounds.check("--days", days, from: 0, lowerOpen: true, to: OptionBounds.days)
        try OptionBounds.check("--period", period, from: 1, to: 86_400)
        try OptionBounds.check("--learning-hours", learningHours, from: 0, to: OptionBounds.hours)
        try OptionBounds.check("--faults-per-day", faultsPerDay, from: 0, to: 100)
        try OptionBounds.check("--rate", rate, from: 0, lowerOpen: true, to: 10_000_000)
        _ = try realism.settings()
        try refuseOverwrite(outputs: [("--out", out), ("--faults-out", faultsOut), ("--events-out", eventsOut)], inputs: [])
        _ = try startTime()
    }

    /// `--start` in epoch seconds, or nil without it.
    func startTime() throws -> Double? {
        guard let start else { return nil }
        guard let value = parseTimestamp(start), value > 0 else {
            throw ValidationError("--start: \"\(start)\" is not epoch seconds or ISO-8601")
        }
        // Epoch seconds as the daemon reads them (below 1e11, the year 5138), less a
        // year of scenario.
        try OptionBounds.check("--start", value, from: 0, lowerOpen: true, to: SequenceTracker.epochSecondsLimit - 366 * 86_400)
        return value
    }

    func run() throws {
        let settings = try scenarioSettings()
        if let to {
            try publish(settings: settings, to: to)
            return
        }
        var generator = ScenarioGenerator(settings: settings)
        var output = [UInt8]()
        output.reserveCapacity(1 << 20)
        var count = 0
        let names = generator.names
        let handle: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil) else {
                throw CommandFailure("cannot write \(out): \(writeFailureReason(out, CocoaError(.fileWriteUnknown)))")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        } else {
            handle = FileHandle.standardOutput
        }
        while let sample = generator.next() {
            output += sample.json(names: names)
            output.append(0x0A)
            count += 1
            if output.count > 1 << 20 {
                handle.write(Data(output))
                output.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(output))
        if let faultsOut {
            var lines = ""
            for fault in generator.faults {
                var writer = JSONWriter()
                writer.raw("{\"cell\":")
                writer.string(fault.cell)
                writer.key("kind")
                writer.string(fault.kind.rawValue)
                writer.key("variant")
                writer.string(fault.variant)
                writer.key("start")
                writer.number(fault.start)
                writer.key("end")
                writer.number(fault.end)
                writer.key("severity")
                writer.number((fault.severity * 100).rounded() / 100)
                if fault.onset > 0 {
                    writer.key("onset")
                    writer.number(fault.onset)
                }
                if fault.strength != 1 {
                    writer.key("strength")
                    writer.number(fault.strength)
                }
                writer.byte(UInt8(ascii: "}"))
                lines += writer.text + "\n"
            }
            try writeFile(faultsOut, lines)
        }
        if let plotFaults { try plot(settings: settings, directory: plotFaults) }
        if let eventsOut {
            var lines = ""
            for event in generator.crowdEvents {
                var writer = JSONWriter()
                writer.raw("{\"cell\":")
                writer.string(event.cell)
                writer.key("event")
                writer.string("crowd")
                writer.key("start")
                writer.number(event.start)
                writer.key("end")
                writer.number(event.end)
                writer.key("multiplier")
                writer.number((event.multiplier * 100).rounded() / 100)
                writer.byte(UInt8(ascii: "}"))
                lines += writer.text + "\n"
            }
            if let holiday = generator.holiday { lines += "{\"event\":\"holiday\",\"start\":\(Int(holiday)),\"end\":\(Int(holiday) + 86_400)}\n" }
            try writeFile(eventsOut, lines)
        }
        if out != nil {
            FileHandle.standardError.write(Data("wrote \(count) samples of \(settings.cells) cells, \(generator.faults.count) faults\n".utf8))
        }
    }

    func scenarioSettings() throws -> ScenarioSettings {
        var settings = ScenarioSettings()
        settings.seed = seed
        settings.cells = cells
        settings.days = days
        settings.period = period
        settings.learningHours = learningHours
        settings.faultsPerCellDay = faultsPerDay
        if let kinds {
            settings.kinds = try kinds.split(separator: ",").map {
                guard let kind = FaultKind(rawValue: String($0).trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--kinds: unknown fault kind \"\($0)\" (known: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return kind
            }
        }
        settings.realism = try realism.settings()
        if let value = try startTime() { settings.start = value }
        return settings
    }
}

extension SynthCommand {
    /// The metrics that show each fault's signature; `a/b` is a ratio of counter increases.
    static func signature(_ fault: FaultEvent) -> [String] {
        switch fault.kind {
        case .sleepingCell: ["RRC.ConnMean", "RRU.PrbTotDl", "DRB.UEThpDl"]
        case .ulInterference: ["L1M.ULSINRMean", "TB.ErrTotNbrUl/TB.TotNbrUl", "DRB.UEThpUl"]
        case .congestion: ["RRU.PrbTotDl", "DRB.UEThpDl", "DRB.RlcSduDelayDl"]
        case .backhaulDegradation: ["TNL.RttMean", "TNL.PacketLossRate", "RRU.PrbTotDl"]
        case .hardwareFault: fault.variant == "vswr" ? ["RU.VSWR", "RRU.PrbTotDl"] : ["PEE.AvgTemperature", "RRU.PrbTotDl"]
        case .softwareRestart: ["RRC.ConnMean", "RRC.ConnEstabAtt"]
        case .misconfiguration:
            fault.variant == "handover" ? ["HO.ExeSucc/HO.ExeAtt", "RRC.ConnMean"] : ["RRC.ConnEstabSucc/RRC.ConnEstabAtt", "RRC.ConnMean"]
        }
    }

    /// One picture per fault kind: its first occurrence, three hours either side.
    func plot(settings: ScenarioSettings, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = ScenarioGenerator(settings: settings)
        let samples = generator.all()
        let names = generator.names
        for kind in FaultKind.allCases {
            guard let fault = generator.faults.first(where: { $0.kind == kind }) else { continue }
            let from = fault.start - 3 * 3600
            let to = fault.end + 3 * 3600
            let cellSamples = samples.filter { $0.cell == fault.cell && $0.timestamp >= from && $0.timestamp <= to }
            func value(_ sample: TelemetrySample, _ name: String) -> Double? {
                guard let id = names.existingID(for: name) else { return nil }
                return sample.metrics.first { $0.id == id }?.value
            }
            var panels: [TraceFigure.Panel] = []
            for metric in Self.signature(fault) {
                var points: [(time: Double, v: Double)] = []
                let parts = metric.split(separator: "/").map(String.init)
                for (previous, sample) in zip(cellSamples, cellSamples.dropFirst()) {
                    let hours = (sample.timestamp - fault.start) / 3600
                    if parts.count == 2 {
                        if let n1 = value(sample, parts[0]), let n0 = value(previous, parts[0]),
                            let d1 = value(sample, parts[1]), let d0 = value(previous, parts[1]), d1 - d0 > 0, n1 >= n0
                        {
                            points.append((hours, (n1 - n0) / (d1 - d0)))
                        }
                    } else if let v = value(sample, metric) {
                        points.append((hours, v))
                    }
                }
                var panel = TraceFigure.Panel(
                    title: metric, points: points, vRest: 0, vThresh: 0, spikes: [],
                    windows: [.init(start: 0, end: (fault.end - fault.start) / 3600, label: kind.rawValue)])
                panel.referenceLines = false
                panel.yLabel = metric.count > 22 ? "ratio" : metric
                panels.append(panel)
            }
            let severity = String(format: "%.2f", fault.severity)
            let figure = TraceFigure(
                title: "\(kind.rawValue)\(fault.variant.isEmpty ? "" : " (\(fault.variant))") on \(fault.cell), severity \(severity)",
                timeLabel: "hours from the fault's start (shaded: the labelled fault)", start: -3,
                end: (to - fault.start) / 3600, raster: [], panels: panels)
            let path = directory + "/" + kind.rawValue + ".svg"
            try writeFile(path, figure.svg())
        }
    }
}

extension SynthCommand {
    /// Streams the scenario onto ZeroMQ at `rate` messages per second until it ends or
    /// SIGTERM; prints how many were sent (for soak tests' accounting).
    func publish(settings: ScenarioSettings, to text: String) throws {
        let endpoint = try Endpoint(parsing: text, defaultAction: .bind)
        let context = try Context()
        let socket = try Socket(context, type: .extendedPublisher)
        try socket.setLinger(milliseconds: 2000)
        try socket.setSendHighWaterMark(100_000)
        try socket.attach(endpoint)
        var items = [socket.pollItem()]
        guard try poll(&items, timeoutMilliseconds: 30_000) > 0 else {
            throw CommandFailure("no subscriber on \(endpoint) within 30 s")
        }
        var generator = ScenarioGenerator(settings: settings)
        let names = generator.names
        let start = ContinuousClock.now
        var sent = 0
        var refused = 0
        let stop = StopFlag()
        stop.install()
        while let sample = generator.next(), !stop.requested {
            let due = start + .seconds(Double(sent) / rate)
            let wait = due - ContinuousClock.now
            if wait > .milliseconds(1) {
                Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) * 1e-18)
            }
            while try socket.receiveMultipart(dontWait: true) != nil {}
            if try socket.send(topic: "telemetry." + sample.cell, payload: sample.json(names: names, includeLabel: false), dontWait: true) {
                sent += 1
            } else {
                refused += 1
            }
        }
        print("sent \(sent) refused \(refused)")
        flushStandardOutput()
    }
}

/// The generator's realism knobs on the command line.
struct RealismOptions: ParsableArguments {
    enum Switch: String, ExpressibleByArgument, CaseIterable {
        case off, on
    }

    @Option(help: "on: realism mode, every phenomenon drawn per cell from the seed (the single knobs below are then refused).")
    var realism: Switch = .off
    @Flag(help: "Outdoor weather wandering from day to day; the enclosure temperature follows weather and load with a thermal lag.")
    var weather = false
    @Option(help: "With --weather: day-to-day standard deviation of the outdoor daily mean, °C (0 to 50).")
    var weatherSwing = 3.0
    @Option(help: "Share of cells that are venues with benign crowd events (5-10x users for 1-4 hours).")
    var venueShare = 0.0
    @Option(help: "Crowd events per venue cell per day (0 to 1).")
    var crowdEventsPerDay = 0.5
    @Flag(help: "One weekday of the run (not the first day) behaves like a Sunday.")
    var holiday = false
    @Option(help: "Share of faults that ramp in over 5-60 minutes instead of stepping in.")
    var gradualOnsetShare = 0.0
    @Option(help: "Share of faults at half their deviation.")
    var subtleShare = 0.0
    @Flag(help: "Leave out metrics that are undefined in a sample (per-UE throughput and RLC delay with no active UE).")
    var absentMetrics = false
    @Flag(help: "Sleeping cells drain to 10-20% of users within minutes, RACH and RRC setups stop, the cell keeps reporting.")
    var drainingSleepingCell = false
    @Flag(help: "Also report RACH preambles and PDCP volumes.")
    var extendedMetrics = false

    func settings() throws -> Realism {
        var result = Realism()
        try OptionBounds.check("--weather-swing", weatherSwing, from: 0, to: 50)
        for (name, share) in [("--venue-share", venueShare), ("--gradual-onset-share", gradualOnsetShare), ("--subtle-share", subtleShare)] {
            try OptionBounds.check(name, share, from: 0, to: 1)
        }
        try OptionBounds.check("--crowd-events-per-day", crowdEventsPerDay, from: 0, to: 1)
        result.weather = weather
        result.weatherSwing = weatherSwing
        result.venueShare = venueShare
        result.crowdEventsPerDay = crowdEventsPerDay
        result.holiday = holiday
        result.gradualOnsetShare = gradualOnsetShare
        result.subtleShare = subtleShare
        result.absentWhenUndefined = absentMetrics
        result.drainingSleepingCell = drainingSleepingCell
        result.extendedMetrics = extendedMetrics
        if realism == .on {
            var single = result
            single.weatherSwing = Realism().weatherSwing
            guard !single.isOn else {
                throw ValidationError("--realism on draws every phenomenon per cell; give single knobs with --realism off")
            }
            result.perCell = true
        }
        return result
    }
}

/// Turns SIGTERM/SIGINT into a flag a loop checks (so the publisher reports its count).
final class StopFlag {
    /// The flag the signal handlers set (the only thing they touch).
    final class Box: Sendable {
        let value = Synchronization.Atomic<Bool>(false)
    }

    private let box = Box()
    /// Kept alive for the process's life.
    private let sources: [any DispatchSourceSignal]

    init() {
        sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
    }

    var requested: Bool { box.value.load(ordering: .relaxed) }

    func install() {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let box = self.box
        for source in sources {
            source.setEventHandler { @Sendable in box.value.store(true, ordering: .relaxed) }
            source.resume()
        }
    }
}
