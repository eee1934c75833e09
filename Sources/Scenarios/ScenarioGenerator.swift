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

/// The injected fault kinds (INTERFACES.md section 3).
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
        self.cells = cells
        state = cells
        self.faults = faults.sorted { $0.start != $1.start ? $0.start < $1.start : $0.cell < $1.cell }
        for cell in state.indices {
            state[cell].faults = self.faults.filter { $0.cell == state[cell].id }
        }
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
            let stop = start + (minutes * 60 / settings.period).rounded() * settings.period
            if stop >= end - 3600 { break }
            events.append(FaultEvent(cell: cell, kind: kind, start: start, end: stop, severity: severity, variant: variant))
            time = stop + 7200 + (-log(1 - rng.nextUnit())) * max(meanGap - 7200, 3600)
        }
        return events
    }

    /// The next sample in time order, or `nil` at the end.
    public mutating func next() -> TelemetrySample? {
        while pending.isEmpty {
            guard tick < tickCount else { return nil }
            let time = settings.start + Double(tick) * settings.period
            for index in state.indices.reversed() {
                if let sample = state[index].step(time: time, settings: settings, ids: ids) {
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
    mutating func step(time: Double, settings: ScenarioSettings, ids: ScenarioGenerator.MetricIDs) -> TelemetrySample? {
        let fault = activeFault(at: time)
        let day = Int(((time - 345_600) / 86_400).rounded(.down))  // 1970-01-05 was a Monday
        let weekday = ((day % 7) + 7) % 7
        let hour = (time.truncatingRemainder(dividingBy: 86_400) + 86_400).truncatingRemainder(dividingBy: 86_400) / 3600
        let progress = fault.map { ($0.end - $0.start) > 0 ? (time - $0.start) / ($0.end - $0.start) : 0 } ?? 0
        let severity = fault?.severity ?? 0

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
        if let fault {
            switch fault.kind {
            case .sleepingCell: users *= 0.02 * (1 - severity)
            case .congestion: users *= 1.6 + 1.6 * severity
            case .softwareRestart:
                let recovery = min(max((time - restartedAt) / max(fault.end - restartedAt, 60), 0), 1)
                users *= 0.15 + 0.85 * recovery
            default: break
            }
        }
        users = max(users + sqrt(max(users, 0)) * rng.nextGaussian() * 0.3, 0)

        // Radio resources and quality.
        var prbDl = min(100, users / peakUsers * 68 * (1 + 0.06 * rng.nextGaussian()) + 0.6 + 0.3 * rng.nextUnit())
        if fault?.kind == .congestion { prbDl = min(100, max(prbDl, 92 + 8 * rng.nextUnit())) }
        if fault?.kind == .sleepingCell { prbDl = 0.3 + 0.4 * rng.nextUnit() }
        prbDl = max(prbDl, 0.1)
        let u = prbDl / 100
        var prbUl = min(100, max(0.1, prbDl * (0.42 + 0.05 * rng.nextGaussian())))
        var sinr = baseSINR - 2.5 * u + 0.9 * rng.nextGaussian()
        var blerUl = 0.05 + 0.01 * rng.nextGaussian() + 0.02 * u
        let blerDl = 0.04 + 0.008 * rng.nextGaussian() + 0.015 * u
        var thpUl = (peakRate * 0.35) * 1000 * (1 - 0.55 * u * u) * exp(0.12 * rng.nextGaussian())
        if fault?.kind == .ulInterference {
            sinr -= 5 + 9 * severity
            blerUl += 0.08 + 0.27 * severity
            thpUl *= 1 - 0.5 * severity
            prbUl = min(100, prbUl * (1.2 + 0.3 * severity))
        }
        blerUl = min(max(blerUl, 0.001), 0.9)
        var thpDl = peakRate * 1000 * (1 - 0.6 * u * u) * exp(0.12 * rng.nextGaussian())
        var delay = (4 + 2 * rng.nextUnit()) * (1 + 0.35 * u / max(1 - u, 0.03)) * exp(0.08 * rng.nextGaussian())
        if fault?.kind == .congestion {
            thpDl *= 0.45 - 0.25 * severity
            delay *= 2.5 + 3 * severity
        }

        // Transport network (backhaul).
        var rtt = baseRTT * (1 + 0.15 * u) * exp(0.07 * rng.nextGaussian())
        var loss = max(0, 0.004 + 0.003 * rng.nextGaussian())
        if fault?.kind == .backhaulDegradation {
            rtt *= 2.5 + 10 * severity * (0.8 + 0.4 * rng.nextUnit())
            loss += 0.4 + 4 * severity * rng.nextUnit()
            thpDl *= 1 - 0.45 * severity
        }

        // Hardware: the power amplifier's temperature, the antenna's VSWR.
        var temperature = baseTemperature + 7 * u + 2.5 * sin((hour - 9) / 24 * 2 * .pi) + 0.15 * rng.nextGaussian()
        var vswr = baseVSWR + 0.008 * rng.nextGaussian()
        if fault?.kind == .hardwareFault {
            if fault?.variant == "vswr" {
                vswr += (0.4 + 1.4 * severity) * progress
            } else {
                temperature += (8 + 22 * severity) * progress
            }
        }
        if fault?.kind == .sleepingCell { temperature -= 3 * min(progress * 4, 1) }

        // Procedures, counted per period and reported as cumulative counters.
        let minutes = settings.period / 60
        // Each connected user sets up RRC connections a few times a minute (inactivity
        // timers release them); handovers depend on mobility.
        let estabAtt = poisson(users * 2.5 * minutes + 0.5)
        var estabRate = 0.996 - 0.01 * (fault?.kind == .congestion ? severity : 0)
        let hoAtt = poisson(users * (kind == .transport ? 1.5 : 0.5) * minutes + 0.2)
        var hoRate = 0.985
        if fault?.kind == .misconfiguration {
            if fault?.variant == "handover" { hoRate = 0.88 - 0.3 * severity } else { estabRate = 0.93 - 0.2 * severity }
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
        // A one-sample blip on one metric: normal, must not alert.
        if fault == nil && rng.nextUnit() < settings.blipsPerCellDay * settings.period / 86_400 {
            let index = Int(rng.next() % 7)
            values[index].1 = round1(values[index].1 * (1.6 + 1.4 * rng.nextUnit()))
        }
        defer { sequence += 1 }
        return TelemetrySample(
            cell: id, timestamp: time, sequence: sequence,
            metrics: values.map { TelemetrySample.Metric(id: $0.0, value: $0.1) }, label: fault?.kind.rawValue)
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
