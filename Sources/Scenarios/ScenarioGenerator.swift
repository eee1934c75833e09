import SpikeCore
public import Telemetry

#if canImport(Glibc)
import Glibc
#endif

/// The kinds of small cell the generator models, each with its own daily and weekly rhythm.
public enum CellKind: String, Sendable, CaseIterable {
    /// Homes: low by day, a strong evening busy hour, busier weekends.
    case residential
    /// Offices: a working-day plateau with a lunch dip, quiet nights and weekends.
    case business
    /// Stations and roads: morning and evening rush hours on weekdays.
    case transport
}

/// The injected fault kinds (docs/telemetry.md, "Fixtures": the `label` values).
public enum FaultKind: String, Sendable, CaseIterable, Codable {
    case sleepingCell = "sleeping_cell"
    case ulInterference = "ul_interference"
    case congestion
    case backhaulDegradation = "backhaul_degradation"
    case hardwareFault = "hardware_fault"
    case softwareRestart = "software_restart"
    case misconfiguration

    /// Faults that build up over time rather than start at once.
    public var isGradual: Bool { self == .hardwareFault }
}

/// One injected fault: where, what, when (telemetry seconds) and how strong (0...1).
public struct FaultEvent: Sendable, Equatable {
    public var cell: String
    public var kind: FaultKind
    public var start: Double
    public var end: Double
    public var severity: Double
    /// Which signature, where a kind has several (`temperature`/`vswr`, `handover`/`rrc_setup`).
    public var variant: String
    /// Seconds over which the fault ramps in from nothing (0: a step; see
    /// ``Realism/gradualOnsetShare`` and ``Realism/drainingSleepingCell``).
    public var onset: Double = 0
    /// Share of the full deviation the fault reaches (1; 0.5 for a subtle fault).
    public var strength: Double = 1

    /// How far into its full effect the fault is at `time`: 0...strength.
    public func intensity(at time: Double) -> Double {
        guard onset > 0 else { return strength }
        return strength * min(max((time - start) / onset, 0), 1)
    }
}

/// A benign crowd at a venue cell (not a fault, not labelled): users multiply for a
/// while and the load is high but healthy.
public struct CrowdEvent: Sendable, Equatable {
    public var cell: String
    public var start: Double
    public var end: Double
    /// Users at the height of the event, as a multiple of the usual at that hour.
    public var multiplier: Double

    /// The users' multiple at `time`: ramps up over the first 20 minutes, down over the last 20.
    public func factor(at time: Double) -> Double {
        guard time >= start && time < end else { return 1 }
        let ramp = min(min((time - start) / 1200, (end - time) / 1200), 1)
        return 1 + (multiplier - 1) * ramp
    }
}

/// Phenomena of real networks the plain generator leaves out, each on its own knob.
/// Everything is off by default, and then the output is exactly the plain generator's
/// (the bundled fixtures rely on it). The randomness these phenomena need comes from
/// separate streams, so the fault schedule does not move when one is switched on.
/// docs/telemetry.md describes each one.
public struct Realism: Sendable, Equatable {
    /// Outdoor weather (a daily mean wandering from day to day plus a daily cycle) and an
    /// enclosure temperature following weather and load through a first-order thermal lag.
    public var weather = false
    /// Standard deviation of the outdoor daily mean from day to day, °C.
    public var weatherSwing = 3.0
    /// Share of cells that are venues with benign crowd events.
    public var venueShare = 0.0
    /// Crowd events per venue cell per day.
    public var crowdEventsPerDay = 0.5
    /// One weekday of the run (not the first day) behaves like a Sunday.
    public var holiday = false
    /// Share of faults that ramp in over 5-60 minutes instead of stepping in (sleeping
    /// cell, UL interference, congestion, backhaul degradation).
    public var gradualOnsetShare = 0.0
    /// Share of faults with half the deviation (every kind but software restart).
    public var subtleShare = 0.0
    /// Metrics undefined in a sample are absent from it: per-UE throughput and RLC delay
    /// when no UE was active.
    public var absentWhenUndefined = false
    /// A sleeping cell drains to 10-20% of its users within a few minutes, keeps
    /// reporting, and stops seeing RACH preambles and RRC setup attempts.
    public var drainingSleepingCell = false
    /// Also report RACH preambles (`RACH.PreambleACell`, `RACH.PreambleDedCell`, per
    /// second) and PDCP volumes (`DRB.PdcpSduVolumeDl`/`Ul`, Mbit per period).
    public var extendedMetrics = false
    /// Realism mode: each cell draws its own phenomena from the seed (the knobs above
    /// are then ignored, except `weatherSwing`); holiday and extended metrics on.
    public var perCell = false

    public init() {}

    /// Realism mode: every phenomenon, drawn per cell from the seed.
    public static var random: Realism {
        var realism = Realism()
        realism.perCell = true
        return realism
    }

    /// Whether any phenomenon is on.
    public var isOn: Bool {
        perCell || weather || venueShare > 0 || holiday || gradualOnsetShare > 0 || subtleShare > 0
            || absentWhenUndefined || drainingSleepingCell || extendedMetrics
    }
}

/// One cell's phenomena, resolved from ``Realism`` (fixed, or drawn in realism mode).
struct CellRealism: Sendable {
    var weather = false
    /// Degrees of enclosure per degree outdoors.
    var coupling = 0.0
    /// Thermal time constant, seconds.
    var thermalTau = 5400.0
    var venue = false
    var crowdEventsPerDay = 0.0
    var gradualOnsetShare = 0.0
    var subtleShare = 0.0
    var absentWhenUndefined = false
    var drainingSleepingCell = false
    var extendedMetrics = false

    init() {}

    init(_ realism: Realism, rng: inout SeededGenerator) {
        // Always the same draws in the same order, whatever is on.
        let draws = (0..<9).map { _ in rng.nextUnit() }
        coupling = 0.5 + 0.4 * draws[0]
        thermalTau = (60 + 60 * draws[1]) * 60
        if realism.perCell {
            weather = draws[2] < 0.8
            venue = draws[3] < 0.3
            crowdEventsPerDay = 0.3 + 0.7 * draws[4]
            gradualOnsetShare = 0.6 * draws[5]
            subtleShare = 0.4 * draws[6]
            absentWhenUndefined = draws[7] < 0.5
            drainingSleepingCell = draws[8] < 0.8
            extendedMetrics = true
        } else {
            weather = realism.weather
            venue = draws[3] < realism.venueShare
            crowdEventsPerDay = realism.crowdEventsPerDay
            gradualOnsetShare = realism.gradualOnsetShare
            subtleShare = realism.subtleShare
            absentWhenUndefined = realism.absentWhenUndefined
            drainingSleepingCell = realism.drainingSleepingCell
            extendedMetrics = realism.extendedMetrics
        }
    }
}

/// Outdoor temperature, shared by every cell of a scenario: a daily mean following an
/// AR(1) process over days (around 12 °C) and a daily cycle of 2-5 °C amplitude peaking
/// at 15:00, both interpolated smoothly between days.
public struct Weather: Sendable, Equatable {
    public let start: Double
    var means: [Double]
    var amplitudes: [Double]

    init(start: Double, days: Double, swing: Double, rng: inout SeededGenerator) {
        self.start = start
        let count = Int(days.rounded(.up)) + 3
        var mean = swing * rng.nextGaussian()
        means = []
        amplitudes = []
        for _ in 0..<count {
            means.append(mean)
            amplitudes.append(2 + 3 * rng.nextUnit())
            mean = 0.7 * mean + (1 - 0.49).squareRoot() * swing * rng.nextGaussian()
        }
    }

    /// Outdoor temperature at `time`, °C.
    public func outdoor(at time: Double) -> Double {
        // Day d's values sit at its noon; index 0 is the day before the start.
        let position = (time - start) / 86_400 + 0.5
        let index = min(max(Int(position.rounded(.down)), 0), means.count - 2)
        let fraction = min(max(position - Double(index), 0), 1)
        let w = (1 - cos(.pi * fraction)) / 2
        let mean = means[index] * (1 - w) + means[index + 1] * w
        let amplitude = amplitudes[index] * (1 - w) + amplitudes[index + 1] * w
        let hour = (time.truncatingRemainder(dividingBy: 86_400) + 86_400).truncatingRemainder(dividingBy: 86_400) / 3600
        return 12 + mean + amplitude * sin((hour - 9) / 24 * 2 * .pi)
    }
}

/// Settings of a generated scenario. Every default is documented in docs/telemetry.md.
public struct ScenarioSettings: Sendable, Equatable {
    public var seed: UInt64 = 1
    public var cells = 8
    public var days = 3.0
    /// Seconds between samples (the reporting period).
    public var period = 60.0
    /// Epoch seconds of the first sample; default Friday 2026-11-06 00:00 UTC, so a
    /// run of 3 days or more includes a weekend.
    public var start = 1_793_923_200.0
    /// No faults are injected in each cell's first hours: the detector's learning period.
    public var learningHours = 24.0
    /// Mean faults per cell per day after the learning period.
    public var faultsPerCellDay = 2.0
    /// One-sample blips per cell per day (normal events that must not alert).
    public var blipsPerCellDay = 3.0
    /// Fault kinds to inject.
    public var kinds: [FaultKind] = FaultKind.allCases
    /// Phenomena of real networks (all off by default).
    public var realism = Realism()

    public init() {}
}

/// Generates believable small-cell telemetry with labelled faults, deterministically
/// from a seed: cells of different kinds with daily and weekly load shapes; users drive
/// PRB utilisation, throughput, RRC connections, delay and block errors with realistic
/// correlations and noise; 3GPP TS 28.552 names and units.
///
/// Samples come out in time order, all cells interleaved, one per cell per period
/// (none during a software restart's outage).
public struct ScenarioGenerator: Sendable {
    public let settings: ScenarioSettings
    /// The metric names, by id, in the order samples carry them.
    public private(set) var names = MetricNames()
    /// Every injected fault, by cell then time.
    public let faults: [FaultEvent]
    /// Benign crowd events at venue cells (unlabelled), by cell then time.
    public let crowdEvents: [CrowdEvent]
    /// The outdoor weather every cell's enclosure follows (with ``Realism/weather``).
    public let weather: Weather
    /// Midnight (epoch seconds) of the weekday that behaves like a Sunday, if any.
    public let holiday: Double?
    public let cells: [CellState]
    private var state: [CellState]
    private var tick = 0
    private let tickCount: Int
    private var pending: [TelemetrySample] = []
    private var ids: MetricIDs

    /// Metric ids in a fixed order.
    struct MetricIDs: Sendable {
        var connMean, connMax, prbDl, prbUl, thpDl, thpUl, delayDl: Int32
        var tbDl, tbErrDl, tbUl, tbErrUl, estabAtt, estabSucc, hoAtt, hoSucc: Int32
        var sinr, temperature, vswr, rtt, loss: Int32
        /// With ``Realism/extendedMetrics``.
        var preambleA: Int32 = -1, preambleDed: Int32 = -1, volumeDl: Int32 = -1, volumeUl: Int32 = -1
    }

    public init(settings: ScenarioSettings) {
        self.settings = settings
        var names = MetricNames()
        func id(_ name: String) -> Int32 { names.id(for: name)! }
        ids = MetricIDs(
            connMean: id("RRC.ConnMean"), connMax: id("RRC.ConnMax"), prbDl: id("RRU.PrbTotDl"),
            prbUl: id("RRU.PrbTotUl"), thpDl: id("DRB.UEThpDl"), thpUl: id("DRB.UEThpUl"),
            delayDl: id("DRB.RlcSduDelayDl"), tbDl: id("TB.TotNbrDl"), tbErrDl: id("TB.ErrTotNbrDl"),
            tbUl: id("TB.TotNbrUl"), tbErrUl: id("TB.ErrTotNbrUl"), estabAtt: id("RRC.ConnEstabAtt"),
            estabSucc: id("RRC.ConnEstabSucc"), hoAtt: id("HO.ExeAtt"), hoSucc: id("HO.ExeSucc"),
            sinr: id("L1M.ULSINRMean"), temperature: id("PEE.AvgTemperature"), vswr: id("RU.VSWR"),
            rtt: id("TNL.RttMean"), loss: id("TNL.PacketLossRate"))
        if settings.realism.extendedMetrics || settings.realism.perCell {
            ids.preambleA = id("RACH.PreambleACell")
            ids.preambleDed = id("RACH.PreambleDedCell")
            ids.volumeDl = id("DRB.PdcpSduVolumeDl")
            ids.volumeUl = id("DRB.PdcpSduVolumeUl")
        }
        self.names = names
        tickCount = Int((settings.days * 86_400 / settings.period).rounded(.down))
        var master = SeededGenerator(seed: settings.seed)
        var cells: [CellState] = []
        var faults: [FaultEvent] = []
        let end = settings.start + Double(tickCount) * settings.period
        for index in 0..<settings.cells {
            var rng = SeededGenerator(seed: master.next())
            let kind = CellKind.allCases[index % CellKind.allCases.count]
            let cell = CellState(
                id: cellName(index), kind: kind, rng: &rng)
            faults += Self.schedule(cell: cell.id, settings: settings, end: end, rng: &rng)
            var seeded = cell
            seeded.rng = rng
            cells.append(seeded)
        }
        // Realism draws from its own stream, leaving the plain generator's untouched.
        var realismRNG = SeededGenerator(seed: settings.seed ^ 0x7265_616C_6973_6D21)
        weather = Weather(start: settings.start, days: settings.days, swing: settings.realism.weatherSwing, rng: &realismRNG)
        let holidayDraw = realismRNG.nextUnit()
        if settings.realism.holiday || settings.realism.perCell {
            holiday = Self.pickHoliday(start: settings.start, end: end, draw: holidayDraw)
        } else {
            holiday = nil
        }
        var crowds: [CrowdEvent] = []
        if settings.realism.isOn {
            for index in cells.indices {
                var rng = SeededGenerator(seed: realismRNG.next())
                let realism = CellRealism(settings.realism, rng: &rng)
                cells[index].realism = realism
                faults = faults.map { fault in
                    guard fault.cell == cells[index].id else { return fault }
                    return Self.shape(fault, realism: realism, rng: &rng)
                }
                let mine = Self.crowds(
                    cell: cells[index].id, realism: realism, faults: faults.filter { $0.cell == cells[index].id },
                    start: settings.start, end: end, rng: &rng)
                cells[index].crowds = mine
                crowds += mine
                cells[index].realismRNG = SeededGenerator(seed: rng.next())
            }
        }
        crowdEvents = crowds
        for index in cells.indices { cells[index].holiday = holiday }
        self.cells = cells
        state = cells
        self.faults = faults.sorted { $0.start != $1.start ? $0.start < $1.start : $0.cell < $1.cell }
        for cell in state.indices {
            state[cell].faults = self.faults.filter { $0.cell == state[cell].id }
        }
    }

    /// A weekday of the run other than the first day, chosen by `draw` (0..<1).
    static func pickHoliday(start: Double, end: Double, draw: Double) -> Double? {
        let firstMidnight = (start / 86_400).rounded(.down) * 86_400
        var candidates: [Double] = []
        var midnight = firstMidnight + 86_400
        while midnight + 43_200 < end {
            let day = Int(((midnight - 345_600) / 86_400).rounded(.down))
            if ((day % 7) + 7) % 7 < 5 { candidates.append(midnight) }
            midnight += 86_400
        }
        guard !candidates.isEmpty else { return nil }
        return candidates[min(Int(draw * Double(candidates.count)), candidates.count - 1)]
    }

    /// Gradual onset and subtlety of one fault, drawn from the cell's realism stream
    /// (always four draws, so one fault's shape does not move the next one's).
    static func shape(_ fault: FaultEvent, realism: CellRealism, rng: inout SeededGenerator) -> FaultEvent {
        let gradual = rng.nextUnit(), length = rng.nextUnit(), subtle = rng.nextUnit(), drain = rng.nextUnit()
        var fault = fault
        let duration = fault.end - fault.start
        switch fault.kind {
        case .sleepingCell, .ulInterference, .congestion, .backhaulDegradation:
            if gradual < realism.gradualOnsetShare {
                fault.onset = min(((5 + 55 * length) * 60 / 60).rounded() * 60, duration / 2)
            } else if fault.kind == .sleepingCell && realism.drainingSleepingCell {
                fault.onset = min(((2 + 3 * drain) * 60).rounded(), duration / 2)
            }
        default: break
        }
        if fault.kind != .softwareRestart && subtle < realism.subtleShare { fault.strength = 0.5 }
        return fault
    }

    /// Crowd events of a venue cell: on a share of days, 1-4 hours starting 10:00-21:00,
    /// 5-10x the users, never within an hour of a fault.
    static func crowds(cell: String, realism: CellRealism, faults: [FaultEvent], start: Double, end: Double,
                       rng: inout SeededGenerator) -> [CrowdEvent]
    {
        var events: [CrowdEvent] = []
        var midnight = (start / 86_400).rounded(.down) * 86_400
        while midnight < end {
            let happens = rng.nextUnit(), hour = rng.nextUnit(), hours = rng.nextUnit(), size = rng.nextUnit()
            defer { midnight += 86_400 }
            guard realism.venue, happens < realism.crowdEventsPerDay else { continue }
            let from = midnight + ((10 + 11 * hour) * 60).rounded() * 60
            let to = from + ((1 + 3 * hours) * 60).rounded() * 60
            guard from >= start, to < end - 3600,
                !faults.contains(where: { $0.start < to + 3600 && $0.end > from - 3600 })
            else { continue }
            events.append(CrowdEvent(cell: cell, start: from, end: to, multiplier: 5 + 5 * size))
        }
        return events
    }

    /// Places faults in a cell's timeline: none in the learning period, at least two hours
    /// of normal between faults, kinds cycled in a shuffled order so every kind appears.
    static func schedule(cell: String, settings: ScenarioSettings, end: Double, rng: inout SeededGenerator)
        -> [FaultEvent]
    {
        guard !settings.kinds.isEmpty, settings.faultsPerCellDay > 0 else { return [] }
        var kinds = settings.kinds.shuffled(using: &rng)
        var next = 0
        var events: [FaultEvent] = []
        let meanGap = 86_400 / settings.faultsPerCellDay
        var time = settings.start + settings.learningHours * 3600 + rng.nextUnit() * meanGap * 0.5
        while true {
            let kind = kinds[next % kinds.count]
            next += 1
            if next % kinds.count == 0 { kinds.shuffle(using: &rng) }
            let severity = 0.35 + 0.65 * rng.nextUnit()
            let minutes: Double
            var variant = ""
            switch kind {
            case .sleepingCell: minutes = 30 + rng.nextUnit() * 150
            case .ulInterference: minutes = 20 + rng.nextUnit() * 160
            case .congestion: minutes = 20 + rng.nextUnit() * 100
            case .backhaulDegradation: minutes = 15 + rng.nextUnit() * 120
            case .hardwareFault:
                minutes = 120 + rng.nextUnit() * 240
                variant = rng.nextUnit() < 0.5 ? "temperature" : "vswr"
            case .softwareRestart: minutes = 15 + rng.nextUnit() * 20
            case .misconfiguration:
                minutes = 60 + rng.nextUnit() * 240
                variant = rng.nextUnit() < 0.5 ? "handover" : "rrc_setup"
            }
            let start = (time / settings.period).rounded(.down) * settings.period
            // At least one period: with a period longer than the fault it would round to none.
            let stop = start + max(1, (minutes * 60 / settings.period).rounded()) * settings.period
            if stop >= end - 3600 { break }
            events.append(FaultEvent(cell: cell, kind: kind, start: start, end: stop, severity: severity, variant: variant))
            // From the later of the fault's end and its drawn time: with a period longer
            // than the fault, the end rounds back to the drawn time's period and the
            // schedule would never pass `end`.
            time = max(stop, time) + 7200 + (-log(1 - rng.nextUnit())) * max(meanGap - 7200, 3600)
        }
        return events
    }

    /// The next sample in time order, or `nil` at the end.
    public mutating func next() -> TelemetrySample? {
        while pending.isEmpty {
            guard tick < tickCount else { return nil }
            let time = settings.start + Double(tick) * settings.period
            for index in state.indices.reversed() {
                if let sample = state[index].step(time: time, settings: settings, ids: ids, weather: weather) {
                    pending.append(sample)
                }
            }
            tick += 1
        }
        return pending.removeLast()
    }

    /// Every sample at once (for small scenarios and tests).
    public mutating func all() -> [TelemetrySample] {
        var samples: [TelemetrySample] = []
        while let sample = next() { samples.append(sample) }
        return samples
    }
}

/// One cell's hidden state: its profile, slow random processes, counters and faults.
public struct CellState: Sendable {
    public let id: String
    public let kind: CellKind
    /// Users at the busiest hour.
    public let peakUsers: Double
    /// Per-UE downlink peak rate in an empty cell, Mbit/s.
    let peakRate: Double
    let baseTemperature: Double
    let baseVSWR: Double
    let baseRTT: Double
    let baseSINR: Double
    var rng: SeededGenerator
    var faults: [FaultEvent] = []
    var sequence: Int64 = 0
    var load = 0.0  // AR(1) log-deviation of traffic from the daily shape
    var counters = [Double](repeating: 0, count: 8)
    var outageUntil = -Double.infinity
    var restartedAt = -Double.infinity
    var blipRate: Double = 0
    // Realism (unused while it is off).
    var realism = CellRealism()
    var realismRNG = SeededGenerator(seed: 0)
    var crowds: [CrowdEvent] = []
    var holiday: Double?
    var enclosure: Double?

    init(id: String, kind: CellKind, rng: inout SeededGenerator) {
        self.id = id
        self.kind = kind
        switch kind {
        case .residential: peakUsers = 60 + 60 * rng.nextUnit()
        case .business: peakUsers = 90 + 110 * rng.nextUnit()
        case .transport: peakUsers = 80 + 170 * rng.nextUnit()
        }
        peakRate = 40 + 50 * rng.nextUnit()
        baseTemperature = 33 + 6 * rng.nextUnit()
        baseVSWR = 1.1 + 0.15 * rng.nextUnit()
        baseRTT = 3 + 5 * rng.nextUnit()
        baseSINR = 11 + 5 * rng.nextUnit()
        self.rng = SeededGenerator(seed: rng.next())
        // Counters have run for a while before the first sample; keep their ratios plausible.
        let tbDl = Double(rng.next() % 50_000_000)
        let tbUl = Double(rng.next() % 20_000_000)
        let estab = Double(rng.next() % 2_000_000)
        let handover = Double(rng.next() % 1_000_000)
        counters = [
            tbDl, (tbDl * 0.045).rounded(), tbUl, (tbUl * 0.055).rounded(),
            estab, (estab * 0.996).rounded(), handover, (handover * 0.985).rounded(),
        ]
    }

    /// The share of peak traffic expected at this hour and day (0.03...1).
    static func loadShape(kind: CellKind, hour h: Double, weekday: Int) -> Double {
        func bump(_ centre: Double, _ width: Double) -> Double {
            var d = abs(h - centre)
            d = min(d, 24 - d)
            return exp(-0.5 * (d / width) * (d / width))
        }
        let weekend = weekday >= 5  // 0 = Monday
        let shape: Double
        switch kind {
        case .residential:
            shape = 0.12 + 0.25 * bump(8, 1.5) + 0.25 * bump(13, 2.5) + 0.85 * bump(20.5, 2.2)
                + (weekend ? 0.25 * bump(14, 3.5) : 0)
        case .business:
            let day = 1 / (1 + exp(-(h - 8.3) * 2.2)) * 1 / (1 + exp((h - 18) * 1.8))
            let lunch = 1 - 0.25 * bump(12.5, 0.7)
            shape = weekend ? 0.08 + 0.18 * bump(13, 3) : 0.07 + 0.9 * day * lunch
        case .transport:
            shape = weekend
                ? 0.1 + 0.45 * bump(14, 4)
                : 0.08 + 0.95 * bump(8, 0.9) + 0.85 * bump(17.7, 1.2) + 0.3 * bump(13, 3)
        }
        return min(max(shape, 0.03), 1)
    }

    func activeFault(at time: Double) -> FaultEvent? {
        faults.first { time >= $0.start && time < $0.end }
    }

    /// Generates this cell's sample for `time`, or nil during an outage.
    mutating func step(time: Double, settings: ScenarioSettings, ids: ScenarioGenerator.MetricIDs, weather: Weather)
        -> TelemetrySample?
    {
        let fault = activeFault(at: time)
        let day = Int(((time - 345_600) / 86_400).rounded(.down))  // 1970-01-05 was a Monday
        var weekday = ((day % 7) + 7) % 7
        if let holiday, time >= holiday && time < holiday + 86_400 { weekday = 6 }  // a Sunday
        let hour = (time.truncatingRemainder(dividingBy: 86_400) + 86_400).truncatingRemainder(dividingBy: 86_400) / 3600
        let progress = fault.map { ($0.end - $0.start) > 0 ? (time - $0.start) / ($0.end - $0.start) : 0 } ?? 0
        let severity = fault?.severity ?? 0
        // How far into its full deviation the fault is (1 for the plain generator's faults,
        // which step in at full strength); the helpers leave the plain arithmetic as it was
        // at 1, so the plain output does not change by a bit.
        let intensity = fault?.intensity(at: time) ?? 1
        func factor(_ f: Double) -> Double { intensity == 1 ? f : 1 + intensity * (f - 1) }
        func offset(_ x: Double) -> Double { intensity == 1 ? x : intensity * x }
        func toward(_ normal: Double, _ faulty: Double) -> Double {
            intensity == 1 ? faulty : normal + intensity * (faulty - normal)
        }
        let draining = fault?.kind == .sleepingCell && realism.drainingSleepingCell
        let crowd = crowds.first { time >= $0.start && time < $0.end }?.factor(at: time) ?? 1

        // Software restart: an outage of 3-12 minutes at the start of the event, then
        // counters from zero and users returning over the rest of the event.
        if let fault, fault.kind == .softwareRestart {
            if time == fault.start {
                outageUntil = time + (3 + 9 * severity) * 60
                restartedAt = outageUntil
                for index in counters.indices { counters[index] = 0 }
            }
            if time < outageUntil {
                load = 0
                return nil
            }
        }

        // Traffic: the daily shape times a slow AR(1) deviation and minute-scale noise.
        load = 0.97 * load + 0.05 * rng.nextGaussian()
        let shape = Self.loadShape(kind: kind, hour: hour, weekday: weekday)
        var users = peakUsers * shape * exp(load) * (1 + 0.05 * rng.nextGaussian())
        if crowd != 1 { users *= crowd }
        if let fault {
            switch fault.kind {
            case .sleepingCell:
                // Draining: 10-20% of the users stay (those already connected).
                users *= draining ? factor(0.2 - 0.1 * severity) : factor(0.02 * (1 - severity))
            case .congestion: users *= factor(1.6 + 1.6 * severity)
            case .softwareRestart:
                let recovery = min(max((time - restartedAt) / max(fault.end - restartedAt, 60), 0), 1)
                users *= 0.15 + 0.85 * recovery
            default: break
            }
        }
        users = max(users + sqrt(max(users, 0)) * rng.nextGaussian() * 0.3, 0)

        // Radio resources and quality. In a crowd each user is less active (PRB rises
        // about a third as fast as the crowd grows) and the scheduler keeps the load healthy.
        let prbUsers = crowd == 1 ? users : users * (1 + (crowd - 1) * 0.35) / crowd
        var prbDl = min(100, prbUsers / peakUsers * 68 * (1 + 0.06 * rng.nextGaussian()) + 0.6 + 0.3 * rng.nextUnit())
        if crowd != 1 && prbDl > 60 {
            // Saturating towards 88%, never below what the usual users would take.
            prbDl = max(prbDl / (1 + (crowd - 1) * 0.35), 60 + 28 * (1 - exp(-(prbDl - 60) / 28)))
        }
        if fault?.kind == .congestion { prbDl = toward(prbDl, min(100, max(prbDl, 92 + 8 * rng.nextUnit()))) }
        if fault?.kind == .sleepingCell {
            let collapsed = 0.3 + 0.4 * rng.nextUnit()
            if !draining { prbDl = toward(prbDl, collapsed) }
        }
        prbDl = max(prbDl, 0.1)
        let u = prbDl / 100
        var prbUl = min(100, max(0.1, prbDl * (0.42 + 0.05 * rng.nextGaussian())))
        var sinr = baseSINR - 2.5 * u + 0.9 * rng.nextGaussian()
        var blerUl = 0.05 + 0.01 * rng.nextGaussian() + 0.02 * u
        let blerDl = 0.04 + 0.008 * rng.nextGaussian() + 0.015 * u
        var thpUl = (peakRate * 0.35) * 1000 * (1 - 0.55 * u * u) * exp(0.12 * rng.nextGaussian())
        if fault?.kind == .ulInterference {
            sinr -= offset(5 + 9 * severity)
            blerUl += offset(0.08 + 0.27 * severity)
            thpUl *= factor(1 - 0.5 * severity)
            prbUl = min(100, prbUl * factor(1.2 + 0.3 * severity))
        }
        blerUl = min(max(blerUl, 0.001), 0.9)
        var thpDl = peakRate * 1000 * (1 - 0.6 * u * u) * exp(0.12 * rng.nextGaussian())
        let delayLoad = crowd == 1 ? u : min(u, 0.75)
        var delay = (4 + 2 * rng.nextUnit()) * (1 + 0.35 * delayLoad / max(1 - delayLoad, 0.03)) * exp(0.08 * rng.nextGaussian())
        if fault?.kind == .congestion {
            thpDl *= factor(0.45 - 0.25 * severity)
            delay *= factor(2.5 + 3 * severity)
        }

        // Transport network (backhaul).
        var rtt = baseRTT * (1 + 0.15 * u) * exp(0.07 * rng.nextGaussian())
        var loss = max(0, 0.004 + 0.003 * rng.nextGaussian())
        var backhaulThroughput = 1.0
        if fault?.kind == .backhaulDegradation {
            rtt *= factor(2.5 + 10 * severity * (0.8 + 0.4 * rng.nextUnit()))
            loss += offset(0.4 + 4 * severity * rng.nextUnit())
            backhaulThroughput = factor(1 - 0.45 * severity)
            thpDl *= backhaulThroughput
        }

        // Hardware: the power amplifier's temperature, the antenna's VSWR.
        var temperature: Double
        if realism.weather {
            // The enclosure follows outdoor temperature and load through a first-order lag.
            let target = baseTemperature + realism.coupling * (weather.outdoor(at: time) - 12) + 7 * u
            let previous = enclosure ?? target
            enclosure = previous + (target - previous) * (1 - exp(-settings.period / realism.thermalTau))
            temperature = enclosure! + 0.05 * realismRNG.nextGaussian()
            _ = rng.nextGaussian()  // the plain model's sensor noise: keeps the main stream in step
        } else {
            temperature = baseTemperature + 7 * u + 2.5 * sin((hour - 9) / 24 * 2 * .pi) + 0.15 * rng.nextGaussian()
        }
        var vswr = baseVSWR + 0.008 * rng.nextGaussian()
        if let fault, fault.kind == .hardwareFault {
            if fault.variant == "vswr" {
                vswr += offset((0.4 + 1.4 * severity) * progress)
            } else if realism.weather {
                // Against weather, an overheating amplifier rises faster and further than
                // weather and load move the enclosure: +10-30 °C within the first half of
                // the fault or 90 minutes, whichever is shorter (a subtle one half as far,
                // but at least +8 °C).
                var rise = 10 + 20 * severity
                if fault.strength < 1 { rise = max(rise * fault.strength, 8) }
                temperature += rise * min((time - fault.start) / min((fault.end - fault.start) / 2, 5400), 1)
            } else {
                temperature += offset((8 + 22 * severity) * progress)
            }
        }
        if fault?.kind == .sleepingCell && !realism.weather { temperature -= offset(3 * min(progress * 4, 1)) }

        // Procedures, counted per period and reported as cumulative counters.
        let minutes = settings.period / 60
        // Each connected user sets up RRC connections a few times a minute (inactivity
        // timers release them); handovers depend on mobility. A draining sleeping cell
        // admits no one new: setups (and their preambles) fall to about nothing.
        let admission = draining ? 1 - 0.99 * intensity : 1
        let estabAtt = poisson(admission == 1 ? users * 2.5 * minutes + 0.5 : (users * 2.5 * minutes + 0.5) * admission)
        var estabRate = 0.996 - 0.01 * (fault?.kind == .congestion ? offset(severity) : 0)
        let hoAtt = poisson(users * (kind == .transport ? 1.5 : 0.5) * minutes + 0.2)
        var hoRate = 0.985
        if fault?.kind == .misconfiguration {
            if fault?.variant == "handover" {
                hoRate = toward(0.985, 0.88 - 0.3 * severity)
            } else {
                estabRate = toward(0.996, 0.93 - 0.2 * severity)
            }
        }
        let estabSucc = binomial(estabAtt, estabRate)
        let hoSucc = binomial(hoAtt, hoRate)
        let tbDl = poisson(60_000 * u * minutes + 50)
        let tbUl = poisson(60_000 * (prbUl / 100) * minutes + 40)
        let tbErrDl = binomial(tbDl, min(max(blerDl, 0.001), 0.9))
        let tbErrUl = binomial(tbUl, blerUl)
        for (index, increment) in [tbDl, tbErrDl, tbUl, tbErrUl, estabAtt, estabSucc, hoAtt, hoSucc].enumerated() {
            counters[index] += increment
        }

        var values: [(Int32, Double)] = [
            (ids.connMean, round1(users)),
            (ids.connMax, Double(Int((users * (1.15 + 0.1 * rng.nextUnit()) + 1).rounded()))),
            (ids.prbDl, round1(prbDl)),
            (ids.prbUl, round1(prbUl)),
            (ids.thpDl, round1(users < 0.5 ? 0 : thpDl)),
            (ids.thpUl, round1(users < 0.5 ? 0 : thpUl)),
            (ids.delayDl, round1(delay)),
            (ids.tbDl, counters[0]), (ids.tbErrDl, counters[1]), (ids.tbUl, counters[2]), (ids.tbErrUl, counters[3]),
            (ids.estabAtt, counters[4]), (ids.estabSucc, counters[5]), (ids.hoAtt, counters[6]), (ids.hoSucc, counters[7]),
            (ids.sinr, round1(sinr)),
            (ids.temperature, round1(temperature)),
            (ids.vswr, (vswr * 100).rounded() / 100),
            (ids.rtt, round1(rtt)),
            (ids.loss, (loss * 100).rounded() / 100),
        ]
        if realism.extendedMetrics {
            // Contention-based preambles come with RRC setups (plus a few retries and
            // false detections); dedicated ones with incoming handovers, about as many
            // as outgoing. Both are means per second over the period, as TS 28.552 has
            // them; PDCP volumes are Mbit per period.
            let contention = estabAtt * 1.08 + poisson(0.2 * minutes * admission, using: &realismRNG)
            let dedicated = poisson(hoAtt * 0.95 * admission, using: &realismRNG)
            let volumeDl = u * peakRate * 0.8 * settings.period * backhaulThroughput * exp(0.05 * realismRNG.nextGaussian())
            let volumeUl = (prbUl / 100) * peakRate * 0.3 * settings.period * (1 - blerUl) * exp(0.05 * realismRNG.nextGaussian())
            values += [
                (ids.preambleA, (contention.rounded() / settings.period * 100).rounded() / 100),
                (ids.preambleDed, (dedicated / settings.period * 100).rounded() / 100),
                (ids.volumeDl, (volumeDl * 1000).rounded() / 1000),
                (ids.volumeUl, (volumeUl * 1000).rounded() / 1000),
            ]
        }
        // A one-sample blip on one metric: normal, must not alert.
        if fault == nil && rng.nextUnit() < settings.blipsPerCellDay * settings.period / 86_400 {
            let index = Int(rng.next() % 7)
            values[index].1 = round1(values[index].1 * (1.6 + 1.4 * rng.nextUnit()))
        }
        if realism.absentWhenUndefined {
            // Per-UE throughput and RLC delay are undefined when no UE had data: each
            // connected user is active in a period with probability 0.3.
            let anyActive = realismRNG.nextUnit() < 1 - pow(0.7, users)
            if !anyActive { values.removeAll { $0.0 == ids.thpDl || $0.0 == ids.thpUl || $0.0 == ids.delayDl } }
        }
        defer { sequence += 1 }
        return TelemetrySample(
            cell: id, timestamp: time, sequence: sequence,
            metrics: values.map { TelemetrySample.Metric(id: $0.0, value: $0.1) }, label: fault?.kind.rawValue)
    }

    /// A Poisson count drawn from another stream (the realism stream).
    func poisson(_ mean: Double, using rng: inout SeededGenerator) -> Double {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, (mean + mean.squareRoot() * rng.nextGaussian()).rounded()) }
        let limit = exp(-mean)
        var product = rng.nextUnit()
        var count = 0.0
        while product > limit {
            product *= rng.nextUnit()
            count += 1
        }
        return count
    }

    mutating func poisson(_ mean: Double) -> Double {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, (mean + mean.squareRoot() * rng.nextGaussian()).rounded()) }
        let limit = exp(-mean)
        var product = rng.nextUnit()
        var count = 0.0
        while product > limit {
            product *= rng.nextUnit()
            count += 1
        }
        return count
    }

    mutating func binomial(_ trials: Double, _ p: Double) -> Double {
        guard trials > 0 else { return 0 }
        if trials > 40 {
            let mean = trials * p
            let sd = (trials * p * (1 - p)).squareRoot()
            return min(trials, max(0, (mean + sd * rng.nextGaussian()).rounded()))
        }
        var successes = 0.0
        for _ in 0..<Int(trials) where rng.nextUnit() < p { successes += 1 }
        return successes
    }
}

private func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }

/// `gnb-0017/cell-1`, `gnb-0017/cell-2`, ...: three cells per gNB.
func cellName(_ index: Int) -> String {
    let gnb = String(17 + index / 3)
    return "gnb-" + String(repeating: "0", count: max(0, 4 - gnb.count)) + gnb + "/cell-\(index % 3 + 1)"
}
