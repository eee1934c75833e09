import Foundation
import Telemetry
import Testing
@testable import Scenarios

/// Small scenarios with one phenomenon on at a time, against the plain generator.
@Suite("Generator realism: each phenomenon on its own knob, deterministic, off by default")
struct RealismTests {
    static func run(_ configure: (inout ScenarioSettings) -> Void) -> ScenarioGenerator.Output {
        var settings = ScenarioSettings()
        settings.seed = 4
        settings.cells = 6
        settings.days = 3
        configure(&settings)
        var generator = ScenarioGenerator(settings: settings)
        return .init(generator: generator, samples: generator.all())
    }

    static let plain = run { _ in }

    @Test("a knob on leaves the fault schedule and the plain samples' count as they were")
    func scheduleUnmoved() {
        let weather = Self.run { $0.realism.weather = true }
        let mode = Self.run { $0.realism = .random }
        let key = { (f: FaultEvent) in "\(f.cell) \(f.kind) \(f.start) \(f.end) \(f.severity) \(f.variant)" }
        #expect(weather.generator.faults.map(key) == Self.plain.generator.faults.map(key))
        #expect(mode.generator.faults.map(key) == Self.plain.generator.faults.map(key))
        #expect(Self.plain.generator.faults.allSatisfy { $0.onset == 0 && $0.strength == 1 })
        #expect(weather.samples.count == Self.plain.samples.count)
        // Only the temperature changed.
        let temperature = Self.plain.generator.names.existingID(for: "PEE.AvgTemperature")!
        let strip = { (s: TelemetrySample) in s.metrics.filter { $0.id != temperature } }
        #expect(zip(weather.samples, Self.plain.samples).allSatisfy { strip($0) == strip($1) })
        #expect(zip(weather.samples, Self.plain.samples).contains { $0.metrics != $1.metrics })
    }

    @Test("realism mode is deterministic, draws its phenomena per cell, and differs by seed")
    func perCell() {
        let again = Self.run { $0.realism = .random }
        let first = Self.run { $0.realism = .random }
        #expect(again.samples == first.samples)
        var settings = ScenarioSettings()
        settings.cells = 24
        settings.days = 2
        settings.realism = .random
        let cells = ScenarioGenerator(settings: settings).cells.map(\.realism)
        #expect(Set(cells.map(\.weather)).count == 2)
        #expect(Set(cells.map(\.venue)).count == 2)
        #expect(Set(cells.map(\.absentWhenUndefined)).count == 2)
        #expect(Set(cells.map(\.gradualOnsetShare)).count > 10)
        #expect(cells.allSatisfy { $0.extendedMetrics })
        settings.seed = 2
        #expect(ScenarioGenerator(settings: settings).cells.map(\.realism.venue) != cells.map(\.venue))
    }

    @Test("weather: the enclosure's daily mean wanders by day, moves at most a few tenths per minute, 0.1 °C resolution; overheating is faster and larger")
    func weather() {
        let output = Self.run {
            $0.realism.weather = true
            $0.kinds = [.hardwareFault]
            $0.faultsPerCellDay = 1.5
        }
        var overheatingRises: [Double] = []
        var weatherRises: [Double] = []
        var dailySpread: [Double] = []
        for cell in Set(output.samples.map(\.cell)) {
            let series = output.series("PEE.AvgTemperature", cell: cell)
            #expect(series.allSatisfy { abs($0.value * 10 - ($0.value * 10).rounded()) < 1e-9 })
            let quiet = series.filter { $0.label == nil }
            for (a, b) in zip(quiet, quiet.dropFirst()) where b.time - a.time == 60 {
                #expect(abs(b.value - a.value) <= 0.5, "\(cell) at \(b.time): \(a.value) -> \(b.value)")
            }
            // The largest rise over 90 minutes without a fault.
            let byTime = Dictionary(uniqueKeysWithValues: series.map { ($0.time, $0) })
            for point in quiet {
                if let later = byTime[point.time + 5400], later.label == nil { weatherRises.append(later.value - point.value) }
            }
            let days = (0..<3).map { day in
                series.filter { Int(($0.time - 1_793_923_200) / 86_400) == day }.map(\.value).reduce(0, +) / 1440
            }
            dailySpread.append(days.max()! - days.min()!)
            for fault in output.generator.faults where fault.cell == cell && fault.variant == "temperature" {
                if let before = byTime[fault.start], let after = byTime[fault.start + 5400] { overheatingRises.append(after.value - before.value) }
            }
        }
        #expect(!overheatingRises.isEmpty)
        #expect(overheatingRises.min()! > weatherRises.max()!, "overheating \(overheatingRises), weather up to \(weatherRises.max()!)")
        #expect(dailySpread.max()! > 0.8, "daily means \(dailySpread)")
    }

    @Test("crowd events: 5-10x users for 1-4 hours at venue cells, PRB and setups up with them, errors and setup failures not; unlabelled")
    func crowds() throws {
        let output = Self.run {
            $0.realism.venueShare = 1
            $0.realism.crowdEventsPerDay = 1
        }
        let events = output.generator.crowdEvents
        #expect(events.count >= 6)
        for event in events {
            #expect(event.multiplier >= 5 && event.multiplier <= 10)
            #expect(event.end - event.start >= 3600 && event.end - event.start <= 4 * 3600)
            let before = { (metric: String) in output.mean(metric, cell: event.cell, from: event.start - 3600, to: event.start) }
            let during = { (metric: String) in output.mean(metric, cell: event.cell, from: event.start + 1200, to: event.end - 1200) }
            #expect(during("RRC.ConnMean") > 3 * before("RRC.ConnMean"))
            #expect(during("RRU.PrbTotDl") > 0.95 * before("RRU.PrbTotDl"))
            if before("RRU.PrbTotDl") < 60 {  // a crowd in an already busy hour stays below saturation
                #expect(during("RRU.PrbTotDl") > min(2 * before("RRU.PrbTotDl"), before("RRU.PrbTotDl") + 10))
            }
            #expect(during("RRU.PrbTotDl") < 90)
            #expect(during("DRB.RlcSduDelayDl") < 2.5 * before("DRB.RlcSduDelayDl"))
            #expect(output.ratio("RRC.ConnEstabSucc", "RRC.ConnEstabAtt", cell: event.cell, from: event.start, to: event.end) > 0.99)
            #expect(output.ratio("TB.ErrTotNbrDl", "TB.TotNbrDl", cell: event.cell, from: event.start, to: event.end) < 0.07)
            #expect(output.samples.allSatisfy { $0.cell != event.cell || $0.timestamp < event.start || $0.timestamp >= event.end || $0.label == nil })
        }
    }

    @Test("a holiday: one weekday after the first behaves like a Sunday")
    func holiday() throws {
        let output = Self.run { $0.realism.holiday = true; $0.days = 4 }
        let holiday = try #require(output.generator.holiday)
        #expect(holiday == 1_794_182_400)  // Monday 2026-11-09, the only weekday after the Friday start
        let business = "gnb-0017/cell-2"
        let onHoliday = output.mean("RRC.ConnMean", cell: business, from: holiday + 10 * 3600, to: holiday + 16 * 3600)
        let friday = output.mean("RRC.ConnMean", cell: business, from: 1_793_923_200 + 10 * 3600, to: 1_793_923_200 + 16 * 3600)
        #expect(onHoliday < 0.5 * friday)
        let plainMonday = Self.run { $0.days = 4 }.mean("RRC.ConnMean", cell: business, from: holiday + 10 * 3600, to: holiday + 16 * 3600)
        #expect(onHoliday < 0.5 * plainMonday)
    }

    @Test("gradual onsets ramp in; subtle faults reach half the deviation")
    func onsetAndStrength() {
        let configure = { (settings: inout ScenarioSettings) in
            settings.kinds = [.backhaulDegradation]
            settings.faultsPerCellDay = 2
        }
        let step = Self.run(configure)
        let gradual = Self.run { configure(&$0); $0.realism.gradualOnsetShare = 1 }
        let subtle = Self.run { configure(&$0); $0.realism.subtleShare = 1 }
        #expect(gradual.generator.faults.allSatisfy { $0.onset >= 300 && $0.onset <= 3600 && $0.strength == 1 })
        #expect(subtle.generator.faults.allSatisfy { $0.onset == 0 && $0.strength == 0.5 })
        var rampChecked = 0
        for (fault, plain) in zip(gradual.generator.faults, step.generator.faults) where fault.onset >= 1200 {
            let early = { (o: ScenarioGenerator.Output) in o.mean("TNL.RttMean", cell: fault.cell, from: fault.start, to: fault.start + 300) }
            #expect(early(gradual) < early(step), "\(plain)")
            rampChecked += 1
        }
        #expect(rampChecked >= 2)
        for fault in step.generator.faults {
            let excess = { (o: ScenarioGenerator.Output) in
                o.mean("TNL.RttMean", cell: fault.cell, from: fault.start, to: fault.end)
                    - o.mean("TNL.RttMean", cell: fault.cell, from: fault.start - 3600, to: fault.start)
            }
            #expect(excess(subtle) < 0.7 * excess(step) && excess(subtle) > 0.3 * excess(step))
        }
    }

    @Test("absent when undefined: per-UE throughput and delay leave samples without active UEs, only those")
    func absent() {
        let output = Self.run { $0.realism.absentWhenUndefined = true }
        let names = output.generator.names
        let thp = names.existingID(for: "DRB.UEThpDl")!, users = names.existingID(for: "RRC.ConnMean")!
        let without = output.samples.filter { sample in !sample.metrics.contains { $0.id == thp } }
        #expect(without.count > 20)
        #expect(without.allSatisfy { $0.metrics.count == 17 })
        // Each connected user is active with probability 0.3: 25 idle together happen 1 in 7,500.
        #expect(without.allSatisfy { sample in sample.metrics.first { $0.id == users }!.value < 25 })
        #expect(Self.plain.samples.allSatisfy { $0.metrics.count == 20 })
    }

    @Test("a draining sleeping cell keeps reporting with 10-20% of its users, no RACH preambles or setups, per-UE throughput as good")
    func drainingSleepingCell() {
        let output = Self.run {
            $0.kinds = [.sleepingCell]
            $0.realism.drainingSleepingCell = true
            $0.realism.extendedMetrics = true
        }
        #expect(!output.generator.faults.isEmpty)
        for fault in output.generator.faults {
            #expect(fault.onset >= 120 && fault.onset <= 300)
            let settled = fault.start + fault.onset + 300
            let before = { (metric: String) in output.mean(metric, cell: fault.cell, from: fault.start - 3600, to: fault.start) }
            let during = { (metric: String) in output.mean(metric, cell: fault.cell, from: settled, to: fault.end) }
            let share = during("RRC.ConnMean") / before("RRC.ConnMean")
            #expect(share > 0.05 && share < 0.3, "\(fault): \(share)")
            #expect(during("RACH.PreambleACell") < 0.05 * before("RACH.PreambleACell") + 0.02)
            #expect(output.delta("RRC.ConnEstabAtt", cell: fault.cell, from: settled, to: fault.end)
                    < 0.05 * output.delta("RRC.ConnEstabAtt", cell: fault.cell, from: fault.start - (fault.end - settled), to: fault.start) + 5)
            // Where any UE is left (the plain generator reports 0 without one).
            let throughput = output.series("DRB.UEThpDl", cell: fault.cell).filter { $0.time >= settled && $0.time < fault.end && $0.value > 0 }
            #expect(throughput.map(\.value).reduce(0, +) / Double(max(throughput.count, 1)) > 0.9 * before("DRB.UEThpDl"))
            let reported = output.samples.filter { $0.cell == fault.cell && $0.timestamp >= fault.start && $0.timestamp < fault.end }.count
            #expect(Double(reported) == (fault.end - fault.start) / 60)
        }
    }

    @Test("extended metrics: RACH preambles per second follow RRC setups; PDCP volume follows PRB")
    func extendedMetrics() {
        let output = Self.run { $0.realism.extendedMetrics = true }
        #expect(output.samples.allSatisfy { $0.metrics.count == 24 })
        let cell = "gnb-0017/cell-1"
        let preambles = output.mean("RACH.PreambleACell", cell: cell, from: 1_793_923_200, to: 1_793_923_200 + 86_400) * 86_400
        let setups = output.delta("RRC.ConnEstabAtt", cell: cell, from: 1_793_923_200, to: 1_793_923_200 + 86_400)
        #expect(preambles > setups && preambles < 1.2 * setups)
        let busy = output.mean("DRB.PdcpSduVolumeDl", cell: "gnb-0017/cell-2", from: 1_793_923_200 + 11 * 3600, to: 1_793_923_200 + 15 * 3600)
        let night = output.mean("DRB.PdcpSduVolumeDl", cell: "gnb-0017/cell-2", from: 1_793_923_200 + 2 * 3600, to: 1_793_923_200 + 5 * 3600)
        #expect(busy > 3 * night)
    }
}

extension ScenarioGenerator {
    struct Output {
        var generator: ScenarioGenerator
        var samples: [TelemetrySample]

        func series(_ metric: String, cell: String) -> [(time: Double, value: Double, label: String?)] {
            let id = generator.names.existingID(for: metric)!
            return samples.filter { $0.cell == cell }.compactMap { sample in
                sample.metrics.first { $0.id == id }.map { (sample.timestamp, $0.value, sample.label) }
            }
        }

        func mean(_ metric: String, cell: String, from: Double, to: Double) -> Double {
            let values = series(metric, cell: cell).filter { $0.time >= from && $0.time < to }.map(\.value)
            return values.reduce(0, +) / Double(max(values.count, 1))
        }

        /// Increase of a cumulative counter between two times.
        func delta(_ metric: String, cell: String, from: Double, to: Double) -> Double {
            let values = series(metric, cell: cell).filter { $0.time >= from && $0.time < to }.map(\.value)
            return (values.last ?? 0) - (values.first ?? 0)
        }

        func ratio(_ numerator: String, _ denominator: String, cell: String, from: Double, to: Double) -> Double {
            delta(numerator, cell: cell, from: from, to: to) / max(delta(denominator, cell: cell, from: from, to: to), 1)
        }
    }
}

@Suite("The fault schedule ends for any period")
struct FaultScheduleTests {
    @Test("a period longer than any fault still ends the fault schedule")
    func longPeriodSchedule() {
        var settings = ScenarioSettings()
        settings.cells = 2
        settings.days = 0.01
        settings.period = 1e7
        #expect(ScenarioGenerator(settings: settings).faults.isEmpty)
        settings.days = 400
        settings.period = 86_400
        settings.learningHours = 0
        let faults = ScenarioGenerator(settings: settings).faults
        #expect(faults.allSatisfy { $0.start.remainder(dividingBy: 86_400) == 0 })
    }
}
