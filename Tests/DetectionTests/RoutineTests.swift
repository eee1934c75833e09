import Foundation
import Telemetry
import Testing

@testable import Detection

/// Routine raises (session 17): a cell whose capacity layer is switched off every night
/// (energy saving) raises the same falls at the same minute each night, some metrics no
/// longer reported; after the first night they are followed but not published. A fall
/// with every metric reported (readings sent now and then are never missing), or a rise,
/// at the same hour each day is still raised every day.
@Suite("Routine raises: a nightly switch-off is raised once")
struct RoutineTests {
    /// The samples of an office cell reporting every 5 minutes for four days whose
    /// capacity layer sleeps every night from 00:45 to 05:15: its users, load and volumes
    /// fall to almost nothing and its per-user throughput is not reported (undefined with
    /// no user). With `riseAt`, its load triples and its per-user throughput falls to a
    /// third from that minute of every day on for an hour (congestion at the busy hour).
    /// With `reportingAll`, it goes on reporting its per-user throughput while asleep (a
    /// cell asleep by fault, not switched off), and reports its temperature and VSWR every
    /// third sample only (readings sent now and then are never missing). In the busy hour its transport round trip
    /// is not reported (so that a sample lacks a metric then too). With `restartAt` (a
    /// minute from the first sample), it also reports a running total of setup attempts,
    /// and restarts there: ten minutes without samples, then the total from zero.
    /// With `radioOff`, it also reports three radio measurements (uplink interference,
    /// SINR, VSWR) while awake and none while asleep (a layer switched off measures
    /// nothing), and sleeps from minute `sleepFrom` of the day for `sleepMinutes`, from
    /// day `sleepFromDay` on; on day `awakeOnlyAt14OnDay` it stays asleep until 14:00.
    /// `periodMinutes` is its reporting period; `residential` gives it a residential
    /// cell's day instead (busiest in the evening, still a third of its peak at midnight).
    /// With `sleepSeconds`, it reports the seconds of each period it slept (the period
    /// while asleep, 0 awake). With `lateWake`, it sleeps until that minute on that day.
    static func samples(
        riseAt: Int? = nil, reportingAll: Bool = false, restartAt: Int? = nil, radioOff: Bool = false,
        sleepFrom: Int = 45, sleepMinutes: Int = 270, sleepFromDay: Int = 0, awakeOnlyAt14OnDay: Int? = nil,
        periodMinutes: Int = 5, residential: Bool = false, sleepSeconds: Bool = false, lateWake: (day: Int, minute: Int)? = nil
    ) -> [(time: Double, metrics: [String: Double])] {
        var noise = Noise(41)
        var samples: [(time: Double, metrics: [String: Double])] = []
        var attempts = 1_000_000.0
        for interval in 0..<(4 * 24 * 60 / periodMinutes) {
            let minute = interval * periodMinutes
            let ofDay = minute % 1440
            var sleepEnd = awakeOnlyAt14OnDay == minute / 1440 ? 14 * 60 : sleepFrom + sleepMinutes
            if let lateWake, lateWake.day == minute / 1440 { sleepEnd = lateWake.minute }
            let asleep = ofDay >= sleepFrom && ofDay < sleepEnd && minute / 1440 >= sleepFromDay
            let busy = riseAt.map { ofDay >= $0 && ofDay < $0 + 60 } ?? false
            let load = residential ? Self.residentialLoad(minute) : OrdinaryChangeTests.load(minute)
            let users = (4 + 60 * load) * (busy ? 3 : 1)
            var metrics = OrdinaryChangeTests.cellMetrics(users: users, perUserThroughput: busy ? 10_000 : 30_000, noise: &noise)
            metrics["TN.RttMs"] = 4 + noise.next(0.2)
            if radioOff {
                metrics["RRU.UlIntfPwrMean"] = -115 + noise.next(0.3)
                metrics["L1M.UlSinrMean"] = 14 + noise.next(0.4)
                metrics["RU.VswrMean"] = 1.25 + noise.next(0.01)
            }
            if asleep {
                metrics = ["RRC.ConnMean": 0, "RRU.PrbTotDl": 0.05 + abs(noise.next(0.01)), "RRU.PrbTotUl": 0.03 + abs(noise.next(0.01)),
                           "DRB.PdcpSduVolumeDl": 2 * exp(noise.next(0.2)), "DRB.PdcpSduVolumeUl": 0.5 * exp(noise.next(0.2)),
                           "TN.RttMs": 4 + noise.next(0.2)]
                if reportingAll { metrics["DRB.UEThpDl"] = 30_000 * (1 + noise.next(0.08)) }
            }
            if reportingAll && interval % 3 == 0 {
                metrics["PEE.AvgTemperature"] = 40 + noise.next(0.3)
                metrics["RU.VswrMean"] = 1.2 + noise.next(0.01)
            }
            if busy { metrics["TN.RttMs"] = nil }
            if sleepSeconds { metrics["CellSleepTime"] = asleep ? Double(periodMinutes * 60) : 0 }
            if let restartAt {
                if minute >= restartAt && minute < restartAt + 10 { continue }
                if minute == restartAt + 10 { attempts = 0 }
                attempts += (users * (asleep ? 0.5 : 6) * exp(noise.next(0.1))).rounded() + 1
                metrics["RRC.ConnEstabAtt"] = max(attempts, 0)
            }
            samples.append((start + Double(minute) * 60, metrics))
        }
        return samples
    }

    /// A residential cell's load over the day (0...1, interpolated between hours):
    /// quiet in the small hours, busiest at 20:00, still a third of its peak at midnight.
    static func residentialLoad(_ minute: Int) -> Double {
        let hourly: [Double] = [33, 20, 8, 4, 3, 4, 8, 14, 22, 27, 35, 49, 43, 39, 44, 45, 28, 31, 37, 70, 78, 57, 55, 39]
        let hour = Double(minute % 1440) / 60
        let first = Int(hour) % 24
        let weight = hour - hour.rounded(.down)
        return (hourly[first] * (1 - weight) + hourly[(first + 1) % 24] * weight) / 80
    }

    /// The transitions of `samples` through a detector with these settings.
    static func transitions(_ samples: [(time: Double, metrics: [String: Double])], settings: DetectorSettings) -> [Alert] {
        var harness = Harness(settings: settings)
        for sample in samples { _ = harness.feed(time: sample.time, sample.metrics) }
        return harness.transitions
    }

    /// The days (from the first sample) with a raise in these minutes of the day.
    static func raisedDays(_ transitions: [Alert], minutesOfDay: Range<Double>) -> [Int] {
        transitions.filter { $0.state == .raised }.compactMap { alert in
            let minute = (alert.timestamp - start) / 60
            return minutesOfDay.contains(minute.truncatingRemainder(dividingBy: 1440)) ? Int(minute / 1440) : nil
        }
    }

    /// The days (from the first sample) whose switch-off, 00:45 to 01:45, was raised.
    static func switchOffDays(_ transitions: [Alert]) -> [Int] {
        raisedDays(transitions, minutesOfDay: 45..<105)
    }

    @Test("a switch-off every night at 00:45 is raised on the first night it is seen, not on the nights after (with routineMinutes 0, every night)")
    func nightlySwitchOff() throws {
        let samples = Self.samples()
        let transitions = Self.transitions(samples, settings: DetectorSettings())
        let days = Self.switchOffDays(transitions)
        try #require(!days.isEmpty, "no night's switch-off was raised")
        #expect(days == [days[0]] && days[0] <= 1, "switch-offs raised on days \(days)")
        // Nothing of an unpublished alert reaches a subscriber: each update and clear
        // belongs to an alert that was raised.
        let raisedAt = Set(transitions.filter { $0.state == .raised }.map(\.startedAt))
        let orphans = transitions.filter { $0.state != .raised && !raisedAt.contains($0.startedAt) }
        #expect(orphans.isEmpty, "\(orphans.count) transitions of alerts never raised, first \(orphans.first.map { "\($0.state) at \(($0.timestamp - start) / 3600) h" } ?? "")")
        var control = DetectorSettings()
        control.routineMinutes = 0
        let every = Self.switchOffDays(Self.transitions(samples, settings: control))
        #expect(every.count >= 2, "the control raised the switch-off on days \(every): the case cannot fail")
    }

    @Test("a layer that reports the seconds it slept (the period at night, 0 by day) is raised on the first night it is seen at most, and never by day: a count at nothing for most of the last hour, or of this hour a day before, is no silence alone, nor one at nothing most hours of its day (either rule suffices here; both false: raised by day, at the 12-hour limit of the alert its silence held)")
    func sleepSecondsNeitherNightNorDay() throws {
        let samples = Self.samples(sleepSeconds: true)
        let transitions = Self.transitions(samples, settings: DetectorSettings())
        let raised = transitions.filter { $0.state == .raised }.map { ($0.timestamp - start) / 3600 }
        let nights = Self.raisedDays(transitions, minutesOfDay: 0..<(7 * 60))
        #expect(nights.count <= 1 && nights.allSatisfy { $0 <= 1 }, "raised at night on days \(nights) (at hours \(raised)) \(transitions.filter { $0.state == .raised }.map { $0.evidence.map { "\($0.metric)=\($0.value)[\($0.low),\($0.high)]" } })")
        let days = Self.raisedDays(transitions, minutesOfDay: (7 * 60)..<1440)
        #expect(days.isEmpty, "raised by day on days \(days) (at hours \(raised))")
        for (hour, day) in [(false, true), (true, false)] {
            var one = DetectorSettings()
            one.silenceKnowsTheHour = hour
            one.silenceKnowsTheDay = day
            let oneDays = Self.raisedDays(Self.transitions(samples, settings: one), minutesOfDay: (7 * 60)..<1440)
            #expect(oneDays.isEmpty, "with silenceKnowsTheHour \(hour), silenceKnowsTheDay \(day): raised by day on days \(oneDays)")
        }
        var control = DetectorSettings()
        control.silenceKnowsTheHour = false
        control.silenceKnowsTheDay = false
        let controlDays = Self.raisedDays(Self.transitions(samples, settings: control), minutesOfDay: (7 * 60)..<1440)
        #expect(!controlDays.isEmpty, "the control raised nothing by day: the case cannot fail")
    }

    @Test("a layer at 15-minute reporting that reports the seconds it slept, asleep until 08:00 on its first day (a holiday), is not raised by day after: its seconds at nothing most hours of the day, its next wake at 05:15 is no silence, though a day before it slept at that hour (silenceKnowsTheDay false: raised by day)")
    func sleepSecondsAfterALongSleep() throws {
        let samples = Self.samples(periodMinutes: 15, sleepSeconds: true, lateWake: (day: 0, minute: 8 * 60))
        let transitions = Self.transitions(samples, settings: DetectorSettings())
        let raised = transitions.filter { $0.state == .raised }.map { ($0.timestamp - start) / 3600 }
        // From 05:00, the wake, to midnight, on every day after the first.
        let days = Self.raisedDays(transitions, minutesOfDay: (5 * 60)..<1440).filter { $0 >= 1 }
        #expect(days.isEmpty, "raised by day on days \(days) (at hours \(raised))")
        var control = DetectorSettings()
        control.silenceKnowsTheDay = false
        let controlTransitions = Self.transitions(samples, settings: control)
        let controlDays = Self.raisedDays(controlTransitions, minutesOfDay: (7 * 60)..<1440).filter { $0 >= 1 }
        #expect(!controlDays.isEmpty, "the control raised nothing by day (at hours \(controlTransitions.filter { $0.state == .raised }.map { ($0.timestamp - start) / 3600 })): the case cannot fail")
    }

    @Test("a signature where more fell than rose is a cell going quiet (a switch-off with the seconds slept rising among its falls); as many rises as falls, or only rises, is not")
    func mostlyFallsIsGoingQuiet() {
        #expect(CellModel.mostlyFalls(["pmConsumedEnergy-", "pmRaAttCbra-", "pmCellSleepTime+", "pmDrbEstabAtt-"]))
        #expect(CellModel.mostlyFalls(["joint_fall+"]))
        #expect(!CellModel.mostlyFalls(["RRC.ConnMean+", "DRB.UEThpDl-"]))
        #expect(!CellModel.mostlyFalls(["RRU.PrbTotDl+", "RRC.ConnMean+"]))
        #expect(!CellModel.mostlyFalls(["TN.RttMs"]))
    }

    @Test("a layer that switches off in its quiet hours, its radio measurements gone, is not raised even on the first night (quietSwitchOffShare 0: on the first night)")
    func firstSwitchOffInQuietHours() throws {
        let samples = Self.samples(radioOff: true)
        let days = Self.raisedDays(Self.transitions(samples, settings: DetectorSettings()), minutesOfDay: 45..<(7 * 60))
        #expect(days.isEmpty, "raised between 00:45 and 07:00 on days \(days)")
        var control = DetectorSettings()
        control.quietSwitchOffShare = 0
        let first = Self.switchOffDays(Self.transitions(samples, settings: control))
        #expect(first.count == 1, "the control raised the switch-off on days \(first): the case cannot fail")
    }

    @Test("a layer asleep every night, its counts still reported near zero and its radio measurements gone, is not raised on any night: at 15-minute reporting from 01:00 (its second night comes before a day of hours was kept), and on a residential cell from midnight (the hour it switches off in held its evening and its night; the lowest of it is what that hour usually gets). quietSwitchOffShare 0: raised")
    func switchOffBeforeADayAndFromTheEvening() throws {
        let cases: [(name: String, samples: [(time: Double, metrics: [String: Double])], night: Range<Double>)] = [
            ("15-minute reporting, from 01:00", Self.samples(radioOff: true, sleepFrom: 60, periodMinutes: 15), 60..<(7 * 60)),
            ("residential, from midnight", Self.samples(radioOff: true, sleepFrom: 0, residential: true), 0..<(6 * 60)),
        ]
        for item in cases {
            let days = Self.raisedDays(Self.transitions(item.samples, settings: DetectorSettings()), minutesOfDay: item.night)
            #expect(days.isEmpty, "\(item.name): raised in the night on days \(days)")
            var control = DetectorSettings()
            control.quietSwitchOffShare = 0
            let raised = Self.raisedDays(Self.transitions(item.samples, settings: control), minutesOfDay: item.night)
            #expect(!raised.isEmpty, "\(item.name): the control raised no night: the case cannot fail")
        }
    }

    @Test("a layer that does not wake (asleep from 03:00 until 14:00 on the third day) is raised once the hours it sleeps through are no longer quiet ones, before the 8-hour limit (every hour quiet: not before it)")
    func layerThatStaysOffRaised() throws {
        // Asleep 03:00 to 05:30 every night; the 8-hour limit would raise at 11:00, the
        // office's load passes the middle of its day at about 10:00.
        let samples = Self.samples(radioOff: true, sleepFrom: 3 * 60, sleepMinutes: 150, awakeOnlyAt14OnDay: 2)
        let morning = Double(5 * 60 + 30)..<Double(10 * 60 + 55)
        let days = Self.raisedDays(Self.transitions(samples, settings: DetectorSettings()), minutesOfDay: morning)
        #expect(days.contains(2), "raised in the morning on days \(days)")
        var control = DetectorSettings()
        control.quietSwitchOffShare = 2  // every hour quiet
        let hidden = Self.raisedDays(Self.transitions(samples, settings: control), minutesOfDay: morning)
        #expect(!hidden.contains(2), "raised in the morning on days \(hidden) with every hour quiet: the case cannot fail")
    }

    @Test("the radio measurements back within the hour (a restart at night, not energy saving): raised when they come back")
    func shortNightOutageRaised() throws {
        let samples = Self.samples(radioOff: true, sleepMinutes: 20)
        let days = Self.raisedDays(Self.transitions(samples, settings: DetectorSettings()), minutesOfDay: 45..<(45 + 20 + 15))
        #expect(days.contains(1), "the outage was raised on days \(days)")
        var control = DetectorSettings()
        control.quietSwitchOffMinutes = 0
        let hidden = Self.raisedDays(Self.transitions(samples, settings: control), minutesOfDay: 45..<(45 + 20 + 15))
        #expect(!hidden.contains(1), "raised on days \(hidden) without waiting for the metrics: the case cannot fail")
    }

    @Test("the same switch-off at the busy hour (14:00 to 16:00, from the second day) is raised the first day: those are not the layer's quiet hours (every hour quiet: not raised)")
    func switchOffAtBusyHourRaised() throws {
        let samples = Self.samples(radioOff: true, sleepFrom: 14 * 60, sleepMinutes: 120, sleepFromDay: 1)
        let days = Self.raisedDays(Self.transitions(samples, settings: DetectorSettings()), minutesOfDay: Double(14 * 60)..<Double(15 * 60))
        #expect(days.first == 1, "the switch-off was raised on days \(days)")
        var control = DetectorSettings()
        control.quietSwitchOffShare = 2  // every hour quiet
        let hidden = Self.raisedDays(Self.transitions(samples, settings: control), minutesOfDay: Double(14 * 60)..<Double(15 * 60))
        #expect(hidden.isEmpty, "raised on days \(hidden) with every hour quiet: the case cannot fail")
    }

    @Test("the same nightly fall with every metric still reported (a cell asleep by fault, not switched off; two more read every third sample) is raised every night")
    func nightlyFallReportingAll() {
        let days = Self.switchOffDays(Self.transitions(Self.samples(reportingAll: true), settings: DetectorSettings()))
        #expect(days.count >= 2, "the fall was raised on days \(days)")
    }

    @Test("a restart under the night's routine alert (counters from zero) is raised when it comes")
    func restartUnderRoutine() throws {
        let restart = 2 * 1440 + 3 * 60
        let transitions = Self.transitions(Self.samples(restartAt: restart), settings: DetectorSettings())
        let days = Self.switchOffDays(transitions)
        #expect(days.count == 1, "switch-offs raised on days \(days)")
        let raised = transitions.filter { $0.state == .raised }.map { (minute: ($0.timestamp - start) / 60, evidence: $0.evidence.map(\.metric)) }
        let atRestart = try #require(raised.first { $0.minute >= Double(restart) && $0.minute <= Double(restart + 20) },
                                     "raises at minutes \(raised.map(\.minute))")
        #expect(atRestart.evidence.contains("counter_reset"), "evidence \(atRestart.evidence)")
    }

    @Test("load that triples at noon every day is raised every day it is raised without routines: a rise is never routine (habituation to episodes off)")
    func dailyRiseStillRaised() {
        let samples = Self.samples(riseAt: 12 * 60)
        func noonDays(_ settings: DetectorSettings) -> [Int] {
            Self.raisedDays(Self.transitions(samples, settings: settings), minutesOfDay: 720..<780)
        }
        // Without habituation to episodes, which would raise a rise that carried alerts
        // every day only once (``OrdinaryChangeTests/recurringEventsHabituate()``): this
        // case is about the routine rule alone.
        var routines = DetectorSettings()
        routines.episodeHabituationHours = 0
        var off = routines
        off.routineMinutes = 0
        let without = noonDays(off)
        #expect(without.count >= 2, "without routines the noon rise was raised on days \(without): the case cannot fail")
        #expect(noonDays(routines) == without)
    }

    @Test("nightly routine alerts, never published, teach no habituation: a daytime fall of the downlink volume on day 4 is raised within half an hour (counted, they held it back two hours)")
    func routineTeachesNoHabituation() throws {
        // Three nights of switch-offs, then the downlink volume alone falls to 15% at
        // 14:00 on day 4. The first night's alert is published and counts once (a
        // sample later than without habituation); the routine ones after it count none.
        let faultStart = Double(3 * 1440 + 14 * 60)
        let samples = Self.samples().map { sample -> (time: Double, metrics: [String: Double]) in
            let minute = (sample.time - start) / 60
            guard minute >= faultStart && minute < faultStart + 120, let volume = sample.metrics["DRB.PdcpSduVolumeDl"] else { return sample }
            var metrics = sample.metrics
            metrics["DRB.PdcpSduVolumeDl"] = volume * 0.15
            return (sample.time, metrics)
        }
        func raisedAfter(_ settings: DetectorSettings) -> Double? {
            Self.transitions(samples, settings: settings).first { $0.state == .raised && ($0.timestamp - start) / 60 >= faultStart }
                .map { ($0.timestamp - start) / 60 - faultStart }
        }
        var off = DetectorSettings()
        off.episodeHabituationHours = 0
        let without = try #require(raisedAfter(off), "not raised even without habituation: the case cannot fail")
        #expect(without <= 30)
        let with = try #require(raisedAfter(DetectorSettings()))
        #expect(with <= 30, "raised \(with) minutes in")
    }

    @Test("a checkpoint keeps the raises a cell remembers and a routine alert: restored mid-stream, the same transitions as never stopped")
    func routineSurvivesCheckpoint() throws {
        let samples = Self.samples()
        var whole = Harness()
        for sample in samples { _ = whole.feed(time: sample.time, sample.metrics) }
        // Stop at 02:00 on the third day, under the night's routine alert.
        let split = 2 * 288 + 24
        var first = Harness()
        for sample in samples[..<split] { _ = first.feed(time: sample.time, sample.metrics) }
        let model = try #require(first.pipeline.detector.cellModel("cell-1"))
        #expect(model.alert?.routine == true && (model.recentRaises?.count ?? 0) >= 1)
        let restored = try Checkpoint.decode(try Checkpoint(tracker: first.pipeline.tracker, detector: first.pipeline.detector).encoded())
        var second = Harness()
        second.names = first.names
        second.sequence = first.sequence
        second.pipeline = Pipeline(detector: restored.detector, tracker: restored.tracker)
        #expect(second.pipeline.detector.cellModel("cell-1")?.alert?.routine == true)
        #expect(second.pipeline.detector.activeAlerts.isEmpty, "a routine alert is listed as active")
        for sample in samples[split...] { _ = second.feed(time: sample.time, sample.metrics) }
        #expect(first.transitions + second.transitions == whole.transitions)
    }

    /// A cell at one-minute reporting whose stream begins at 01:00: four load metrics
    /// (users, DL and UL volume, PRB) and two steady ones (RTT, temperature). With
    /// `asleepUntil` (minutes), its capacity layer sleeps until then (load near zero) and
    /// wakes in one sample to its day's level; with `backhaulAt`, the cell is awake all
    /// along and from that minute its RTT goes from 5 to 50 ms and 5% of its packets are
    /// lost, for an hour; with `surgeAt`, the cell is awake all along and from that minute
    /// its four load metrics stand fifteen times higher, for an hour. Returns the raises
    /// published.
    static func firstMorning(
        seed: UInt64, settings: DetectorSettings, asleepUntil: Int? = nil, backhaulAt: Int? = nil, surgeAt: Int? = nil
    ) -> [Alert] {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        for minute in 60..<(14 * 60) {
            let awake = asleepUntil.map { minute >= $0 } ?? true
            let faulty = backhaulAt.map { minute >= $0 && minute < $0 + 60 } ?? false
            let load = surgeAt.map { minute >= $0 && minute < $0 + 60 } ?? false ? 15.0 : 1.0
            let metrics: [String: Double] = [
                "RRC.ConnMean": max(0, awake ? (15 + noise.next(2)) * load : 0.2 + noise.next(0.1)),
                "DRB.VolDl": max(0, awake ? (10_000 + noise.next(1_500)) * load : 30 + noise.next(8)),
                "DRB.VolUl": max(0, awake ? (1_500 + noise.next(250)) * load : 5 + noise.next(1.5)),
                "RRU.PrbDl": max(0, awake ? (20 + noise.next(3)) * load : 0.1 + noise.next(0.03)),
                "TN.RttMs": faulty ? 50 + noise.next(3) : 5 + noise.next(0.3),
                "TN.LossPct": faulty ? 5 + noise.next(0.5) : 0,
                "EQ.TempC": 30 + noise.next(0.2),
            ]
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
        }
        return harness.raised
    }

    @Test("a stream that begins while the capacity layer sleeps: its first morning (four load metrics from near zero to their day's level in one sample) is routine, raised without the rule; on a cell's first day, a backhaul fault (two metrics rising tenfold) and the four load metrics jumping fifteenfold from their day's level (4-7 times the top of their range) are still raised")
    func layerWakesOnItsFirstMorning() {
        var off = DetectorSettings()
        off.wakeRiseFeatures = 0
        for seed: UInt64 in [1, 2] {
            let woke = Self.firstMorning(seed: seed, settings: DetectorSettings(), asleepUntil: 330)
            #expect(woke.isEmpty, "seed \(seed): \(woke.map { ($0.timestamp - start) / 60 })")
            let wokeWithoutRule = Self.firstMorning(seed: seed, settings: off, asleepUntil: 330)
            #expect(wokeWithoutRule.contains { $0.timestamp >= start + 330 * 60 && $0.timestamp < start + 360 * 60 },
                    "seed \(seed), without the rule: \(wokeWithoutRule.map { ($0.timestamp - start) / 60 })")
            let backhaul = Self.firstMorning(seed: seed, settings: DetectorSettings(), backhaulAt: 600)
            #expect(backhaul.contains { $0.timestamp >= start + 600 * 60 && $0.timestamp < start + 610 * 60 },
                    "seed \(seed), backhaul: \(backhaul.map { ($0.timestamp - start) / 60 })")
            let surge = Self.firstMorning(seed: seed, settings: DetectorSettings(), surgeAt: 600)
            #expect(surge.contains { $0.timestamp >= start + 600 * 60 && $0.timestamp < start + 610 * 60 },
                    "seed \(seed), surge: \(surge.map { ($0.timestamp - start) / 60 })")
        }
    }
}

extension RoutineTests {
    /// A cell reporting every minute from midnight, its capacity layer asleep until 03:15:
    /// users, volume and PRB near nothing, the seconds it slept each minute 60, a
    /// constant count of samples 0, the energy meter at 0.5 Wh and the radio cool. Awake,
    /// they stand at the day's levels (the seconds asleep 0, the samples 12, the energy
    /// 1.4-1.5 Wh, the radio 8 degrees warmer) until 21:00. With `backhaulAt` (a minute
    /// of the day), its transport delay and loss jump tenfold there for an hour.
    static func wokeAtStart(seed: UInt64, settings: DetectorSettings, backhaulAt: Int? = nil) -> [Alert] {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        var temperature = 26.0
        for minute in 0..<(21 * 60) {
            let awake = minute >= 195
            let faulty = backhaulAt.map { minute >= $0 && minute < $0 + 60 } ?? false
            temperature += ((awake ? 34.0 : 26.0) - temperature) / 30
            let metrics: [String: Double] = [
                "RRC.ConnMean": max(0, awake ? 15 + noise.next(2) : 0),
                "DRB.VolDl": max(0, awake ? 10_000 + noise.next(1_500) : 0),
                "RRU.PrbDl": max(0, awake ? 20 + noise.next(3) : 0.1 + noise.next(0.03)),
                "CellSleepSeconds": awake ? 0 : 60,
                "ConnLevelSamples": awake ? 12 : 0,
                "EnergyWh": awake ? (14 + noise.next(0.4)).rounded() / 10 : 0.5,
                "TN.RttMs": faulty ? 50 + noise.next(3) : 5 + noise.next(0.3),
                "TN.LossPct": faulty ? 5 + noise.next(0.5) : 0,
                "RadioTempC": (10 * (temperature + noise.next(0.1))).rounded() / 10,
            ]
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
        }
        return harness.raised
    }

    @Test("a stream that begins while the capacity layer sleeps: its wake raises, yet its slow baselines follow the day's levels through their warm-up even while they carry that alert, so nothing is raised again from the alert's 12-hour limit on (without the warm-up's full gain, the night's baselines raise it there); a backhaul fault then is still raised, and one inside the warm-up is raised once, its end raising nothing")
    func slowBaselinesLearnTheWakeWhileAlerting() {
        var frozenWarmUp = DetectorSettings()
        frozenWarmUp.slowWarmupLearns = false
        let late = (start + 13 * 3600)..<(start + 21 * 3600)
        for seed: UInt64 in [1, 2] {
            let raised = Self.wokeAtStart(seed: seed, settings: DetectorSettings())
            // The wake raised: its features carried an alert through the warm-up.
            #expect(raised.contains { $0.timestamp >= start + 3.2 * 3600 && $0.timestamp < start + 3.5 * 3600 },
                    "seed \(seed): the wake raised nothing: \(raised.map { ($0.timestamp - start) / 3600 })")
            #expect(!raised.contains { late.contains($0.timestamp) }, "seed \(seed): \(raised.map { ($0.timestamp - start) / 3600 })")
            let control = Self.wokeAtStart(seed: seed, settings: frozenWarmUp)
            #expect(control.contains { late.contains($0.timestamp) }, "seed \(seed), control: \(control.map { ($0.timestamp - start) / 3600 })")
            let backhaul = Self.wokeAtStart(seed: seed, settings: DetectorSettings(), backhaulAt: 17 * 60)
            #expect(backhaul.contains { $0.timestamp >= start + 17 * 3600 && $0.timestamp < start + 17 * 3600 + 600 },
                    "seed \(seed), backhaul: \(backhaul.map { ($0.timestamp - start) / 3600 })")
            // A fault inside the warm-up is raised once: its slow baselines follow it, and
            // its end raises nothing new.
            let early = Self.wokeAtStart(seed: seed, settings: DetectorSettings(), backhaulAt: 6 * 60)
            let afterWake = early.filter { $0.timestamp >= start + 5 * 3600 }
            #expect(afterWake.count == 1 && afterWake.allSatisfy { $0.timestamp < start + 6 * 3600 + 600 },
                    "seed \(seed), a backhaul fault at 06:00: \(early.map { ($0.timestamp - start) / 3600 })")
        }
    }
}
