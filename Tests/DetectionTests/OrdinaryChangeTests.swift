import Foundation
import SpikeCore
import Telemetry
import Testing
@testable import Detection

/// Each case is a thing real cells do that an earlier model got wrong: ordinary change
/// that must not alert, and faults that must alert from their start to their end.
@Suite("Ordinary change and real faults")
struct OrdinaryChangeTests {
    /// A smooth daily load shape in 0...1 (peak in the evening).
    static func load(_ minute: Int) -> Double {
        let hour = Double(minute % 1440) / 60
        return 0.15 + 0.85 * pow(max(0, sin((hour - 6) / 18 * .pi)), 2)
    }

    @Test("enclosure temperature that follows the weather and the load with a thermal lag raises nothing")
    func temperatureFollowsWeather() {
        var harness = Harness()
        var noise = Noise(11)
        // Daily mean outdoor temperature wanders by several degrees from day to day.
        let dailyMeans = [12.0, 16.5, 11.0, 17.5, 13.0]
        var enclosure = 30.0
        for minute in 0..<(4 * 1440) {
            let day = Double(minute) / 1440
            let index = min(Int(day), dailyMeans.count - 2)
            let mix = day - Double(index)
            let mean = dailyMeans[index] * (1 - mix) + dailyMeans[index + 1] * mix
            let outdoor = mean + 5 * sin((Double(minute % 1440) / 1440 - 0.375) * 2 * .pi)
            let target = outdoor + 14 + 10 * Self.load(minute)
            enclosure += (target - enclosure) / 90  // first-order lag, 90 minutes
            let reported = ((enclosure + noise.next(0.05)) * 10).rounded() / 10
            _ = harness.feed(time: start + Double(minute) * 60, ["PEE.AvgTemperature": reported])
        }
        #expect(harness.raised.isEmpty, "raised: \(harness.raised.map { ($0.timestamp - start) / 3600 })")
    }

    /// Four days at 5-minute reporting of a business cell: users, PRB and an enclosure
    /// temperature that follows the load with an hour's lag (a smooth metric): workday,
    /// workday, a public holiday (a third of the load), workday. Returns the hours of the
    /// raises on the last day.
    static func workdayAfterHoliday(settings: DetectorSettings) -> (raises: [Double], detector: SpikingDetector) {
        var harness = Harness(settings: settings)
        var noise = Noise(23)
        func shape(_ hour: Double) -> Double {
            let ramp = min(max((hour - 7) / 2, 0), 1), fall = min(max((20 - hour) / 3, 0), 1)
            return 0.05 + 0.95 * min(ramp, fall)
        }
        var temperature = 26.0
        for step in 0..<(4 * 288) {
            let day = step / 288
            let hour = Double(step % 288) / 12
            let load = shape(hour) * (day == 2 ? 0.35 : 1) * (1 + noise.next(0.03))
            temperature += (25 + 12 * load - temperature) / 12
            _ = harness.feed(time: start + Double(step) * 300, [
                "RRC.ConnMean": (200 * load).rounded(),
                "RRU.PrbTotDl": ((80 * load + noise.next(0.5)) * 100).rounded() / 100,
                "PEE.AvgTemperature": ((temperature + noise.next(0.05)) * 10).rounded() / 10,
            ])
        }
        return (harness.raised.filter { $0.timestamp >= start + 3 * 86_400 }.map { ($0.timestamp - start - 3 * 86_400) / 3600 },
                harness.pipeline.detector)
    }

    @Test("the first workday after a public holiday raises nothing: its enclosure warms past the holiday's range but not past the workdays' before it (envelopeEarlierKeep 0: the drift neuron raises it)")
    func workdayAfterHoliday() {
        let (raises, detector) = Self.workdayAfterHoliday(settings: DetectorSettings())
        #expect(raises.isEmpty, "raised at \(raises) h")
        var lastDayOnly = DetectorSettings()
        lastDayOnly.envelopeEarlierKeep = 0
        #expect(!Self.workdayAfterHoliday(settings: lastDayOnly).raises.isEmpty)
        // The earlier days' hours are learned state: a checkpoint keeps them.
        let feature = detector.cells["cell-1"]!.features.first { $0.name == "PEE.AvgTemperature" }!
        #expect(feature.earlierHourHigh.count == 24 && feature.earlierHourHigh.contains { !$0.isNaN })
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let restored = try! decoder.decode(Feature.self, from: encoder.encode(feature))
        let same = { (a: [Double], b: [Double]) in a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        #expect(same(restored.earlierHourHigh, feature.earlierHourHigh) && same(restored.earlierHourLow, feature.earlierHourLow))
    }

    /// An antenna's VSWR at 5-minute reporting (1.27, noise `noiseSD`, read to 0.001) and
    /// `others` steady metrics of their own noise; from 06:00 on day 2, for 3 hours, the
    /// VSWR stands `shift` higher (rain on the antenna: 0.02 is 5 of its sigmas, inside
    /// the fast dead zone, and far from its slow baseline). Returns the raises during the
    /// shift and before it.
    static func rainOnTheAntenna(seed: UInt64, settings: DetectorSettings, others: Int, shift: Double = 0.02, noiseSD: Double = 0.004)
        -> (during: Int, before: Int)
    {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        var otherNoise = Noise(seed + 1000)
        let shiftStart = 288 + 6 * 12
        let shiftEnd = shiftStart + 36
        var before = 0
        for i in 0..<(shiftEnd + 12) {
            let vswr = 1.27 + noise.next(noiseSD) + (i >= shiftStart && i < shiftEnd ? shift : 0)
            var metrics = ["EQPT.VswrMean": (vswr * 1000).rounded() / 1000]
            for k in 0..<others { metrics["metric\(k)"] = (100 + Double(k) + otherNoise.next(2)).rounded() }
            _ = harness.feed(time: start + Double(i) * 300, metrics)
            if i < shiftStart { before = harness.raised.count }
        }
        return (harness.raised.count - before, before)
    }

    @Test("a 3-hour shift of 5 sigmas of one smooth metric (rain on an antenna) is raised on a series of its own, not on a cell of 31 features, where one of them lies that far from its slow baseline by chance more often (and is raised there with the slow dead zone the same for every cell)")
    func rainOnOneOfManyFeatures() {
        var noFloor = DetectorSettings()
        noFloor.slowRelativeFloor = 0  // isolates the dead zone's growth with the features
        var flat = noFloor
        flat.slowDeadZonePerLogFeature = 0
        for seed: UInt64 in [4, 5] {
            let alone = Self.rainOnTheAntenna(seed: seed, settings: noFloor, others: 0)
            #expect(alone.during >= 1 && alone.before == 0, "seed \(seed), alone: \(alone)")
            let ofMany = Self.rainOnTheAntenna(seed: seed, settings: noFloor, others: 30)
            #expect(ofMany.during == 0 && ofMany.before == 0, "seed \(seed), of many: \(ofMany)")
            let ofManyFlat = Self.rainOnTheAntenna(seed: seed, settings: flat, others: 30)
            #expect(ofManyFlat.during >= 1 && ofManyFlat.before == 0, "seed \(seed), of many, flat: \(ofManyFlat)")
        }
    }

    @Test("on a series of its own, rain lifting the VSWR by 0.02 (1.6%) raises nothing once the slow baseline's sigma is at least half a percent of the value (and is raised without that floor); a shift of 0.1 on a noisier VSWR, the same 5 sigmas, is still raised")
    func rainBelowTheRelativeFloor() {
        var noFloor = DetectorSettings()
        noFloor.slowRelativeFloor = 0
        for seed: UInt64 in [4, 5] {
            let small = Self.rainOnTheAntenna(seed: seed, settings: DetectorSettings(), others: 0)
            #expect(small.during == 0 && small.before == 0, "seed \(seed), 0.02: \(small)")
            let smallNoFloor = Self.rainOnTheAntenna(seed: seed, settings: noFloor, others: 0)
            #expect(smallNoFloor.during >= 1 && smallNoFloor.before == 0, "seed \(seed), 0.02 without the floor: \(smallNoFloor)")
            let large = Self.rainOnTheAntenna(seed: seed, settings: DetectorSettings(), others: 0, shift: 0.1, noiseSD: 0.02)
            #expect(large.during >= 1 && large.before == 0, "seed \(seed), 0.1: \(large)")
        }
    }

    /// Enclosure temperature at 5-minute reporting, following the weather and the load
    /// with a 90-minute thermal lag, a noisy sensor (0.4 degrees); from 14:00 on day 3 a
    /// cooling fault adds `excess` degrees for 3 hours with a 50-minute lag (20: about 10
    /// degrees in the first half hour, 14 in the first hour). Each sample's step (at most
    /// 2 degrees) is inside the dead zone, but the climb runs past anything the last day
    /// showed. Returns the minutes into the fault of the first raise (nil: none), the
    /// raises before it, every raise, the largest forecast error of the temperature
    /// (sigmas) from the fault's start to its first raise, and whether that raise's
    /// evidence shows the temperature above the normal range it reports.
    static func overheating(seed: UInt64, settings: DetectorSettings, excess: Double = 20)
        -> (raisedAfter: Double?, before: Int, raised: Int, largestError: Double, aboveRange: Bool)
    {
        var harness = Harness(settings: settings)
        harness.pipeline.detector.probeCell = "cell-1"
        var noise = Noise(seed)
        let dailyMeans = [12.0, 16.5, 11.0, 17.5, 13.0]
        let period = 5
        let faultStart = (2 * 1440 + 14 * 60) / period
        let faultEnd = faultStart + 36
        var enclosure = 30.0
        var before = 0
        for i in 0..<(faultEnd + 24) {
            let minute = i * period
            let day = Double(minute) / 1440
            let index = min(Int(day), dailyMeans.count - 2)
            let mix = day - Double(index)
            let mean = dailyMeans[index] * (1 - mix) + dailyMeans[index + 1] * mix
            let outdoor = mean + 5 * sin((Double(minute % 1440) / 1440 - 0.375) * 2 * .pi)
            let faulty = i >= faultStart && i < faultEnd
            let target = outdoor + 14 + 10 * Self.load(minute) + (faulty ? excess : 0)
            let lag = i >= faultStart && i < faultEnd + 12 ? 50.0 : 90.0
            enclosure += (target - enclosure) * (1 - exp(-Double(period) / lag))
            let reported = ((enclosure + noise.next(0.4)) * 10).rounded() / 10
            _ = harness.feed(time: start + Double(minute) * 60, ["PEE.AvgTemperature": reported])
            if i == faultStart - 1 { before = harness.raised.count }
        }
        let faultTime = start + Double(faultStart * period) * 60
        let first = harness.raised.first { $0.timestamp >= faultTime }
        let largest = harness.pipeline.detector.probeLog
            .filter { $0.time >= faultTime && $0.time < (first?.timestamp ?? .infinity) }
            .flatMap(\.features).filter { $0.name == "PEE.AvgTemperature" }.map { abs($0.fast) }.max() ?? 0
        let evidence = first?.evidence.first { $0.metric == "PEE.AvgTemperature" }
        return (first.map { ($0.timestamp - start) / 60 - Double(faultStart * period) }, before, harness.raised.count, largest,
                evidence.map { $0.value > $0.high } ?? false)
    }

    @Test("an enclosure heating by 20 degrees with a 50-minute lag, every step inside the dead zone, is raised by the drift neuron (without it, not at all); the same days without the fault raise nothing")
    func overheatingDrift() {
        var control = DetectorSettings()
        control.driftLeak = 0
        for seed: UInt64 in 1...4 {
            let result = Self.overheating(seed: seed, settings: DetectorSettings())
            #expect(result.before == 0, "seed \(seed): \(result.before) false alarms before the fault")
            // Measured: 35 minutes (7 samples) on every seed.
            #expect(result.raisedAfter.map { $0 <= 60 } ?? false,
                    "seed \(seed): raised \(String(describing: result.raisedAfter)) minutes into the fault")
            // The alert names the temperature, above the range it left (the day's).
            #expect(result.aboveRange, "seed \(seed): the alert's evidence does not show the temperature above its normal range")
            #expect(result.largestError < DetectorSettings().deadZone,
                    "seed \(seed): a step of \(result.largestError) sigmas: the fast pathway could have raised it")
            let without = Self.overheating(seed: seed, settings: control)
            #expect(without.raisedAfter == nil, "seed \(seed): raised without the drift neuron after \(String(describing: without.raisedAfter)) minutes: the case no longer tests it")
            // The same days with no fault (day 3 the warmest afternoon of the run): nothing.
            let ordinary = Self.overheating(seed: seed, settings: DetectorSettings(), excess: 0)
            #expect(ordinary.raised == 0, "seed \(seed): \(ordinary.raised) raises without a fault")
        }
    }

    /// A pump's test bed at 1 Hz, sensors as on a water-circulation rig: a temperature
    /// near 70 degrees (sensor noise 0.1, a slow wander of a few tenths), a flow rate read
    /// in steps of a half (near 32), a noisy motor current. From `faultStart` (570 s) a
    /// valve closes gradually: the temperature falls by `fall` degrees over `over`
    /// seconds, slowly at first (the fall grows with the square of the time), then stays
    /// there. Each second's step (at most 0.04 degrees) is well inside the noise: the
    /// forecast follows the fall with its trend. Returns the seconds into the fault of
    /// the first raise (nil: none), the raises before it, and every raise.
    static func valveClosing(
        seed: UInt64, settings: DetectorSettings, fall: Double = 4, over: Double = 200, faultStart: Int = 570
    ) -> (raisedAfter: Double?, before: Int, raised: Int) {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        var wander = 0.0
        var before = 0
        for second in 0..<(faultStart + 500) {
            wander = 0.995 * wander + noise.next(0.01)
            let into = Double(second - faultStart)
            let drop = second < faultStart ? 0 : fall * pow(min(into / over, 1), 2)
            _ = harness.feed(time: start + Double(second), [
                "Temperature": 70 + wander - drop + noise.next(0.1),
                "VolumeFlowRate": ((32 + noise.next(0.4)) * 2).rounded() / 2,
                "Current": 1 + noise.next(0.25),
            ])
            if second == faultStart - 1 { before = harness.raised.count }
        }
        let faultTime = start + Double(faultStart)
        let first = harness.raised.first { $0.timestamp >= faultTime }
        return (first.map { $0.timestamp - faultTime }, before, harness.raised.count)
    }

    @Test("on a 1 Hz test bed a temperature falling gradually by 4 degrees over 200 s, every step inside the noise, is raised; with the spread clipped as on an hours-long span it is learned as spread and missed; no fall, no raise")
    func valveClosingAtOneHertz() {
        var control = DetectorSettings()
        control.slowSpreadClipMinimum = control.slowSpreadClip  // the clip of an hours-long span
        for seed: UInt64 in 1...6 {
            let result = Self.valveClosing(seed: seed, settings: DetectorSettings())
            #expect(result.before == 0, "seed \(seed): \(result.before) false alarms before the fault")
            // Measured: 170 s on every seed (the slow baseline speaks after 720 samples).
            #expect(result.raisedAfter.map { $0 <= 300 } ?? false,
                    "seed \(seed): raised \(String(describing: result.raisedAfter)) s into the fault")
            let without = Self.valveClosing(seed: seed, settings: control)
            #expect(without.raisedAfter == nil,
                    "seed \(seed): raised with the full clip after \(String(describing: without.raisedAfter)) s: the case no longer tests it")
            let ordinary = Self.valveClosing(seed: seed, settings: DetectorSettings(), fall: 0)
            #expect(ordinary.raised == 0, "seed \(seed): \(ordinary.raised) raises without a fault")
        }
    }

    @Test("the slow baseline's spread clip: 5 sigmas on a span of half an hour or more (every stream of one sample every 5 s or slower), in proportion on a shorter one, 2 at least")
    func slowSpreadClipScalesWithTheSpan() {
        let settings = DetectorSettings()
        #expect(Feature.slowSpreadClip(settings: settings, samplesPerHour: 4) == 5)  // 15 minutes: 6 hours
        #expect(Feature.slowSpreadClip(settings: settings, samplesPerHour: 60) == 5)  // one minute: 6 hours
        #expect(Feature.slowSpreadClip(settings: settings, samplesPerHour: 360) == 5)  // 10 s: 360 samples, an hour
        #expect(Feature.slowSpreadClip(settings: settings, samplesPerHour: 720) == 5)  // 5 s: half an hour
        #expect(abs(Feature.slowSpreadClip(settings: settings, samplesPerHour: 1200) - 3) < 1e-9)  // 3 s: 18 minutes
        #expect(Feature.slowSpreadClip(settings: settings, samplesPerHour: 3600) == 2)  // 1 Hz: 6 minutes
        var loose = settings
        loose.slowSpreadClipMinimum = 9  // never looser than the full clip
        #expect(Feature.slowSpreadClip(settings: loose, samplesPerHour: 3600) == 5)
        var off = settings
        off.slowSpreadClipHours = 0  // always in full
        #expect(Feature.slowSpreadClip(settings: off, samplesPerHour: 3600) == 5)
    }

    /// A cell reporting every 5 s at night: users and PRB steady with noise, and handover
    /// attempts and successes (running totals) that do not move for their first 150
    /// samples, then rise by one now and then (about every 50 s, 95% succeeding). Returns
    /// the raises and the feature summary.
    static func quietHandoverCounter(seed: UInt64, samples: Int = 3000) -> (raised: Int, summary: [String]) {
        var harness = Harness()
        var noise = Noise(seed)
        var handovers = 0.0
        var succeeded = 0.0
        for i in 0..<samples {
            if i >= 150 && noise.next(1) > 1.3 {  // about one sample in ten
                handovers += 1
                if noise.next(1) > -1.6 { succeeded += 1 }  // 95% succeed
            }
            _ = harness.feed(time: start + Double(i) * 5, [
                "RRC.ConnMean": max(0, 3 + noise.next(0.5)),
                "RRU.PrbTotDl": max(0, 4 + noise.next(0.8)),
                "HO.ExeAtt": handovers,
                "HO.ExeSucc": succeeded,
            ])
        }
        return (harness.raised.count, harness.pipeline.detector.featureSummary(of: "cell-1"))
    }

    @Test("running totals of rare events that did not move in their first 100 samples are counters once they have only ever risen, their ratio of increases: the climb raises nothing")
    func quietCounterBecomesACounter() {
        for seed: UInt64 in 1...3 {
            let result = Self.quietHandoverCounter(seed: seed)
            // Taken for a level at its 100th sample (it had not risen twice), it climbs
            // out of every range it showed; it is relearned as a rate at its 20th rise.
            #expect(result.summary.contains("track HO.ExeAtt counter"), "seed \(seed): \(result.summary.filter { $0.hasPrefix("track") })")
            #expect(result.summary.contains { $0.hasPrefix("HO.ExeAtt rate(") }, "seed \(seed): \(result.summary.first { $0.hasPrefix("HO.ExeAtt") } ?? "none")")
            // The successes, promoted with the attempts: their ratio is of increases.
            #expect(result.summary.contains("track HO.ExeSucc counter"), "seed \(seed): \(result.summary.filter { $0.hasPrefix("track") })")
            #expect(result.summary.contains { $0.hasPrefix("HO.ExeSucc/HO.ExeAtt ratio(") })
            #expect(result.raised == 0, "seed \(seed): \(result.raised) raises")
        }
    }

    @Test("a count of rare events delivered per period (0 through its warm-up, then now and then 1 or 2) raises nothing")
    func sparseCountsPerPeriod() {
        for seed: UInt64 in 1...3 {
            var harness = Harness()
            var noise = Noise(seed)
            for i in 0..<3000 {
                let draw = noise.next(1)
                let handovers: Double = i < 120 ? 0 : draw > 2.6 ? 2 : draw > 2.05 ? 1 : 0  // about one period in fifty
                _ = harness.feed(time: start + Double(i) * 10, [
                    "RRC.ConnMean": max(0, 3 + noise.next(0.5)),
                    "HO.ExeAtt": handovers,
                ])
            }
            // Its noise floor is one count: with none, the first 1 was a leap from nothing.
            #expect(harness.raised.isEmpty, "seed \(seed): raised at \(harness.raised.map { ($0.timestamp - start) / 10 })")
            #expect(harness.pipeline.detector.featureSummary(of: "cell-1").contains { $0.hasPrefix("HO.ExeAtt gauge(") })
            // A real burst is still news: 25 handovers a period for a minute.
            for i in 3000..<3006 {
                _ = harness.feed(time: start + Double(i) * 10, ["RRC.ConnMean": max(0, 3 + noise.next(0.5)), "HO.ExeAtt": 25])
            }
            #expect(harness.raised.count == 1, "seed \(seed): the burst raised \(harness.raised.count) times")
        }
    }

    /// A cell reporting every 2 s whose samples come back short one time in 25 (users, the
    /// most users, PRB and the volume's increase at 30% for one sample: a report cut short,
    /// a joint fall each time), for two hours; from
    /// `sleepAt` (a sample index) on, it loses its users for good. Returns the times of the
    /// raises, in seconds from the start.
    static func emptyReports(seed: UInt64, settings: DetectorSettings, sleepAt: Int? = nil) -> [Double] {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        var volume = 0.0
        for i in 0..<3600 {
            let asleep = sleepAt.map { i >= $0 } ?? false
            let empty = asleep || (i > 200 && noise.next(1) > 1.75)  // about one in 25
            let users = max(0.5, 6 + noise.next(1.2)) * (asleep ? 0 : empty ? 0.3 : 1)
            volume += users * (1.5 + noise.next(0.2))
            _ = harness.feed(time: start + Double(i) * 2, [
                "RRC.ConnMean": (users * 100).rounded() / 100,
                "RRC.ConnMax": (users * 1.6).rounded(),
                "RRU.PrbTotDl": max(0, 2 * users + noise.next(1)),
                "DRB.PdcpSduVolumeDl": volume,
            ])
        }
        return harness.raised.map { $0.timestamp - start }
    }

    @Test("at 2-s reporting, samples that come back short about once a minute are habituated to; a cell that then loses its users for good is still raised")
    func emptyReportsHabituate() {
        // At the dead zone of 5 the case was built at: at 6 (the default since session
        // 18) the control raises nothing either.
        var settings = DetectorSettings()
        settings.deadZone = 5
        var control = settings
        control.jointFallHabituationSamples = 0
        var controlRaised = 0
        for seed: UInt64 in 1...3 {
            let raised = Self.emptyReports(seed: seed, settings: settings)
            #expect(raised.isEmpty, "seed \(seed): raised at \(raised) s")
            controlRaised += Self.emptyReports(seed: seed, settings: control).count
            let sleeping = Self.emptyReports(seed: seed, settings: settings, sleepAt: 3000)
            #expect(sleeping.contains { $0 >= 6000 && $0 <= 6000 + 60 }, "seed \(seed): the lasting loss raised at \(sleeping) s")
        }
        // Without habituation two empty reports a few seconds apart raise (measured: twice
        // on two seeds of three).
        #expect(controlRaised > 0, "no raise without habituation either: the case no longer tests it")
    }

    /// The logistic function, for smooth steps.
    static func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// A Poisson count of mean `mean` (Knuth's method; small means only).
    static func poisson(_ mean: Double, _ rng: inout SeededGenerator) -> Double {
        let limit = exp(-mean)
        var product = Double.random(in: 0..<1, using: &rng)
        var count = 0.0
        while product > limit {
            product *= Double.random(in: 0..<1, using: &rng)
            count += 1
        }
        return count
    }

    /// The minute of the third day at which ``nightSamples(seed:asleepFor:residual:)``'s cell falls
    /// asleep (23:30).
    static let nightFaultStart = 2 * 1440 + 23 * 60 + 30

    /// A cell at 1-minute reporting whose access attempts, preambles and handovers are
    /// running totals (a few a minute at night) and whose users are a few at night; from
    /// 23:30 on its third day it falls asleep for `asleepFor` minutes: no one new reaches
    /// it (each count to `residual` of its rate) and its users drain to an eighth over a
    /// few minutes. Samples until two hours past the fault's end, as (time, metrics).
    static func nightSamples(seed: UInt64, asleepFor: Int = 120, residual: Double = 0.01) -> [(Double, [String: Double])] {
        var noise = Noise(seed)
        var rng = SeededGenerator(seed: seed &+ 1000)
        var attempts = 0.0
        var preambles = 0.0
        var handovers = 0.0
        var samples: [(Double, [String: Double])] = []
        for minute in 0..<(nightFaultStart + asleepFor + 120) {
            let asleep = minute >= nightFaultStart && minute < nightFaultStart + asleepFor
            let load = Self.load(minute)
            let rate = (1 + 10 * load) * (asleep ? residual : 1)
            attempts += Self.poisson(rate, &rng)
            preambles += Self.poisson(1.6 * rate, &rng)
            handovers += Self.poisson(0.3 * rate, &rng)
            // Users a Poisson count around their mean, draining over a few minutes.
            let drain = asleep ? 0.125 + 0.875 * exp(-Double(minute - nightFaultStart) / 4) : 1
            let users = Self.poisson((0.5 + 30 * load) * drain, &rng) * (1 + noise.next(0.1))
            samples.append((start + Double(minute) * 60, [
                "RRC.ConnMean": (users * 100).rounded() / 100,
                "RRU.PrbTotDl": max(0, 1 + 0.8 * users + noise.next(0.5)),
                "RRC.ConnEstabAtt": attempts,
                "RACH.PreambleACell": preambles,
                "HO.ExeAtt": handovers,
            ]))
        }
        return samples
    }

    /// ``nightSamples(seed:asleepFor:residual:)`` through a detector with `settings`: the minutes
    /// from the fault's start to its first raise (nil: none within its two hours) and the
    /// raises before it.
    static func sleepingAtNight(seed: UInt64, settings: DetectorSettings) -> (raisedAfter: Int?, before: Int) {
        var harness = Harness(settings: settings)
        let faultTime = start + Double(nightFaultStart) * 60
        for (time, metrics) in nightSamples(seed: seed) { _ = harness.feed(time: time, metrics) }
        let before = harness.raised.filter { $0.timestamp < faultTime }.count
        let first = harness.raised.first { $0.timestamp >= faultTime && $0.timestamp < faultTime + 7200 }
        return (first.map { Int(($0.timestamp - faultTime) / 60) }, before)
    }

    @Test("a cell falling asleep at night at 1-minute reporting, its attempts a few a minute before, is raised by the silence of its counts within 15 minutes (without the silence detector, later or not at all); nothing before")
    func sleepingAtNight() {
        var control = DetectorSettings()
        control.silenceCounts = 0
        for seed: UInt64 in 1...4 {
            let result = Self.sleepingAtNight(seed: seed, settings: DetectorSettings())
            #expect(result.before == 0, "seed \(seed): \(result.before) raises before the fault")
            #expect((result.raisedAfter ?? .max) <= 15, "seed \(seed): raised \(result.raisedAfter.map { "\($0) min" } ?? "not at all") into the fault")
            // Without it, each minute's missing attempts are within counting noise and the
            // forecast learns the quiet: not raised in the fault's two hours.
            let without = Self.sleepingAtNight(seed: seed, settings: control)
            #expect(without.raisedAfter == nil, "seed \(seed): raised \(without.raisedAfter ?? 0) min in without the silence detector too: the case no longer tests it")
        }
    }

    @Test("a checkpoint taken in the middle of a silence restores it: the rest of the night gives the same state as without the restart")
    func checkpointKeepsSilence() throws {
        let samples = Self.nightSamples(seed: 1)
        var whole = Harness()
        for (time, metrics) in samples { _ = whole.feed(time: time, metrics) }
        // Six minutes into the fault: the run of silent minutes is under way.
        let split = Self.nightFaultStart + 6
        var first = Harness()
        for (time, metrics) in samples[..<split] { _ = first.feed(time: time, metrics) }
        let snapshot = try Checkpoint(tracker: first.pipeline.tracker, detector: first.pipeline.detector).encoded()
        #expect(String(decoding: snapshot, as: UTF8.self).contains("\"silenceLength\":6"), "no run of six silent minutes in the snapshot")
        let restored = try Checkpoint.decode(snapshot)
        var second = Harness()
        second.names = first.names
        second.sequence = first.sequence
        second.pipeline = Pipeline(detector: restored.detector, tracker: restored.tracker)
        for (time, metrics) in samples[split...] { _ = second.feed(time: time, metrics) }
        let expected = try Checkpoint(tracker: whole.pipeline.tracker, detector: whole.pipeline.detector).encoded()
        let resumed = try Checkpoint(tracker: second.pipeline.tracker, detector: second.pipeline.detector).encoded()
        #expect(resumed == expected)
        #expect(first.raised.count + second.raised.count == whole.raised.count)
    }

    @Test("counts that stop for good raise once: after 12 hours the silence is the new normal, not raised again every 12 hours")
    func lastingSilenceRaisesOnce() {
        var harness = Harness()
        for (time, metrics) in Self.nightSamples(seed: 2, asleepFor: 48 * 60, residual: 0) { _ = harness.feed(time: time, metrics) }
        let faultTime = start + Double(Self.nightFaultStart) * 60
        let raised = harness.raised.filter { $0.timestamp >= faultTime && $0.timestamp < faultTime + 48 * 3600 }
        // With the silence speaking for as long as it lasts, the alert's 12-hour limit
        // cleared it and the silence raised it again (measured: at 12.2, 24.2 and 36.2
        // hours).
        #expect(raised.count == 1, "raised at hours \(raised.map { ($0.timestamp - faultTime) / 3600 }) into the silence")
    }

    /// A cell at 15-minute reporting whose OSS delivers its access attempts as each
    /// period's count (hundreds by day, bursty), with its users and PRB; at 10:00 on the
    /// third day no one new reaches it for two hours (attempts to 1%) while the users
    /// already connected stay. Returns the periods from the fault's start to its first
    /// raise (nil: none within it) and the raises before it.
    static func arrivalsStop(seed: UInt64, settings: DetectorSettings) -> (raisedAfter: Int?, before: Int) {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        var rng = SeededGenerator(seed: seed &+ 3000)
        let period = 15
        let faultStart = (2 * 1440 + 10 * 60) / period
        let faultEnd = faultStart + 8
        var before = 0
        for interval in 0..<(faultEnd + 8) {
            let minute = interval * period
            let load = Self.load(minute)
            let stopped = interval >= faultStart && interval < faultEnd
            let arrivals = (20 + 400 * load) * exp(noise.next(0.35)) * (stopped ? 0.01 : 1)
            let users = (2 + 40 * load) * exp(noise.next(0.1))
            _ = harness.feed(time: start + Double(minute) * 60, [
                "RRC.ConnEstabAtt": Self.poisson(min(arrivals, 500), &rng),
                "RRC.ConnMean": (users * 10).rounded() / 10,
                "RRU.PrbTotDl": min(95, 1 + 1.1 * users * exp(noise.next(0.1))),
            ])
            if interval == faultStart - 1 { before = harness.raised.count }
        }
        let first = harness.raised.first { $0.timestamp >= start + Double(faultStart * period) * 60 }
        return (first.map { Int(($0.timestamp - start) / 60) / period - faultStart }, before)
    }

    @Test("a cell whose only count of arrivals stops at a busy 15-minute period (hundreds to a few) while its users stay is raised by that silence alone within five periods (measured: 2, 2, 5, 2); a silence must otherwise be shared")
    func arrivalsStopAlone() {
        var shared = DetectorSettings()
        shared.silenceAloneCounts = 0
        // The drift neuron fed beyond the day profile may raise the fall late in the
        // fault (7 periods in on seed 1): the control isolates the silence.
        shared.driftProfile = 0
        for seed: UInt64 in 1...4 {
            let result = Self.arrivalsStop(seed: seed, settings: DetectorSettings())
            #expect(result.before == 0, "seed \(seed): \(result.before) raises before the fault")
            #expect((result.raisedAfter ?? .max) <= 5, "seed \(seed): raised \(result.raisedAfter.map { "\($0) periods" } ?? "not at all") into the fault")
            // A silence that must be shared with a second count or a falling feature is
            // not raised in the fault's eight periods (measured: never, or at its end).
            let control = Self.arrivalsStop(seed: seed, settings: shared)
            #expect((control.raisedAfter ?? .max) >= 8, "seed \(seed): raised \(control.raisedAfter ?? 0) periods in without the silence alone too: the case no longer tests it")
        }
    }

    /// An office cell at 1-minute reporting for three days: its attempts and preambles
    /// (running totals, 20 a minute by day) fall to nothing over half an hour every
    /// evening at 19:00 and come back at 07:00. Returns the raises' hours from the start.
    static func officeEvenings(seed: UInt64, settings: DetectorSettings = DetectorSettings()) -> [Double] {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        var rng = SeededGenerator(seed: seed &+ 2000)
        var attempts = 0.0
        var preambles = 0.0
        for minute in 0..<(3 * 1440) {
            let hour = Double(minute % 1440) / 60
            let open = logistic((hour - 7) / 0.25) * (1 - logistic((hour - 19) / 0.25))
            let rate = 20 * open
            attempts += Self.poisson(rate, &rng)
            preambles += Self.poisson(1.5 * rate, &rng)
            let users = Self.poisson(0.2 + 25 * open, &rng)
            _ = harness.feed(time: start + Double(minute) * 60, [
                "RRC.ConnMean": users,
                "RRU.PrbTotDl": max(0, 0.5 + 0.8 * users + noise.next(0.5)),
                "RRC.ConnEstabAtt": attempts,
                "RACH.PreambleACell": preambles,
            ])
        }
        return harness.raised.map { ($0.timestamp - start) / 3600 }
    }

    @Test("an office whose attempts fall to nothing within half an hour every evening is no silence: the silence detector adds no raise in three days")
    func officeEveningsAreNoSilence() {
        var without = DetectorSettings()
        without.silenceCounts = 0
        for seed: UInt64 in 1...3 {
            let raised = Self.officeEvenings(seed: seed)
            // The other pathways raise on this sharp synthetic day now and then (the first
            // morning); the silence must add nothing to them.
            let withoutSilence = Self.officeEvenings(seed: seed, settings: without)
            #expect(raised == withoutSilence, "seed \(seed): raised at hours \(raised), without the silence \(withoutSilence)")
            // A looser silence (3 counts at half the expected) does add raises in the
            // evenings: the evenings reach the silence detector. (Its joint falls raise at
            // once, however few features: brief, they would otherwise wait and go.)
            var loose = DetectorSettings()
            loose.silenceCounts = 3
            loose.silenceShare = 0.5
            loose.silenceMinimumCount = 0.3
            loose.jointFallAtOnceFeatures = 0
            #expect(Self.officeEvenings(seed: seed, settings: loose) != withoutSilence, "seed \(seed): the evenings never reach the silence detector")
        }
    }

    /// One sample of a cell's load-driven metrics for `users` active users.
    static func cellMetrics(users: Double, perUserThroughput: Double, noise: inout Noise) -> [String: Double] {
        let u = max(users * (1 + noise.next(0.05)), 0)
        return [
            "RRC.ConnMean": u.rounded(),
            "RRU.PrbTotDl": min(95, 3 + 1.1 * u + noise.next(1)),
            "RRU.PrbTotUl": min(95, 2 + 0.6 * u + noise.next(1)),
            "DRB.UEThpDl": perUserThroughput * (1 + noise.next(0.08)),
            "DRB.PdcpSduVolumeDl": u * 40 * (1 + noise.next(0.1)),
            "DRB.PdcpSduVolumeUl": u * 6 * (1 + noise.next(0.1)),
        ]
    }

    @Test("a benign crowd event (six times the users for two hours, all load metrics together) raises nothing")
    func crowdEventExplained() {
        var settings = DetectorSettings()
        settings.explainLoad = true
        var harness = Harness(settings: settings)
        var noise = Noise(12)
        for minute in 0..<(3 * 1440) {
            var users = 4 + 40 * Self.load(minute)
            var throughput = 30_000.0 * (1 - 0.3 * Self.load(minute))
            let sinceStart = minute - (2 * 1440 + 14 * 60)
            if sinceStart >= 0 && sinceStart < 120 {
                let ramp = min(1, Double(sinceStart) / 15, Double(120 - sinceStart) / 15)
                users *= 1 + 5 * ramp
                throughput *= 1 - 0.3 * ramp
            }
            _ = harness.feed(time: start + Double(minute) * 60, Self.cellMetrics(users: users, perUserThroughput: throughput, noise: &noise))
        }
        let crowdStart = start + Double(2 * 1440 + 14 * 60) * 60
        let raisedInCrowd = harness.raised.filter { $0.timestamp >= crowdStart - 600 && $0.timestamp < crowdStart + 3 * 3600 }
        // Not yet: with the load coupling explaining the joint rise (`explainLoad`, off by
        // default) the crowd's arrival passes, but its departure (load features falling
        // while their slow baselines still sit high) raises; by default both raise.
        withKnownIssue("a benign crowd event is raised: features' co-movement is not yet modelled well enough") {
            #expect(raisedInCrowd.isEmpty, "raised: \(raisedInCrowd.map { ($0.timestamp - start) / 3600 })")
        }
    }

    @Test("a sleeping cell that drains over minutes at a busy hour, still reporting, is raised")
    func slowDrain() throws {
        var harness = Harness()
        var noise = Noise(13)
        var raises = 0
        let faultStart = 2 * 1440 + 17 * 60  // day 3, 17:00
        for minute in 0..<(faultStart + 120) {
            var users = 4 + 40 * Self.load(minute)
            var attempts = users * 3
            let since = minute - faultStart
            if since >= 0 {
                let drain = min(1, Double(since) / 6)
                users *= 1 - 0.85 * drain
                attempts *= 1 - drain
            }
            var metrics = Self.cellMetrics(users: users, perUserThroughput: since >= 0 ? 40_000 : 30_000, noise: &noise)
            metrics["RRC.ConnEstabAtt"] = (attempts * (1 + noise.next(0.1))).rounded()
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
            if minute == faultStart - 1 { raises = harness.raised.count }
        }
        #expect(raises == 0, "false alarms before the fault")
        let alert = try #require(harness.raised.first)
        #expect(alert.timestamp >= start + Double(faultStart) * 60)
        #expect(alert.timestamp <= start + Double(faultStart + 30) * 60, "raised \((alert.timestamp - start) / 60 - Double(faultStart)) minutes in")
    }

    /// Minutes after 15:00 on day 3 the first raise came, for a cell reporting every 5
    /// minutes whose users and access attempts drain over `drainMinutes` from 15:00 to a
    /// tenth (a sleeping cell found by fewer and fewer idle users), for 90 minutes; nil
    /// when nothing was raised by then. Raises before the drain fail the test.
    static func drainRaisedAfter(drainMinutes: Double, settings: DetectorSettings) -> Double? {
        var harness = Harness(settings: settings)
        var noise = Noise(23)
        let faultStart = 2 * 1440 + 15 * 60
        var wander = 0.0
        for minute in stride(from: 0, to: faultStart + 90, by: 5) {
            let since = Double(minute - faultStart)
            let drain = since >= 0 ? 1 - 0.9 * min(1, (since + 5) / drainMinutes) : 1
            // Users wander about their day's level by some 14%, over half an hour or so.
            wander = 0.9 * wander + noise.next(0.06)
            let users = (4 + 40 * Self.load(minute)) * exp(wander) * drain
            var metrics = Self.cellMetrics(users: users, perUserThroughput: 30_000, noise: &noise)
            metrics["RRC.ConnEstabAtt"] = (users * 15 * (1 + noise.next(0.1))).rounded()
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
            if minute == faultStart - 5 && !harness.raised.isEmpty { Issue.record("raised before the drain: \(harness.raised.map { ($0.timestamp - start) / 3600 }) h") }
        }
        return harness.raised.first.map { ($0.timestamp - start) / 60 - Double(faultStart) }
    }

    @Test("a sleeping cell whose users and attempts drain to a tenth over an hour at the busy hour, at 5-minute reporting (no sample half the one before), is raised within 45 minutes by its decline (jointDeclineProfile 0: 50 minutes or more)")
    func drainOverAnHour() {
        let raised = Self.drainRaisedAfter(drainMinutes: 60, settings: DetectorSettings())
        #expect(raised.map { $0 <= 45 } == true, "raised \(raised.map { "\($0) minutes in" } ?? "not at all")")
        var control = DetectorSettings()
        control.jointDeclineProfile = 0
        let without = Self.drainRaisedAfter(drainMinutes: 60, settings: control)
        #expect(without.map { $0 >= 50 } ?? true, "without the decline, raised \(without.map { "\($0) minutes in" } ?? ""): the case cannot fail")
    }

    /// The raises (hours from the first sample) of a cell reporting every 15 minutes
    /// whose antenna VSWR, read to a thousandth, sits at 1.200 from the start and rises
    /// by `rise` from 15:00 to 18:00 on its first day (rain in the feeder, or a fault).
    static func vswrRiseOnTheFirstDay(rise: Double, settings: DetectorSettings) -> [Double] {
        var harness = Harness(settings: settings)
        var noise = Noise(29)
        for minute in stride(from: 0, to: 24 * 60, by: 15) {
            var metrics = Self.cellMetrics(users: 4 + 40 * Self.load(minute), perUserThroughput: 30_000, noise: &noise)
            let raining = minute >= 15 * 60 && minute < 18 * 60
            metrics["RU.VswrMean"] = ((1.2 + (raining ? rise : 0) + noise.next(0.0004)) * 1000).rounded() / 1000
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
        }
        return harness.raised.map { ($0.timestamp - start) / 3600 }
    }

    @Test("rain lifting a smooth metric by 2% on a cell's first day (VSWR 1.200 to 1.222, read to a thousandth) raises nothing; a VSWR fault (to 1.7) still does (fastRelativeFloor 0: the rain raises)")
    func smallRiseOfASmoothMetric() {
        let rain = Self.vswrRiseOnTheFirstDay(rise: 0.022, settings: DetectorSettings())
        #expect(rain.isEmpty, "the rain raised at \(rain) h")
        let fault = Self.vswrRiseOnTheFirstDay(rise: 0.5, settings: DetectorSettings())
        #expect(fault.contains { $0 >= 15 && $0 <= 15.5 }, "the fault raised at \(fault) h")
        var control = DetectorSettings()
        control.fastRelativeFloor = 0
        let unfloored = Self.vswrRiseOnTheFirstDay(rise: 0.022, settings: control)
        #expect(!unfloored.isEmpty, "without the floor the rain raised nothing either: the case cannot fail")
    }

    /// A cell reporting every minute whose transport latency climbs 2% a minute from 14:00
    /// on day 3 (an alert of rises, held open), its other metrics `metrics(minute, noise)`,
    /// for `minutes` minutes. Returns the raises from 13:00 on, in minutes from 14:00, with
    /// their evidence: what a second fault under that alert does.
    static func underLatencyClimb(
        settings: DetectorSettings, seed: UInt64, minutes: Int, metrics: (Int, inout Noise) -> [String: Double]
    ) -> [(minute: Double, evidence: [String])] {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        for minute in 0..<minutes {
            var sample = metrics(minute, &noise)
            let climb = max(0, Double(minute - latencyClimbStart))
            sample["TN.LatencyMean"] = 5 * pow(1.02, climb) + noise.next(0.3)
            _ = harness.feed(time: start + Double(minute) * 60, sample)
        }
        let from = start + Double(latencyClimbStart) * 60
        return harness.raised.filter { $0.timestamp >= from - 3600 }.map { (($0.timestamp - from) / 60, $0.evidence.map(\.metric)) }
    }

    /// The minute the latency of ``underLatencyClimb(settings:seed:minutes:metrics:)`` starts climbing.
    static let latencyClimbStart = 2 * 1440 + 14 * 60

    /// ``underLatencyClimb(settings:seed:minutes:metrics:)`` whose users drain at 17:00 (a
    /// sleeping cell).
    static func sleepUnderAnOpenAlert(settings: DetectorSettings) -> [(minute: Double, evidence: [String])] {
        let sleepStart = latencyClimbStart + 180
        return underLatencyClimb(settings: settings, seed: 17, minutes: sleepStart + 90) { minute, noise in
            var users = 4 + 40 * Self.load(minute)
            var attempts = users * 3
            if minute >= sleepStart {
                let drain = min(1, Double(minute - sleepStart) / 6)
                users *= 1 - 0.85 * drain
                attempts *= 1 - drain
            }
            var metrics = Self.cellMetrics(users: users, perUserThroughput: 30_000, noise: &noise)
            metrics["RRC.ConnEstabAtt"] = (attempts * (1 + noise.next(0.1))).rounded()
            return metrics
        }
    }

    @Test("a cell that falls asleep under an open alert of other rises gets an alert of its own (the old one clears); without the turn it is lost in the old alert")
    func sleepUnderAnOpenAlert() throws {
        let raises = Self.sleepUnderAnOpenAlert(settings: DetectorSettings())
        try #require(raises.count == 2, "raises at minutes \(raises.map(\.minute))")
        #expect(raises[0].minute >= 0 && raises[0].minute < 30 && raises[0].evidence.contains("TN.LatencyMean"))
        #expect(raises[1].minute >= 180 && raises[1].minute <= 200, "the fall raised \(raises[1].minute - 180) minutes in")
        #expect(!raises[1].evidence.contains("TN.LatencyMean") && raises[1].evidence.contains("RRC.ConnMean"), "evidence \(raises[1].evidence)")
        var never = DetectorSettings()
        never.turnAfterSeconds = 0
        let control = Self.sleepUnderAnOpenAlert(settings: never)
        #expect(control.count == 1, "the control: raises at minutes \(control.map(\.minute)): the case cannot fail")
    }

    /// A cell reporting every 15 minutes, its load 25% noisy from one interval to the next,
    /// whose users fall to a sixth and access attempts to almost none within one interval
    /// at 10:00 on day 3 (a sleeping cell). Its metrics fall 4-7 sigmas of their
    /// forecasts at once. Returns the intervals into the fault of the first raise, raises
    /// before it, and the first raise's evidence (metric names).
    /// With `again`, the cell wakes after two hours and sleeps again at 10:00 the next
    /// day; the figures are then the second episode's.
    static func sleepingAtQuarterHours(seed: UInt64, settings: DetectorSettings, again: Bool = false)
        -> (raisedAfter: Int?, before: Int, evidence: [String])
    {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        let period = 15
        let firstStart = (2 * 1440 + 10 * 60) / period
        let faultStart = again ? firstStart + 1440 / period : firstStart
        var before = 0
        for interval in 0..<(faultStart + 16) {
            let minute = interval * period
            var users = 4 + 40 * Self.load(minute)
            var attempts = users * 6
            if interval >= faultStart || (again && interval >= firstStart && interval < firstStart + 8) {
                users /= 6
                attempts *= 0.02
            }
            let spread = exp(noise.next(0.25))
            let u = users * spread
            let metrics: [String: Double] = [
                "RRC.ConnMean": (u * 10).rounded() / 10,
                "RRU.PrbTotDl": min(95, 1 + 1.1 * u * exp(noise.next(0.1))),
                "RRU.PrbTotUl": min(95, 1 + 0.6 * u * exp(noise.next(0.1))),
                "TB.TotNbrDl": (9_000 * u * exp(noise.next(0.1))).rounded(),
                "TB.TotNbrUl": (3_000 * u * exp(noise.next(0.1))).rounded(),
                "DRB.UEThpDl": 30_000 * exp(noise.next(0.15)),
                "DRB.PdcpSduVolumeDl": u * 40 * exp(noise.next(0.15)),
                "DRB.PdcpSduVolumeUl": u * 6 * exp(noise.next(0.15)),
                "RRC.ConnEstabAtt": (attempts * spread * exp(noise.next(0.15))).rounded(),
                "HO.ExeAtt": (attempts / 10 * spread * exp(noise.next(0.2))).rounded(),
            ]
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
            if interval == faultStart - 1 { before = harness.raised.count }
        }
        let first = harness.raised.first { $0.timestamp >= start + Double(faultStart * period) * 60 }
        return (first.map { Int(($0.timestamp - start) / 60) / period - faultStart }, before, first?.evidence.map(\.metric) ?? [])
    }

    @Test("a sleeping cell at 15-minute reporting, each metric falling about as far as the dead zone, is raised at its second interval by the joint fall (without it, later)")
    func sleepingAtQuarterHours() {
        var control = DetectorSettings()
        control.jointFallSpikes = 0
        var raised: [Int?] = []
        var evidence: [[String]] = []
        var raisedWithout: [Int?] = []
        for seed: UInt64 in 1...8 {
            let result = Self.sleepingAtQuarterHours(seed: seed, settings: DetectorSettings())
            #expect(result.before == 0, "seed \(seed): false alarms before the fault")
            raised.append(result.raisedAfter)
            evidence.append(result.evidence)
            raisedWithout.append(Self.sleepingAtQuarterHours(seed: seed, settings: control).raisedAfter)
        }
        // The joint fall must persist into a second sample to raise: interval 1.
        #expect(raised.filter { $0 == 1 }.count >= 7, "raised after (intervals): \(raised)")
        // The features that fell with the others carry the alert: they are its evidence.
        #expect(evidence.filter { $0.contains("RRC.ConnMean") }.count >= 7, "the alerts' evidence: \(evidence)")
        #expect(raisedWithout.filter { $0.map { $0 <= 1 } ?? false }.count <= 2,
                "without the joint fall: \(raisedWithout); the case no longer tests it")
    }

    @Test("a cell that sleeps again the next day: habituation to joint falls changes nothing (a lasting fall is no blip)")
    func sleepingAgain() {
        var off = DetectorSettings()
        off.jointFallHabituationSamples = 0
        var raised: [Int?] = []
        for seed: UInt64 in 1...8 {
            let second = Self.sleepingAtQuarterHours(seed: seed, settings: DetectorSettings(), again: true).raisedAfter
            raised.append(second)
            let unhabituated = Self.sleepingAtQuarterHours(seed: seed, settings: off, again: true).raisedAfter
            #expect(second == unhabituated, "seed \(seed): \(String(describing: second)) with habituation, \(String(describing: unhabituated)) without")
        }
        // Measured: at its second interval on six seeds of eight; on two the second
        // episode is not raised, with or without habituation (the first one is).
        #expect(raised.filter { $0 == 1 }.count >= 6, "the second episode raised after (intervals): \(raised)")
    }

    /// An office cell at 15-minute reporting, busy from 08:00, emptied to a fifth within
    /// one interval at 18:00 every day: the days on which its coincidence neuron fired.
    static func officeJointFalls(settings: DetectorSettings) -> [Int] {
        var harness = Harness(settings: settings)
        harness.pipeline.detector.probeCell = "cell-1"
        var noise = Noise(21)
        let period = 15
        for interval in 0..<(5 * 96) {
            let minute = interval * period
            let hour = Double(minute % 1440) / 60
            let users = (8..<18).contains(hour) ? 30.0 : 6.0
            _ = harness.feed(time: start + Double(minute) * 60, Self.cellMetrics(users: users * exp(noise.next(0.1)), perUserThroughput: 30_000, noise: &noise))
        }
        return harness.pipeline.detector.probeLog.filter { $0.events.contains("joint_fall") }.map { Int(($0.time - start) / 86_400) }
    }

    @Test("a drop that comes every day at the same hour (an office emptying at 18:00) fires no joint fall once the day profile knows the hour (without that check, it does)")
    func dailyDropIsNoJointFall() {
        // With the whole 60-sample warm-up (15 hours): the first day's drop falls in it,
        // and the profile learns the hour that day. (With the 6-hour warm-up the first
        // drop is seen and raised, the second fires once more, and from the third day no
        // joint fall fires even without the check: the case would not reach it.)
        var settings = DetectorSettings()
        settings.warmupMostSeconds = 0
        var unchecked = settings
        unchecked.jointFallProfile = -.greatestFiniteMagnitude
        #expect(Self.officeJointFalls(settings: unchecked).contains { $0 >= 1 },
                "without the profile's check no joint fall either: the case no longer tests it")
        let days = Self.officeJointFalls(settings: settings)
        #expect(!days.contains { $0 >= 1 }, "joint falls on days \(days)")
        // With the default warm-up: none from the third day.
        let byDefault = Self.officeJointFalls(settings: DetectorSettings())
        #expect(!byDefault.contains { $0 >= 2 }, "default settings: joint falls on days \(byDefault)")
    }

    /// A cell whose users drain over 90 minutes at its busy hour to its night-time level
    /// (inside everything the day's range has shown): only the hour of the day says it is
    /// wrong. Returns the minutes into the drain of the first raise, and raises before it.
    static func drainToNightLevel(profileDeadZone: Double) -> (raisedAfter: Int?, before: Int) {
        var settings = DetectorSettings()
        settings.profileDeadZone = profileDeadZone
        var harness = Harness(settings: settings)
        var noise = Noise(15)
        let faultStart = 3 * 1440 + 16 * 60  // day 4, 16:00
        var before = 0
        for minute in 0..<(faultStart + 240) {
            var users = 4 + 40 * Self.load(minute)
            let since = minute - faultStart
            if since >= 0 { users = users + (6 - users) * min(1, Double(since) / 90) }
            _ = harness.feed(time: start + Double(minute) * 60, Self.cellMetrics(users: users, perUserThroughput: 30_000, noise: &noise))
            if minute == faultStart - 1 { before = harness.raised.count }
        }
        let first = harness.raised.first { $0.timestamp >= start + Double(faultStart) * 60 }
        return (first.map { Int(($0.timestamp - start) / 60) - faultStart }, before)
    }

    @Test("users drained to the night's level at a busy hour are raised (the day profile; without it they are not); ordinary days are not")
    func drainAtBusyHour() throws {
        #expect(Self.drainToNightLevel(profileDeadZone: 0).raisedAfter == nil, "raised without the day profile: the case no longer tests it")
        let (raisedAfter, before) = Self.drainToNightLevel(profileDeadZone: DetectorSettings().profileDeadZone)
        #expect(before == 0, "false alarms on ordinary days")
        let minutes = try #require(raisedAfter, "the drain was not raised")
        #expect(minutes <= 120, "raised \(minutes) minutes into the drain")
    }

    @Test("a step mid-series on a daily cycle is raised at its start, scored early in it, and not raised again under a new id")
    func stepOnDailyCycle() throws {
        var harness = Harness()
        var noise = Noise(14)
        var scores: [Double] = []
        for i in 0..<1440 {
            let step = (800..<1100).contains(i) ? 20.0 : 0
            let value = 100 + 30 * sin(Double(i) / 1440 * 2 * .pi) + step + noise.next(1)
            scores.append(harness.feed(time: start + Double(i) * 60, ["kpi": value])?.score ?? 0)
        }
        let first = try #require(harness.raised.first { $0.timestamp >= start + 800 * 60 })
        #expect(first.timestamp <= start + 803 * 60, "raised \(Int((first.timestamp - start) / 60) - 800) samples into the step")
        // The score marks the step's start, unless the onset neuron is still refractory
        // from an earlier onset (here the sine's new low near sample 744); it is never held
        // up through the step.
        let refractory = Int(DetectorSettings().onsetRefractoryPeriods)
        let lastOnsetBefore = scores[..<800].lastIndex { $0 > 0 } ?? -refractory
        if 800 - lastOnsetBefore >= refractory {
            #expect(scores[800..<805].contains { $0 > 0 }, "no score at the step's start")
        }
        #expect(scores[800..<1100].filter { $0 > 0 }.count <= 2, "the score stays up through the step")
        let insideStep = harness.raised.filter { $0.timestamp > first.timestamp && $0.timestamp < start + 1100 * 60 }
        #expect(insideStep.isEmpty, "the same step raised again under a new id")
        let atEnd = harness.raised.filter { $0.timestamp >= start + 1100 * 60 && $0.timestamp < start + 1110 * 60 }
        #expect(atEnd.isEmpty, "the step's end raised a new alert")
    }

    @Test("a long fault keeps one alert, cleared only after it ends")
    func longFault() throws {
        var harness = Harness()
        var noise = Noise(15)
        let faultStart = 1440
        let faultEnd = faultStart + 8 * 60
        for i in 0..<(faultEnd + 120) {
            let shift = (faultStart..<faultEnd).contains(i) ? 25.0 : 0
            _ = harness.feed(time: start + Double(i) * 60, ["kpi": 100 + 10 * Self.load(i) + shift + noise.next(1)])
        }
        let during = harness.raised.filter { $0.timestamp >= start + Double(faultStart) * 60 && $0.timestamp < start + Double(faultEnd) * 60 }
        #expect(during.count == 1, "\(during.count) alerts for one fault")
        let alert = try #require(during.first)
        let cleared = try #require(harness.transitions.first { $0.id == alert.id && $0.state == .cleared })
        #expect(cleared.timestamp >= start + Double(faultEnd) * 60, "cleared \(Int((cleared.timestamp - start) / 60) - faultStart) minutes into an 8-hour fault")
        #expect(cleared.timestamp <= start + Double(faultEnd + 60) * 60)
    }

    /// A cell's uplink block errors at 15-minute reporting (counts per interval, 8.5% of
    /// about 100,000 blocks) that jump to 20% for four hours, then ease back over about
    /// four (interference fading). A ratio of many counts is smooth: its forecast's sigma
    /// is a hundredth of the fault, and a level learning at the frozen gain, a few sigmas
    /// a sample, trails the value for many hours. Returns the alerts raised from the
    /// fault's start to the end of the run, and the hours after the fault at which the
    /// first cleared (nil: it did not).
    static func easingFault(settings: DetectorSettings, seed: UInt64) -> (raises: Int, clearedAfter: Double?) {
        var harness = Harness(settings: settings)
        var noise = Noise(seed)
        let period = 900.0
        let faultStart = 2 * 96 + 40  // day 3, 10:00
        let faultEnd = faultStart + 16
        for i in 0..<(faultEnd + 60) {
            var rate = 0.085
            if i >= faultStart && i < faultEnd { rate = 0.2 }
            if i >= faultEnd { rate = 0.085 + 0.115 * exp(-Double(i - faultEnd) / 3) }
            let blocks = (100_000 * exp(noise.next(0.1))).rounded()
            let errors = (blocks * rate * (1 + noise.next(0.01))).rounded()
            _ = harness.feed(time: start + Double(i) * period, ["TB.TotNbrUl": blocks, "TB.ErrTotNbrUl": errors])
        }
        let raises = harness.raised.filter { $0.timestamp >= start + Double(faultStart) * period }
        let cleared = raises.first.flatMap { raised in harness.transitions.first { $0.id == raised.id && $0.state == .cleared } }
        return (raises.count, cleared.map { ($0.timestamp - start - Double(faultEnd) * period) / 3600 })
    }

    @Test("a smooth ratio's fault that eases back clears once the ratio is back, not while its trailing level catches up")
    func easingFaultClears() {
        var held = DetectorSettings()
        held.returnBand = 0
        // Since session 18 a scale that learns while the shift is accepted clears it
        // sooner too: the control has neither.
        held.acceptedScaleLearns = false
        for seed: UInt64 in 16...19 {
            // The rate is within its noise of normal about 4 hours after the fault, the
            // ratio's leaky sums about an hour later; then 90 quiet minutes clear.
            let result = Self.easingFault(settings: DetectorSettings(), seed: seed)
            #expect(result.raises == 1, "seed \(seed): \(result.raises) alerts for one fault")
            let hours = result.clearedAfter
            #expect(hours.map { $0 > 0 && $0 <= 7 } ?? false, "seed \(seed): cleared \(String(describing: hours)) hours after the fault")
            let heldFor = Self.easingFault(settings: held, seed: seed)
            #expect(heldFor.raises >= 1 && (heldFor.clearedAfter.map { $0 >= 8 } ?? true),
                    "seed \(seed): without the return to the slow baseline cleared after \(String(describing: heldFor.clearedAfter)) hours: the case no longer tests it")
        }
    }

    @Test("with the bundled model, a fault on a metric set the model never saw is named anomaly")
    func unknownMetricSet() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/fault-classes.json")
        let model = try FaultClassifier(json: Data(contentsOf: url))
        var harness = Harness()
        harness.pipeline = Pipeline(detector: SpikingDetector(classifier: model))
        var noise = Noise(16)
        for i in 0..<900 {
            let users = i >= 800 ? 3.0 : 60
            _ = harness.feed(time: start + Double(i) * 60, [
                "ues_connected": (users + noise.next(2)).rounded(), "cell_load_pct": users * 1.2 + noise.next(1),
            ])
        }
        let alert = try #require(harness.raised.first)
        #expect(alert.kind == "anomaly")
        #expect(harness.transitions.allSatisfy { $0.kind == "anomaly" })
    }

    /// A venue cell reporting every 5 minutes whose connected users rise fivefold for an
    /// hour on each of days 2-4 (an event at a different hour each day), nothing else
    /// moving; with `alone`, the users are its only metric. Returns the days (0-based) on
    /// which an alert was raised during an event.
    /// With `restartAt`, the detector is checkpointed and restored before that interval.
    static func recurringEvents(settings: DetectorSettings, alone: Bool = false, restartAt: Int? = nil) throws -> [Int] {
        var harness = Harness(settings: settings)
        var noise = Noise(31)
        let eventStarts = [1: 14 * 60, 2: 17 * 60, 3: 12 * 60]
        var days: [Int] = []
        for interval in 0..<(4 * 288) {
            let minute = interval * 5
            let day = minute / 1440
            var metrics = Self.cellMetrics(users: 4 + 40 * Self.load(minute), perUserThroughput: 30_000, noise: &noise)
            var inEvent = false
            if let begin = eventStarts[day] {
                let since = minute % 1440 - begin
                if since >= 0 && since < 60 {
                    inEvent = true
                    metrics["RRC.ConnMean"] = (metrics["RRC.ConnMean"] ?? 0) * (1 + 4 * min(1, Double(since + 5) / 15))
                }
            }
            if alone { metrics = metrics.filter { $0.key == "RRC.ConnMean" } }
            if interval == restartAt {
                let restored = try Checkpoint.decode(
                    try Checkpoint(tracker: harness.pipeline.tracker, detector: harness.pipeline.detector).encoded())
                harness.pipeline = Pipeline(detector: restored.detector, tracker: restored.tracker)
            }
            let before = harness.raised.count
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
            if inEvent && harness.raised.count > before && days.last != day { days.append(day) }
        }
        return days
    }

    @Test("a feature whose rise keeps carrying alerts habituates: a venue's third event in three days is not raised (without habituation it is); a stream of that feature alone raises each")
    func recurringEventsHabituate() throws {
        // Each alert the users' rise carried divides its later weight on the evidence
        // neuron by one plus the count: the first event is raised 10 minutes in, the
        // second 20, the third (about 0.4 a spike, at the edge of what one feature firing
        // every sample builds against the leak) not within its hour (a longer one is
        // raised some 75 minutes in: habituation delays, it does not forbid).
        let days = try Self.recurringEvents(settings: DetectorSettings())
        #expect(days == [1, 2], "raised on days \(days)")
        // The habituation is learned state: a checkpoint between the second and the third
        // event keeps it.
        let resumed = try Self.recurringEvents(settings: DetectorSettings(), restartAt: 3 * 288)
        #expect(resumed == days, "restored from a checkpoint on day 4: raised on days \(resumed)")
        var control = DetectorSettings()
        control.episodeHabituationHours = 0
        let without = try Self.recurringEvents(settings: control)
        #expect(without == [1, 2, 3], "without habituation raised on days \(without): the case cannot fail")
        let alone = try Self.recurringEvents(settings: DetectorSettings(), alone: true)
        #expect(alone == [1, 2, 3], "one feature alone raised on days \(alone)")
    }

    /// A cell at one-minute reporting over two days whose transport round trip and loss
    /// jump tenfold at 14:00 on the second day for `minutes`. Returns the minutes after
    /// 14:00 of its raises from then on. With `throughputFalls`, only the round trip
    /// jumps, and both per-user throughputs fall to a fifth with it; with `restoredRun`,
    /// the cell's run of evidence is set to those times an hour before.
    static func transportJump(
        minutes: Int, settings: DetectorSettings = DetectorSettings(), throughputFalls: Bool = false,
        restoredRun: (since: Double, last: Double)? = nil
    ) -> [Double] {
        var harness = Harness(settings: settings)
        var noise = Noise(53)
        let jump = 1440 + 14 * 60
        for minute in 0..<(jump + 120) {
            if let restoredRun, minute == jump - 60 {
                // A checkpoint's run of evidence, as restored an hour before the jump.
                harness.pipeline.detector.cells["cell-1"]?.activeSince = restoredRun.since
                harness.pipeline.detector.cells["cell-1"]?.lastActive = restoredRun.last
            }
            var metrics = cellMetrics(users: 4 + 40 * load(minute), perUserThroughput: 30_000, noise: &noise)
            let jumped = minute >= jump && minute < jump + minutes
            metrics["TN.RttMs"] = (jumped ? 10 : 1) * (4 + noise.next(0.2))
            // (A latency blip with the throughputs: no loss.)
            metrics["TN.LossPct"] = (jumped && !throughputFalls ? 10 : 1) * (0.05 + abs(noise.next(0.01)))
            if throughputFalls {
                // TCP slows with the delay: both per-user throughputs fall to a fifth.
                metrics["DRB.UEThpUl"] = 8_000 * (1 + noise.next(0.08))
                if jumped {
                    metrics["DRB.UEThpDl"] = metrics["DRB.UEThpDl"].map { 0.2 * $0 }
                    metrics["DRB.UEThpUl"] = metrics["DRB.UEThpUl"].map { 0.2 * $0 }
                }
            }
            _ = harness.feed(time: start + Double(minute) * 60, metrics)
        }
        let from = start + Double(jump) * 60
        return harness.raised.filter { $0.timestamp >= from }.map { ($0.timestamp - from) / 60 }
    }

    @Test("at one-minute reporting a transport blip of two minutes raises nothing, the same jump lasting ten minutes is raised within five (raiseAfterSeconds 0: the blip raises)")
    func transportBlipAtOneMinute() {
        let blip = Self.transportJump(minutes: 2)
        #expect(blip.isEmpty, "the blip raised at minutes \(blip)")
        let fault = Self.transportJump(minutes: 10)
        #expect(fault.count == 1 && fault.allSatisfy { $0 <= 5 }, "the ten-minute jump raised at minutes \(fault)")
        var control = DetectorSettings()
        control.raiseAfterSeconds = 0
        let controlBlip = Self.transportJump(minutes: 2, settings: control)
        #expect(!controlBlip.isEmpty, "the control raised nothing on the blip: the case cannot fail")
    }

    @Test("at one-minute reporting a latency blip of three minutes (the round trip tenfold, no loss) under which both per-user throughputs fall to a fifth (a joint fall of two features) raises nothing, the same lasting ten minutes is raised within five (jointFallAtOnceFeatures 0: the blip's joint fall raises at once)")
    func blipWithThroughputAtOneMinute() {
        let blip = Self.transportJump(minutes: 3, throughputFalls: true)
        #expect(blip.isEmpty, "the blip raised at minutes \(blip)")
        let fault = Self.transportJump(minutes: 10, throughputFalls: true)
        #expect(fault.count == 1 && fault.allSatisfy { $0 <= 5 }, "the ten-minute jump raised at minutes \(fault)")
        var control = DetectorSettings()
        control.jointFallAtOnceFeatures = 0
        let controlBlip = Self.transportJump(minutes: 3, settings: control, throughputFalls: true)
        #expect(!controlBlip.isEmpty, "the control raised nothing on the blip: the case cannot fail")
    }

    @Test("a restored run of evidence whose times are not finite or lie ahead does not hold a raise back: a ten-minute transport jump is still raised within five")
    func restoredRunTimesCannotSilence() {
        for (since, last) in [(Double.infinity, Double.infinity), (.nan, .nan), (start + 1e9, start + 1e9), (-.infinity, start)] {
            let raisedAt = Self.transportJump(minutes: 10, restoredRun: (since, last))
            #expect(raisedAt.count == 1 && raisedAt.allSatisfy { $0 >= 0 && $0 <= 5 }, "restored (\(since), \(last)): raised at minutes \(raisedAt)")
        }
    }
}
