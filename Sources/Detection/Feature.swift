#if canImport(Glibc)
import Glibc
#endif

/// What a raw metric turned out to be, judged by its behaviour.
enum MetricBehaviour: String, Codable, Sendable {
    /// Still watching (the first samples).
    case undecided
    /// A level: used as it is.
    case gauge
    /// A cumulative counter: never decreases except at a reset; used as a per-second rate.
    case counter
}

/// What the cell knows of one raw metric.
struct MetricTrack: Codable, Sendable {
    var name: String
    var behaviour = MetricBehaviour.undecided
    var lastValue: Double?
    var lastTime: Double?
    var observations = 0
    var decreases = 0
    var increases = 0
    var allIntegral = true
    /// The smallest nonzero step seen between successive values: the reporting resolution.
    var resolution = Double.infinity
    /// For a counter: the increase over the last interval and its length, if any.
    var lastDelta: Double?
    var lastInterval: Double?
    /// For a counter: running means of its increases per second and of its intervals
    /// (nil until one was seen), to tell a wrap from a restart.
    var recentRate: Double?
    var recentInterval: Double?
    /// For a counter: its recent small steps down, each fading by a tenth a sample (nil:
    /// none). One is a sample older than the last, delivered late: it is skipped. From
    /// ``stepDownsOfAGauge`` the metric is a level after all.
    var stepDowns: Double?
    /// The first values and their times (up to ``earlySamples``), kept until the metric
    /// is decided and that many were seen, or until it shows a fraction (no count): the
    /// data that tells which attempts a success count is a share of when the names do not
    /// say (``CellModel/measuredDenominator(of:)``).
    var earlyValues: [Double]?
    var earlyTimes: [Double]?
    /// Values kept in ``earlyValues``.
    static let earlySamples = 30

    /// The widths at which counters wrap: 32 bits, 31 (a total kept non-negative in a
    /// signed 32-bit integer), the 53 bits a double holds exactly (docs/telemetry.md asks
    /// for counters wrapped there), 64 bits.
    static let wrapWidths: [Double] = [4_294_967_296, 2_147_483_648, 9_007_199_254_740_992, 18_446_744_073_709_551_616]
    /// How many times its recent rate a wrapped counter may have risen by for the fall to
    /// count as a wrap rather than a restart from zero.
    static let wrapRateFactor = 4.0

    /// The increase of a counter that fell from `previous` to `value` over `interval`
    /// seconds if it wrapped at one of ``wrapWidths``: the smallest such increase within
    /// ``wrapRateFactor`` times its recent rate, or nil (a restart from zero). Only over
    /// an interval shorter than a reporting gap (2.5 of its usual: one lost sample is
    /// not one): a fall across a gap is a restart after an outage.
    func wrappedIncrease(from previous: Double, to value: Double, over interval: Double) -> Double? {
        guard let rate = recentRate, rate > 0, rate.isFinite, let usual = recentInterval, usual.isFinite,
              interval > 0, interval <= 2.5 * usual, value >= 0
        else { return nil }
        for width in Self.wrapWidths where previous < width && previous >= width / 2 {
            let increase = width - previous + value
            if increase <= Self.wrapRateFactor * rate * interval { return increase }
        }
        return nil
    }

    init(name: String) { self.name = name }

    /// The increase of a fall from within a 64th of a wrap width below it to within a
    /// 64th above zero, if any: a wrap whatever the rate (no level sits just under 2^32
    /// and drops to nothing).
    static func wrapNearWidth(from previous: Double, to value: Double) -> Double? {
        guard value >= 0 else { return nil }
        for width in wrapWidths where previous < width && previous >= width * (1 - 1.0 / 64) && value < width / 64 {
            return width - previous + value
        }
        return nil
    }

    /// Folds one increase over `interval` seconds into the running means of a counter's
    /// rate and interval. (A running mean that is not finite, from a restored checkpoint
    /// or an increase past a double, starts over from this interval.)
    static func learnRate(_ delta: Double, over interval: Double, rate: inout Double?, interval usual: inout Double?) {
        guard interval.isFinite, case let perSecond = delta / interval, perSecond.isFinite else { return }
        rate = rate.flatMap { $0.isFinite ? $0 + 0.1 * (perSecond - $0) : nil } ?? perSecond
        usual = usual.flatMap { $0.isFinite ? $0 + 0.1 * (interval - $0) : nil } ?? interval
    }

    /// Observations needed before deciding gauge or counter.
    static let decisionSamples = 20
    /// Observations after which a metric that has risen too rarely to tell, and never
    /// fallen, is decided anyway (until then it is not watched).
    static let sparseDecisionSamples = 100
    /// Rises, with never a fall, after which a metric in whole numbers decided as a level
    /// becomes a counter.
    static let risesOfACounter = 20
    /// Recent steps down (fading by a tenth a sample: three in a row) that make a counter
    /// a level.
    static let stepDownsOfAGauge = 2.5

    /// Records a value (``observe(_:at:)``) in one access to the track: what it was before
    /// (its behaviour, its last value or 0), whether this was a counter reset, and what
    /// it is now. (Read field by field through an array's subscript, each read could copy
    /// the whole track: every sample 26-50% slower in one build.)
    mutating func observeNoting(_ value: Double, at time: Double)
        -> (before: MetricBehaviour, previousTotal: Double, reset: Bool, after: MetricBehaviour)
    {
        let before = behaviour
        let previousTotal = lastValue ?? 0
        let reset = observe(value, at: time)
        return (before, previousTotal, reset, behaviour)
    }

    /// Records a value; returns true if it was a counter reset.
    mutating func observe(_ value: Double, at time: Double) -> Bool {
        var reset = false
        lastDelta = nil
        lastInterval = nil
        if value != value.rounded() { allIntegral = false }
        stepDowns = stepDowns.map { $0 * 0.9 }.flatMap { $0 > 0.01 ? $0 : nil }
        if let previous = lastValue, let previousTime = lastTime {
            let step = abs(value - previous)
            if step > 0 { resolution = min(resolution, step) }
            // Still undecided, a fall that a total wrapping explains (at the rate its rises
            // so far show, or, whatever the rate, from just under a width to just over
            // zero) is a rise: a volume counter that wraps in its first samples is not a
            // level.
            let undecidedWrap = behaviour == .undecided && value < previous && time > previousTime
                ? wrappedIncrease(from: previous, to: value, over: time - previousTime) ?? Self.wrapNearWidth(from: previous, to: value)
                : nil
            if value < previous && undecidedWrap == nil { decreases += 1 } else if value != previous { increases += 1 }
            switch behaviour {
            case .counter:
                if value < 0 {
                    // A value below zero, which no running total takes (a glitch, or -1
                    // for "unavailable"): skipped, the total is taken up again when it
                    // comes back, and the metric stays a counter however long it lasts.
                    observations += 1
                    return false
                }
                if value < previous {
                    if time > previousTime, let increase = wrappedIncrease(from: previous, to: value, over: time - previousTime) {
                        // It wrapped (a 32-bit total passing 4,294,967,295): the increase
                        // goes on, no restart.
                        lastDelta = increase
                        lastInterval = time - previousTime
                    } else if value < previous * 0.5 {
                        reset = true  // restarted from (near) zero
                    } else if (stepDowns ?? 0) + 1 < Self.stepDownsOfAGauge {
                        // One step down: a sample older than the last, delivered late (a
                        // collector's backlog). It is skipped; the next increase is taken
                        // from the newest value.
                        stepDowns = (stepDowns ?? 0) + 1
                        observations += 1
                        return false
                    } else {
                        behaviour = .gauge  // a counter does not keep stepping down: it was a gauge
                        stepDowns = nil
                    }
                } else if time > previousTime {
                    lastDelta = value - previous
                    lastInterval = time - previousTime
                }
                if let delta = lastDelta, let interval = lastInterval {
                    Self.learnRate(delta, over: interval, rate: &recentRate, interval: &recentInterval)
                }
            case .undecided:
                if time > previousTime, let increase = undecidedWrap ?? (value >= previous ? value - previous : nil) {
                    Self.learnRate(increase, over: time - previousTime, rate: &recentRate, interval: &recentInterval)
                }
                if observations + 1 >= Self.decisionSamples {
                    // Integral counters (events) may stand still for a while; a counter
                    // of amounts (volume in kilobytes, energy) reported with fractions
                    // must also rise on most steps, so a gauge that happens to creep up
                    // over the first samples is rarely taken for one.
                    let rising = allIntegral ? Self.decisionSamples / 4 : Self.decisionSamples * 3 / 4
                    if decreases > 0 {
                        behaviour = .gauge
                    } else if increases >= rising {
                        behaviour = .counter
                    } else if observations + 1 >= Self.sparseDecisionSamples {
                        // A counter of rare events (handovers on a quiet cell) rises only
                        // now and then; a gauge that never once fell is most likely one.
                        behaviour = allIntegral && increases >= 2 ? .counter : .gauge
                    }
                }
            case .gauge:
                // A level in whole numbers that has only ever risen, many times over, is a
                // counter after all: one of rare events that had not risen twice in its
                // first 100 samples (handovers at night, counted every few seconds).
                if decreases == 0 && allIntegral && increases >= Self.risesOfACounter { behaviour = .counter }
            }
        }
        if observations < Self.earlySamples && allIntegral {
            if earlyValues == nil {
                earlyValues = []
                earlyValues?.reserveCapacity(Self.earlySamples)
                earlyTimes = []
                earlyTimes?.reserveCapacity(Self.earlySamples)
            }
            earlyValues?.append(value)
            earlyTimes?.append(time)
        } else if earlyValues != nil && (behaviour != .undecided || !allIntegral) {
            earlyValues = nil
            earlyTimes = nil
        }
        observations += 1
        lastValue = value
        lastTime = time
        return reset
    }
}

/// How a feature is computed from the raw metrics.
enum FeatureSource: Codable, Sendable, Equatable {
    /// A gauge, as reported.
    case gauge(metric: Int)
    /// A counter's increase per second.
    case rate(metric: Int)
    /// `numerator / denominator`, from counter increases (or gauge values) in the same interval.
    case ratio(numerator: Int, denominator: Int)
}

/// One feature's expectation: a damped-trend forecaster of the next value, a slow
/// baseline, their learned error scales and a noise model, all in a transformed space.
struct Feature: Codable, Sendable {
    var name: String
    var source: FeatureSource
    /// Indices of this feature's ON and OFF neurons in the cell's feature population.
    var onNeuron: Int
    var offNeuron: Int

    /// Values seen before the transform is fixed.
    var warmupValues: [Double] = []
    /// asinh scale: y = asinh(x / scale); 0 = identity (for ratios).
    var scale = 0.0
    var samples = 0
    var level = 0.0
    var trend = 0.0
    var meanAbsoluteError = 0.0
    var slowLevel = 0.0
    var slowMeanAbsoluteDeviation = 0.0
    /// Reporting resolution in raw units (the noise floor).
    var resolution = 0.0
    /// The last raw value, and the forecast and sigma it was judged by (transformed
    /// units): the normal range for evidence is computed from them only when needed.
    var lastValue = 0.0
    var lastForecast = 0.0
    var lastSigma = 0.0
    /// Surprise spikes sent while the current alert is active (for the class readout).
    var alertSpikes = (on: 0, off: 0)
    /// For a ratio of counters: leaky sums of the numerator and denominator increases,
    /// so a ratio is judged on a few intervals' worth of attempts, not one.
    var numeratorSum = 0.0
    var denominatorSum = 0.0
    /// For a ratio of counters: the mean attempts per interval (zero intervals included),
    /// which sets how many intervals the leaky sums span.
    var attemptsPerInterval = 0.0
    /// For a ratio of counts: its long-run rate, which judges the leaky sums' recent rate.
    var ratioBaseline = RatioBaseline()
    /// Consecutive surprising samples (the fast expectation's freeze has a time limit).
    var surprisingStreak = 0
    /// The shift (transformed units, signed; 0 = none) the fast expectation accepted after
    /// `freezeHours` of surprise, kept until the value steps back by about as much (the
    /// episode ended: re-anchor, no new surprise), until, outside an alert, it has lasted
    /// the slow baseline's span, or until the level is back inside the day's range. With
    /// `holdShiftedAlerts`, an alert this feature carries stays open while it is kept.
    var acceptedShift = 0.0
    /// Samples since the shift was accepted: after the slow baseline's span it is the new
    /// normal (outside an alert).
    var acceptedShiftAge = 0
    /// The residual at the first sample of the current surprising streak (the step as
    /// first seen, before a cycle under it moved on).
    var streakStartResidual = 0.0
    /// The smallest value seen (normal ranges of never-negative metrics stop at 0).
    var minimumSeen = Double.infinity
    /// The day's range at the last sample (transformed units; unit 0 until it is ready).
    var lastEnvelope = (low: 0.0, high: 0.0, unit: 0.0)
    /// The range the level kept over the last day: its max and min per hour, 24 slots
    /// (transformed units), the current slot, and samples in it.
    /// The current slot's entry lives in `currentHourHigh`/`currentHourLow` while its hour
    /// runs (the arrays' entry is written back when it ends), so a sample touches no array:
    /// 40 separately allocated buffers per cell were the detector's main cache misses.
    var hourHigh: [Double] = []
    var hourLow: [Double] = []
    var hourSlot = 0
    var hourSamples = 0
    /// Slots in use (`hourHigh.count`, kept here so a sample need not read the array).
    var hourCount = 0
    var currentHourHigh = 0.0
    var currentHourLow = 0.0
    /// Max and min over the slots other than the current one (recomputed once an hour).
    var otherHoursHigh = -Double.infinity
    var otherHoursLow = Double.infinity
    /// The highest and lowest the level held at each hour slot on the days before the
    /// last (24 each, NaN where none yet; empty until a day of hours has rolled over, or
    /// with ``DetectorSettings/envelopeEarlierKeep`` 0). An hour's extreme of the day
    /// before joins when its slot is overwritten; an older, wider one fades towards it by
    /// `1 - envelopeEarlierKeep` a day.
    var earlierHourHigh: [Double] = []
    var earlierHourLow: [Double] = []
    /// The lowest the level held in this hour a day before (transformed units; nil until
    /// a day of hours was kept): how low the hour usually gets, however low the feature
    /// is now. The lowest, not the middle: the hour a layer switched off in held its day
    /// level and its night, and the middle of the two ranks among the busy hours.
    var lastDayThisHour: Double?
    /// The drift neuron's accumulated forecast error upward and downward (sigmas beyond
    /// the leak, one-sided CUSUMs; see `DetectorSettings.driftLeak`).
    var driftUp = 0.0
    var driftDown = 0.0
    /// Contexts the feature has shown (the novelty pathway).
    var contexts = ContextNovelty()
    /// How the feature's level moves with the cell's common mode (the mean of its
    /// features' slow deviations): leaky moments over about a day, from samples outside
    /// alerts. A feature that rises and falls with the cell's load correlates strongly.
    var coMoment = 0.0
    var ownMoment = 0.0
    /// This sample's surprise spikes, held between the two passes over the features
    /// (transient, not checkpointed).
    var pendingOn = 0
    var pendingOff = 0
    /// This sample left everything the feature has shown (a range break past one
    /// margin), held for the second pass (transient).
    var pendingRangeBreak = false
    /// This sample's spikes onto the cell's coincidence neuron, held for the second pass
    /// (transient): if it fires, they count as this feature's OFF spikes of the episode.
    var pendingFall = 0
    /// A decline (``CellModel/declineSigmas``): samples in a row the forecast was missed
    /// downward, and the forecast (metric units) when the run began.
    var declineSamples = 0
    var declineFrom = 0.0
    /// The silence detector, for a count per interval: the count expected when the run
    /// of near-silent intervals began, the counts missed since, and the run's length.
    var silenceExpected = 0.0
    var silenceMissed = 0.0
    var silenceLength = 0
    /// Hours of the day (bit h: the clock's hour h) in which the count stood at nothing
    /// (below `silenceMinimumCount`) in half its intervals or more, as each last ended;
    /// which hours have ended at least once; and the hour being kept (absolute,
    /// `Int64.min` before any) with its intervals so far and those at nothing. A count
    /// at nothing in this hour a day before (the seconds a layer slept, 0 by day) is no
    /// silence alone.
    var silentHours: UInt32 = 0
    var keptHours: UInt32 = 0
    var silentHourNow = Int64.min
    var countsThisHour = 0
    var nothingThisHour = 0
    /// The hour before the one being kept, as it was a day before (its bit now holds
    /// today's).
    var hourBeforeADayBefore = false
    /// The warm-up is over (``stillWarming(settings:samplesPerHour:)``); it does not begin
    /// again.
    var warmedUp = false
    /// Episode habituation per direction: a count of the raised alerts this feature's
    /// rises (`on`) or falls (`off`) carried, fading with time, and when it last changed
    /// (seconds). A feature whose rises keep carrying alerts (a venue's crowds) needs more
    /// evidence to raise again (``DetectorSettings/episodeHabituationHours``).
    var episodeHabituation = (on: 0.0, off: 0.0)
    var episodeHabituationTime = 0.0
    /// This sample's clipped slow deviation (NaN when the slow baseline is not ready),
    /// for the coupling's second pass (transient).
    var lastSlowDeviation = Double.nan
    /// How the feature moves with the cell's earlier features (its relations).
    var relation = Relation()
    /// This sample's value (NaN when absent), for the relations (transient).
    var sampleValue = Double.nan
    /// This sample sent the feature's neurons spikes (before any relation gate; transient).
    var sampleSpiked = false
    /// Habituation: a leaky count of this feature's recent novelty; a feature that is
    /// often novel needs more to drive the onset neuron.
    var habituation = 0.0
    /// The level per hour of the day, learned over days.
    var profile = DayProfile()
    /// How noisy the feature is per hour of the day, learned over days.
    var hourNoise = HourNoise()
    /// What the two hourly slots enclosing the current half hour hold, read from the
    /// slot arrays once per half hour rather than per sample (the arrays' cache misses
    /// were a sixth of a sample's time at a thousand cells), and the half hour each was
    /// read for; a fold into a slot invalidates its cache (transient, not checkpointed).
    var profileSlots: (Double, Double)?
    var profileSlotsKey = Int64.min
    var noiseStep: Double?
    var noiseStepKey = Int64.min

    enum CodingKeys: String, CodingKey {
        case name, source, onNeuron, offNeuron, warmupValues, scale, samples, level, trend, meanAbsoluteError
        case slowLevel, slowMeanAbsoluteDeviation, resolution, lastValue, lastForecast, lastSigma, alertOn, alertOff
        case numeratorSum, denominatorSum, surprisingStreak, acceptedShift, acceptedShiftAge, streakStartResidual, minimumSeen, envelopeLow, envelopeHigh, envelopeUnit, hourHigh, hourLow, hourSlot, hourSamples, otherHoursHigh, otherHoursLow, lastDayThisHour, earlierHourHigh, earlierHourLow
        case contexts, habituation, coMoment, ownMoment, profile, hourNoise, attemptsPerInterval, ratioBaseline
        case driftUp, driftDown, silenceExpected, silenceMissed, silenceLength, relation, warmedUp
        case episodeHabituationOn, episodeHabituationOff, episodeHabituationTime
        case declineSamples, declineFrom
        case silentHours, keptHours, silentHourNow, countsThisHour, nothingThisHour, hourBeforeADayBefore
    }

    init(name: String, source: FeatureSource, onNeuron: Int, offNeuron: Int) {
        self.name = name
        self.source = source
        self.onNeuron = onNeuron
        self.offNeuron = offNeuron
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        source = try c.decode(FeatureSource.self, forKey: .source)
        onNeuron = try c.decode(Int.self, forKey: .onNeuron)
        offNeuron = try c.decode(Int.self, forKey: .offNeuron)
        warmupValues = try c.decode([Double].self, forKey: .warmupValues)
        scale = try c.decode(Double.self, forKey: .scale)
        samples = try c.decode(Int.self, forKey: .samples)
        level = try c.decode(Double.self, forKey: .level)
        trend = try c.decode(Double.self, forKey: .trend)
        meanAbsoluteError = try c.decode(Double.self, forKey: .meanAbsoluteError)
        slowLevel = try c.decode(Double.self, forKey: .slowLevel)
        slowMeanAbsoluteDeviation = try c.decode(Double.self, forKey: .slowMeanAbsoluteDeviation)
        resolution = try c.decode(Double.self, forKey: .resolution)
        lastValue = try c.decode(Double.self, forKey: .lastValue)
        lastForecast = try c.decode(Double.self, forKey: .lastForecast)
        lastSigma = try c.decode(Double.self, forKey: .lastSigma)
        alertSpikes = (try c.decode(Int.self, forKey: .alertOn), try c.decode(Int.self, forKey: .alertOff))
        numeratorSum = try c.decode(Double.self, forKey: .numeratorSum)
        denominatorSum = try c.decode(Double.self, forKey: .denominatorSum)
        surprisingStreak = try c.decode(Int.self, forKey: .surprisingStreak)
        acceptedShift = try c.decode(Double.self, forKey: .acceptedShift)
        acceptedShiftAge = try c.decode(Int.self, forKey: .acceptedShiftAge)
        streakStartResidual = try c.decode(Double.self, forKey: .streakStartResidual)
        minimumSeen = try c.decode(Double.self, forKey: .minimumSeen)
        lastEnvelope = (
            try c.decode(Double.self, forKey: .envelopeLow), try c.decode(Double.self, forKey: .envelopeHigh),
            try c.decode(Double.self, forKey: .envelopeUnit)
        )
        hourHigh = try c.decode([Double].self, forKey: .hourHigh)
        hourLow = try c.decode([Double].self, forKey: .hourLow)
        hourSlot = try c.decode(Int.self, forKey: .hourSlot)
        guard hourHigh.count == hourLow.count, hourHigh.count <= 24, hourSlot >= 0, samples < 10 || !hourHigh.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .hourHigh, in: c, debugDescription: "hourly envelope slots do not match")
        }
        hourCount = hourHigh.count
        if hourCount > 0 {
            currentHourHigh = hourHigh[hourSlot % hourCount]
            currentHourLow = hourLow[hourSlot % hourCount]
        }
        hourSamples = try c.decode(Int.self, forKey: .hourSamples)
        otherHoursHigh = try c.decode(Double.self, forKey: .otherHoursHigh)
        otherHoursLow = try c.decode(Double.self, forKey: .otherHoursLow)
        lastDayThisHour = try c.decodeIfPresent(Double.self, forKey: .lastDayThisHour)
        earlierHourHigh = try c.decodeIfPresent([Double].self, forKey: .earlierHourHigh) ?? []
        earlierHourLow = try c.decodeIfPresent([Double].self, forKey: .earlierHourLow) ?? []
        guard earlierHourHigh.count == earlierHourLow.count, earlierHourHigh.isEmpty || earlierHourHigh.count == 24,
              !(earlierHourHigh + earlierHourLow).contains(where: \.isInfinite)
        else {
            throw DecodingError.dataCorruptedError(forKey: .earlierHourHigh, in: c, debugDescription: "the earlier days' hourly extremes are not 24 slots of numbers")
        }
        contexts = try c.decode(ContextNovelty.self, forKey: .contexts)
        habituation = try c.decode(Double.self, forKey: .habituation)
        coMoment = try c.decode(Double.self, forKey: .coMoment)
        ownMoment = try c.decode(Double.self, forKey: .ownMoment)
        profile = try c.decodeIfPresent(DayProfile.self, forKey: .profile) ?? DayProfile()
        guard profile.levels.isEmpty || (profile.levels.count == 24 && profile.days.count == 24) else {
            throw DecodingError.dataCorruptedError(forKey: .profile, in: c, debugDescription: "the day profile does not have 24 hours")
        }
        hourNoise = try c.decodeIfPresent(HourNoise.self, forKey: .hourNoise) ?? HourNoise()
        attemptsPerInterval = try c.decodeIfPresent(Double.self, forKey: .attemptsPerInterval) ?? 0
        ratioBaseline = try c.decodeIfPresent(RatioBaseline.self, forKey: .ratioBaseline) ?? RatioBaseline()
        driftUp = try c.decodeIfPresent(Double.self, forKey: .driftUp) ?? 0
        driftDown = try c.decodeIfPresent(Double.self, forKey: .driftDown) ?? 0
        silenceExpected = try c.decodeIfPresent(Double.self, forKey: .silenceExpected) ?? 0
        silenceMissed = try c.decodeIfPresent(Double.self, forKey: .silenceMissed) ?? 0
        silenceLength = try c.decodeIfPresent(Int.self, forKey: .silenceLength) ?? 0
        warmedUp = try c.decodeIfPresent(Bool.self, forKey: .warmedUp) ?? false
        // A count must be finite and not negative (a negative one would weigh a spike
        // more than in full); a damaged one restarts at 0.
        func count(_ value: Double?) -> Double { value.map { $0.isFinite && $0 >= 0 ? $0 : 0 } ?? 0 }
        episodeHabituation = (
            count(try c.decodeIfPresent(Double.self, forKey: .episodeHabituationOn)),
            count(try c.decodeIfPresent(Double.self, forKey: .episodeHabituationOff))
        )
        let time = try c.decodeIfPresent(Double.self, forKey: .episodeHabituationTime) ?? 0
        episodeHabituationTime = time.isFinite ? time : 0
        // A damaged decline starts again (a run of 0 samples, from nothing).
        declineSamples = max(try c.decodeIfPresent(Int.self, forKey: .declineSamples) ?? 0, 0)
        let from = try c.decodeIfPresent(Double.self, forKey: .declineFrom) ?? 0
        declineFrom = from.isFinite ? from : 0
        silentHours = try c.decodeIfPresent(UInt32.self, forKey: .silentHours) ?? 0
        keptHours = try c.decodeIfPresent(UInt32.self, forKey: .keptHours) ?? 0
        silentHourNow = try c.decodeIfPresent(Int64.self, forKey: .silentHourNow) ?? .min
        countsThisHour = max(try c.decodeIfPresent(Int.self, forKey: .countsThisHour) ?? 0, 0)
        nothingThisHour = min(max(try c.decodeIfPresent(Int.self, forKey: .nothingThisHour) ?? 0, 0), countsThisHour)
        hourBeforeADayBefore = try c.decodeIfPresent(Bool.self, forKey: .hourBeforeADayBefore) ?? false
        relation = try c.decodeIfPresent(Relation.self, forKey: .relation) ?? Relation()
        guard relation.isValid else {
            throw DecodingError.dataCorruptedError(
                forKey: .relation, in: c, debugDescription: "the feature's relations are negative or not finite")
        }
        for (value, key) in [(silenceExpected, CodingKeys.silenceExpected), (silenceMissed, .silenceMissed)]
        where !(value.isFinite && value >= 0) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c, debugDescription: "the silence detector's state is negative or not finite: \(value)")
        }
        guard silenceLength >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .silenceLength, in: c, debugDescription: "the silence detector's run is negative: \(silenceLength)")
        }
        guard driftUp.isFinite, driftDown.isFinite else {
            throw DecodingError.dataCorruptedError(
                forKey: driftUp.isFinite ? .driftDown : .driftUp, in: c, debugDescription: "the drift neuron's state is not finite")
        }
        guard hourNoise.isConsistent else {
            throw DecodingError.dataCorruptedError(forKey: .hourNoise, in: c, debugDescription: "the hourly noise does not have 24 hours")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(source, forKey: .source)
        try c.encode(onNeuron, forKey: .onNeuron)
        try c.encode(offNeuron, forKey: .offNeuron)
        try c.encode(warmupValues, forKey: .warmupValues)
        try c.encode(scale, forKey: .scale)
        try c.encode(samples, forKey: .samples)
        try c.encode(level, forKey: .level)
        try c.encode(trend, forKey: .trend)
        try c.encode(meanAbsoluteError, forKey: .meanAbsoluteError)
        try c.encode(slowLevel, forKey: .slowLevel)
        try c.encode(slowMeanAbsoluteDeviation, forKey: .slowMeanAbsoluteDeviation)
        try c.encode(resolution, forKey: .resolution)
        try c.encode(lastValue, forKey: .lastValue)
        try c.encode(lastForecast, forKey: .lastForecast)
        try c.encode(lastSigma, forKey: .lastSigma)
        try c.encode(alertSpikes.on, forKey: .alertOn)
        try c.encode(alertSpikes.off, forKey: .alertOff)
        try c.encode(numeratorSum, forKey: .numeratorSum)
        try c.encode(denominatorSum, forKey: .denominatorSum)
        try c.encode(surprisingStreak, forKey: .surprisingStreak)
        try c.encode(acceptedShift, forKey: .acceptedShift)
        try c.encode(acceptedShiftAge, forKey: .acceptedShiftAge)
        try c.encode(streakStartResidual, forKey: .streakStartResidual)
        try c.encode(minimumSeen, forKey: .minimumSeen)
        try c.encode(lastEnvelope.low, forKey: .envelopeLow)
        try c.encode(lastEnvelope.high, forKey: .envelopeHigh)
        try c.encode(lastEnvelope.unit, forKey: .envelopeUnit)
        var high = hourHigh
        var low = hourLow
        if hourCount > 0 {
            high[hourSlot % hourCount] = currentHourHigh
            low[hourSlot % hourCount] = currentHourLow
        }
        try c.encode(high, forKey: .hourHigh)
        try c.encode(low, forKey: .hourLow)
        try c.encode(hourSlot, forKey: .hourSlot)
        try c.encode(hourSamples, forKey: .hourSamples)
        try c.encode(otherHoursHigh, forKey: .otherHoursHigh)
        try c.encode(otherHoursLow, forKey: .otherHoursLow)
        try c.encodeIfPresent(lastDayThisHour, forKey: .lastDayThisHour)
        if !earlierHourHigh.isEmpty {
            try c.encode(earlierHourHigh, forKey: .earlierHourHigh)
            try c.encode(earlierHourLow, forKey: .earlierHourLow)
        }
        try c.encode(contexts, forKey: .contexts)
        try c.encode(habituation, forKey: .habituation)
        try c.encode(coMoment, forKey: .coMoment)
        try c.encode(ownMoment, forKey: .ownMoment)
        try c.encode(profile, forKey: .profile)
        try c.encode(hourNoise, forKey: .hourNoise)
        try c.encode(attemptsPerInterval, forKey: .attemptsPerInterval)
        try c.encode(ratioBaseline, forKey: .ratioBaseline)
        try c.encode(driftUp, forKey: .driftUp)
        try c.encode(driftDown, forKey: .driftDown)
        try c.encode(silenceExpected, forKey: .silenceExpected)
        try c.encode(silenceMissed, forKey: .silenceMissed)
        try c.encode(silenceLength, forKey: .silenceLength)
        try c.encode(warmedUp, forKey: .warmedUp)
        try c.encode(episodeHabituation.on, forKey: .episodeHabituationOn)
        try c.encode(episodeHabituation.off, forKey: .episodeHabituationOff)
        try c.encode(episodeHabituationTime, forKey: .episodeHabituationTime)
        try c.encode(declineSamples, forKey: .declineSamples)
        try c.encode(declineFrom, forKey: .declineFrom)
        try c.encode(silentHours, forKey: .silentHours)
        try c.encode(keptHours, forKey: .keptHours)
        try c.encode(silentHourNow, forKey: .silentHourNow)
        try c.encode(countsThisHour, forKey: .countsThisHour)
        try c.encode(nothingThisHour, forKey: .nothingThisHour)
        try c.encode(hourBeforeADayBefore, forKey: .hourBeforeADayBefore)
        try c.encode(relation, forKey: .relation)
    }

    /// The silence detector: follows a run of intervals whose `count` is at most
    /// `silenceShare` of the count expected when the run began (`expected`: this
    /// interval's, at least `silenceMinimumCount` for a run to begin) and returns whether
    /// the run is two intervals or more, has missed `silenceCounts` counts or more, and has
    /// not yet lasted `maximumAlertHours`: a count that stopped, which no noise of counting
    /// explains. Each silent interval alone may be unremarkable (a few attempts a minute,
    /// then none), and the forecast learns the first few zeros as a quiet spell. A silence
    /// that lasts longer is accepted as the new normal (as an alert is) until the count
    /// comes back: a counter that stays at zero for good does not raise every 12 hours.
    mutating func observeSilence(count: Double, expected: Double, settings: DetectorSettings, samplesPerHour: Double) -> Bool {
        guard count.isFinite, expected.isFinite else { return false }
        if silenceLength > 0 && count <= settings.silenceShare * silenceExpected {
            silenceLength += 1
            silenceMissed += max(silenceExpected - count, 0)
        } else if expected >= settings.silenceMinimumCount && count <= settings.silenceShare * expected {
            silenceExpected = expected
            silenceLength = 1
            silenceMissed = max(expected - count, 0)
        } else {
            silenceLength = 0
            silenceMissed = 0
        }
        return silenceLength >= 2 && silenceMissed >= settings.silenceCounts
            && Double(silenceLength) <= settings.maximumAlertHours * samplesPerHour
    }

    /// Records this interval's count for the hours of the day it stands at nothing in
    /// (``silentHours``), at the absolute hour `hour`.
    mutating func recordCountHour(_ count: Double, minimum: Double, hour: Int64?) {
        guard let hour, count.isFinite else { return }
        if hour != silentHourNow {
            // The hour before this one as it was a day before, read before the hour that
            // ends (most often that one) overwrites it.
            let before = UInt32(1) << UInt32((((hour - 1) % 24) + 24) % 24)
            hourBeforeADayBefore = keptHours & silentHours & before != 0
            if silentHourNow != .min && countsThisHour > 0 {
                let bit = UInt32(1) << UInt32(((silentHourNow % 24) + 24) % 24)
                keptHours |= bit
                // (At least half at nothing, written so that no count can overflow.)
                silentHours = nothingThisHour >= countsThisHour - nothingThisHour ? silentHours | bit : silentHours & ~bit
            }
            silentHourNow = hour
            countsThisHour = 0
            nothingThisHour = 0
        }
        countsThisHour = min(countsThisHour, Int.max - 1) + 1
        if count < minimum { nothingThisHour = min(nothingThisHour, countsThisHour - 1) + 1 }
    }

    /// Whether the count stood at nothing in half or more of its intervals in this hour of
    /// the day (the absolute `hour`), or in the hour before it, a day before: the last
    /// time each ended before today. Read after ``recordCountHour(_:minimum:hour:)`` for
    /// this interval. False for an hour never ended. (The hour before too: a layer asleep
    /// until 05:15 leaves its count at nothing for only a quarter of the hour from 05:00.)
    func wasSilentADayBefore(hour: Int64?) -> Bool {
        guard let hour else { return false }
        let slot = UInt32(((hour % 24) + 24) % 24)
        return keptHours & silentHours & (UInt32(1) << slot) != 0 || (hour == silentHourNow && hourBeforeADayBefore)
    }

    /// Whether the count stood at nothing in half or more of the hours of the day it has
    /// ended, at least half a day of them (the seconds a layer slept: 0 all day, so its
    /// going to 0 is its usual, not a silence).
    var mostlyAtNothing: Bool {
        let kept = keptHours.nonzeroBitCount
        return kept >= 12 && 2 * (keptHours & silentHours).nonzeroBitCount >= kept
    }

    /// Whether this count's silence is its usual, never to speak alone
    /// (``DetectorSettings/silenceKnowsTheHour``, ``DetectorSettings/silenceKnowsTheDay``).
    func silenceIsUsual(at hour: Int64?, settings: DetectorSettings) -> Bool {
        (settings.silenceKnowsTheHour && wasSilentADayBefore(hour: hour)) || (settings.silenceKnowsTheDay && mostlyAtNothing)
    }

    /// Hours either side of the current one whose earlier days' extremes widen the
    /// day's range (a workday's ramp comes at about the same hour each day).
    static let earlierHoursAround = 1

    /// An hour slot's extremes of the day before (`day`) join its earlier days': a wider
    /// one is taken at once, a narrower one draws the earlier towards it by `1 - keep`.
    static func remember(day: (high: Double, low: Double), in highs: inout [Double], _ lows: inout [Double], slot: Int, keep: Double) {
        if highs.count != 24 || lows.count != 24 {
            highs = Array(repeating: .nan, count: 24)
            lows = Array(repeating: .nan, count: 24)
        }
        if day.high.isFinite {
            let earlier = highs[slot]
            highs[slot] = earlier.isNaN || day.high >= earlier ? day.high : earlier + (1 - keep) * (day.high - earlier)
        }
        if day.low.isFinite {
            let earlier = lows[slot]
            lows[slot] = earlier.isNaN || day.low <= earlier ? day.low : earlier + (1 - keep) * (day.low - earlier)
        }
    }

    /// Hourly slots the day's envelope needs before it may speak.
    static let envelopeReadyHours = 20
    /// Hourly slots kept before an hour may be ranked among the others (``quietRank(at:usual:)``,
    /// until the day profile speaks): two thirds of a day. A layer that switches off
    /// every night does so on the cell's second night before the envelope speaks, when
    /// the warm-up took the first night's first hours.
    static let quietRankHours = 16

    /// Samples a feature warms up for: `warmupSamples`, but no more than `warmupMostSeconds`
    /// of telemetry (at least ``DetectorSettings/minimumWarmupSamples``: at 15-minute
    /// reporting, 60 samples would leave a cell unwatched for 15 hours), and at least
    /// `warmupSeconds` of telemetry (on a stream of seconds, one minute shows only the
    /// fastest noise).
    static func warmup(settings: DetectorSettings, samplesPerHour: Double) -> Double {
        var samples = Double(settings.warmupSamples)
        if settings.warmupMostSeconds > 0 && samplesPerHour.isFinite && samplesPerHour > 0 {
            samples = min(samples, max(Double(DetectorSettings.minimumWarmupSamples), settings.warmupMostSeconds * samplesPerHour / 3600))
        }
        return max(samples, settings.warmupSeconds * samplesPerHour / 3600)
    }

    /// Whether the feature is still warming up (``warmup(settings:samplesPerHour:)``).
    /// Once over, the warm-up stays over: a reporting period that shortens (more samples
    /// an hour, a longer warm-up in samples) does not silence a feature that spoke.
    mutating func stillWarming(settings: DetectorSettings, samplesPerHour: Double) -> Bool {
        if !warmedUp && Double(samples) >= Self.warmup(settings: settings, samplesPerHour: samplesPerHour) { warmedUp = true }
        return !warmedUp
    }

    /// The slow baseline's span in samples: its hours, at most its sample limit.
    static func slowSpan(settings: DetectorSettings, samplesPerHour: Double) -> Double {
        let limit = settings.slowBaselineMaximumSamples > 0 ? settings.slowBaselineMaximumSamples : .infinity
        return max(min(settings.slowBaselineHours * samplesPerHour, limit), 10)
    }

    /// Whether the slow baseline spans an hour or more (a sample every 10 s or slower, by
    /// default): a stream of seconds spans minutes, where a small shift is a change, and
    /// the rules made for a cell's hours (the first day's full gain, the relative floor,
    /// the dead zone grown with the features, a layer's first morning) do not apply.
    static func slowSpanIsHours(settings: DetectorSettings, samplesPerHour: Double) -> Bool {
        slowSpan(settings: settings, samplesPerHour: samplesPerHour) >= samplesPerHour
    }

    /// Sigmas beyond which the slow baseline's spread clips a deviation it learns:
    /// `slowSpreadClip` on a span of `slowSpreadClipHours` or more, in proportion on a
    /// shorter one, at least `slowSpreadClipMinimum`. A span of half an hour or more
    /// follows the day's load, and its spread must widen with a ramp of an hour or two;
    /// on a span of minutes (a stream of seconds, where the sample limit cuts it short)
    /// the day barely moves the level, and a shift over a minute or two (a valve closing)
    /// is a change, not spread to learn while it happens.
    static func slowSpreadClip(settings: DetectorSettings, samplesPerHour: Double) -> Double {
        let spanHours = slowSpan(settings: settings, samplesPerHour: samplesPerHour) / max(samplesPerHour, 1e-9)
        let share = settings.slowSpreadClipHours > 0 ? min(spanHours / settings.slowSpreadClipHours, 1) : 1
        return max(settings.slowSpreadClip * share, min(settings.slowSpreadClipMinimum, settings.slowSpreadClip))
    }

    /// Spans of the slow baseline (or of the ratio's own leaky sums, when those are
    /// longer) that a ratio's long-run rate spans (``RatioBaseline``).
    static let ratioBaselineSpans = 4.0

    var isRatio: Bool {
        if case .ratio = source { return true }
        return false
    }

    /// Where the hour of `clock` lies in the feature's day, from 0 at its quietest to 1
    /// above every other hour: once the day profile has learned the hour and at least 12
    /// others, the level it normally holds at this hour (however low the feature is now)
    /// ranked among those hours (a tie counts half: a flat day is not quiet); until then
    /// the forecast (with `usual`, the lowest this hour held a day before) ranked among
    /// the last day's other hours (``rankAmongOtherHours(_:)``), once ``quietRankHours``
    /// hourly slots were kept (the current one among them).
    func quietRank(at clock: HourClock, usual: Bool = false) -> Double? {
        if let reference = profile.reference(at: clock) {
            var below = 0
            var hours = 0
            for slot in profile.levels.indices where slot != clock.first && slot != clock.second && !profile.levels[slot].isNaN {
                hours += 2
                if profile.levels[slot] < reference { below += 2 } else if profile.levels[slot] == reference { below += 1 }
            }
            if hours >= 24 { return Double(below) / Double(hours) }
        }
        guard hourCount >= Self.quietRankHours else { return nil }
        // The lowest this hour held, ranked among the other hours' middles: it leans quiet
        // (ranked among the other hours' lowest instead, C and D scored three false
        // alarms more).
        if usual, let lastDayThisHour { return rankAmongOtherHours(lastDayThisHour) }
        return rankAmongOtherHours(lastForecast)
    }

    /// Whether `x` (metric units) lies `sigmas` deviations (the day profile's and the
    /// forecast's together) below the lowest level the day profile holds in the hours
    /// around `clock`: the two enclosing it and the one after (false while any of them is
    /// unlearned). A drop the profile expects within the hour (an office emptying at
    /// 18:00, its 18:00 slot still holding some of the day's level) is not below them.
    func isBelowHoursAround(_ x: Double, at clock: HourClock, by sigmas: Double) -> Bool {
        guard let first = clock.first, profile.levels.count == 24 else { return false }
        let levels = profile.levels
        guard !levels[first].isNaN, !levels[clock.second].isNaN, !levels[(clock.second + 1) % 24].isNaN else { return false }
        let lowest = min(levels[first], levels[clock.second], levels[(clock.second + 1) % 24])
        let profileSigma = 1.2533 * profile.deviation
        return transform(x) <= lowest - sigmas * (profileSigma * profileSigma + lastSigma * lastSigma).squareRoot()
    }

    /// The share of the last day's other hours whose level (the middle of its range)
    /// lay below `y` (transformed units; a tie counts half): 0 at the day's quietest, 1
    /// above every hour, a half on a flat day.
    /// Nil before any other hour was kept.
    func rankAmongOtherHours(_ y: Double) -> Double? {
        let current = hourCount > 0 ? hourSlot % hourCount : 0
        var below = 0
        var hours = 0
        for slot in hourHigh.indices where slot != current && slot < hourLow.count {
            let middle = 0.5 * (hourHigh[slot] + hourLow[slot])
            hours += 2
            if middle < y { below += 2 } else if middle == y { below += 1 }  // a tie counts half
        }
        return hours > 0 ? Double(below) / Double(hours) : nil
    }

    func transform(_ x: Double) -> Double { scale == 0 ? x : asinh(x / scale) }

    /// The learned normal range of the last value, in the metric's units: the forecast
    /// plus or minus the dead zone.
    /// When the value is inside the forecast's band but outside the day's range (a drift
    /// the forecast followed), the day's range is the band it left, and is reported: with
    /// its margin, or without it while the drift neuron is past `driftDeadZone` (the drift
    /// it spikes for may not have gone further yet).
    func normalRange(deadZone: Double, envelopeDeadZone: Double = 3, driftDeadZone: Double = .infinity) -> (low: Double, high: Double) {
        var a = inverse(lastForecast - deadZone * lastSigma)
        var b = inverse(lastForecast + deadZone * lastSigma)
        let y = transform(lastValue)
        let insideForecast = abs(y - lastForecast) <= deadZone * lastSigma
        let drifting = max(driftUp, driftDown) > driftDeadZone
        let margin = drifting ? 0 : envelopeDeadZone * lastEnvelope.unit
        if insideForecast && lastEnvelope.unit > 0
            && (y > lastEnvelope.high + margin || y < lastEnvelope.low - margin)
        {
            a = inverse(lastEnvelope.low - margin)
            b = inverse(lastEnvelope.high + margin)
        }
        var low = min(a, b)
        var high = max(a, b)
        if minimumSeen >= 0 { low = max(low, 0) }  // a count, a rate, a level that is never negative
        if isRatio { high = min(high, 1) }
        return (low, high)
    }
    func inverse(_ y: Double) -> Double { scale == 0 ? y : scale * sinh(y) }

    /// What one observation meant: normalised fast and slow deviations.
    struct Surprise {
        /// Prediction error of this value, in sigmas.
        var fast: Double
        /// The level's deviation from the slow baseline, in sigmas.
        var slow: Double
        /// How far the level left the range it kept over the last day, in envelope units
        /// (a tenth of the range's width plus the level's noise); 0 inside the range.
        var envelope: Double
        /// Share of this value's contexts never seen before (0...1).
        var novelty = 0.0
        /// How far the value broke the running range (0 inside), in margins.
        var rangeBreak = 0.0
        /// The level's deviation from what it is at this hour of the day, in typical
        /// day-to-day deviations (0 until the day profile is ready, or when it is off).
        var profile = 0.0
        /// For a ratio of counts: its recent counts' deviation from its long-run rate, in
        /// sigmas (``RatioBaseline``; 0 until the slow baseline may speak).
        var counts = 0.0
        /// The drift neuron: accumulated forecast error beyond its leak, in sigmas; positive
        /// upward, negative downward (whichever is larger), 0 when off.
        var drift = 0.0
        /// This value (not the level) against what the level is at this hour of the day, in
        /// typical day-to-day deviations and the forecast's noise together; nil until the
        /// day profile is ready at this hour.
        var valueAgainstProfile: Double? = nil
    }

    /// Observes a value; returns the surprise (nil while warming up).
    /// - Parameters:
    ///   - modelNoise: the noise expected of this one value from its nature (binomial for
    ///     a ratio, Poisson for a count rate), raw units; 0 if unknown.
    ///   - samplesPerHour: for the slow baseline's span.
    ///   - frozen: the cell is alerting; learn only with the frozen gain (but a slow
    ///     baseline still in its warm-up follows at full gain).
    ///   - time: the sample's telemetry time (the hour of the day, for the day profile).
    mutating func observe(
        _ x: Double, modelNoise: Double, settings: DetectorSettings, samplesPerHour: Double, frozen: Bool, time: Double
    ) -> Surprise? {
        observe(x, modelNoise: modelNoise, settings: settings, samplesPerHour: samplesPerHour, frozen: frozen, clock: HourClock(time: settings.localTime.local(time)))
    }

    /// ``observe(_:modelNoise:settings:samplesPerHour:frozen:time:)`` with the sample's
    /// place in the day worked out once for all of a cell's features.
    /// - Parameter countDeviation: for a ratio of counts, its recent rate's deviation from
    ///   its long-run rate in sigmas (``RatioBaseline``), a verdict beside the level's
    ///   pathways: a ratio's level wanders with its attempts, its counts say how much
    ///   that means.
    mutating func observe(
        _ x: Double, modelNoise: Double, settings: DetectorSettings, samplesPerHour: Double, frozen: Bool, clock: HourClock,
        countDeviation: Double? = nil
    ) -> Surprise? {
        // The previous value, once the transform is fixed (for the hourly noise's step).
        let previous = samples >= 10 ? lastValue : nil
        lastValue = x
        minimumSeen = min(minimumSeen, x)
        samples += 1
        if samples <= 10 {
            warmupValues.append(x)
            if samples < 10 { return nil }
            // Fix the transform: ratios stay linear; everything else gets asinh, which is
            // linear near 0 and logarithmic for large values (multiplicative noise).
            if !isRatio {
                let sorted = warmupValues.map(abs).sorted()
                scale = max(0.25 * sorted[sorted.count / 2], resolution, 1e-6)
            }
            let ys = warmupValues.map(transform)
            level = ys.reduce(0, +) / Double(ys.count)
            slowLevel = level
            hourHigh = [level]
            hourLow = [level]
            hourCount = 1
            currentHourHigh = level
            currentHourLow = level
            let deviations = ys.map { abs($0 - level) }
            meanAbsoluteError = max(deviations.reduce(0, +) / Double(ys.count), 1e-9)
            slowMeanAbsoluteDeviation = meanAbsoluteError
            warmupValues = []
            return nil
        }
        let y = transform(x)
        let coded = settings.noveltyRawUnits ? x : y
        if !contexts.isSetUp { contexts.widen(coded) }
        let derivative = scale == 0 ? 1 : 1 / (scale * scale + x * x).squareRoot()
        let floor = max(resolution * 0.5, 1e-9) * derivative
        let modelSigma = modelNoise * derivative
        let forecast = level + 0.9 * trend
        // What this hour of the day has shown on other days: the mean absolute step of
        // white noise of deviation s is 1.128 s.
        if settings.hourNoiseWeight > 0, clock.halfHour != noiseStepKey || clock.halfHour == nil {
            noiseStep = hourNoise.step(at: clock)
            noiseStepKey = clock.halfHour ?? .min
        }
        let hourSigma = settings.hourNoiseWeight > 0 ? (noiseStep ?? 0) / 1.128 * settings.hourNoiseWeight : 0
        // At least `fastRelativeFloor` of the value, for a metric never negative on a span
        // of hours (``DetectorSettings/fastRelativeFloor``).
        let relativeFloorOnFast = settings.fastRelativeFloor > 0 && minimumSeen >= 0 && !isRatio
            && Self.slowSpanIsHours(settings: settings, samplesPerHour: samplesPerHour)
            ? settings.fastRelativeFloor * abs(x) * derivative : 0
        let sigma = max(1.2533 * meanAbsoluteError, modelSigma, floor, hourSigma, relativeFloorOnFast)
        let residual = y - forecast
        if settings.hourNoiseWeight > 0 {
            let noiseHour = hourNoise.hour
            hourNoise.learn(step: previous.map { min(abs(y - transform($0)), 3 * settings.deadZone * sigma) }, at: clock)
            if hourNoise.hour != noiseHour { noiseStepKey = .min }  // an hour was folded into its slot
        }
        let z = residual / sigma
        // The level is an average of `levelSpan` samples, so its own noise is only
        // sigma * sqrt(alpha / (2 - alpha)); the slow deviation is judged against that.
        let levelAlpha = 2 / (settings.levelSpan + 1)
        let slowSpan = Self.slowSpan(settings: settings, samplesPerHour: samplesPerHour)
        let spanOfHours = slowSpan >= samplesPerHour  // ``slowSpanIsHours(settings:samplesPerHour:)``
        // On a span of hours, a deviation smaller than a few `slowRelativeFloor`s of the value
        // is no fault (rain lifting an antenna's VSWR by 2%); on a span of minutes (a
        // stream of seconds) a small shift is a change (a valve closing). Not for a ratio:
        // a success rate near 1 has its failures' counts judged (``RatioBaseline``), and
        // half a percent is its whole failure budget. (On a level in dBm, half a percent
        // of the value is half a decibel: below that, UL noise raised false alarms on D.)
        let relativeFloor = spanOfHours && !isRatio ? settings.slowRelativeFloor * abs(x) * derivative : 0
        let slowSigma = max(1.2533 * slowMeanAbsoluteDeviation, sigma * (levelAlpha / (2 - levelAlpha)).squareRoot(), floor, relativeFloor)
        let zSlow = (level - slowLevel) / slowSigma

        lastForecast = forecast
        lastSigma = sigma
        var novelty = (novelty: 0.0, rangeBreak: 0.0)
        if samples >= settings.warmupSamples {
            if !contexts.isSetUp {
                contexts.setUp(noise: settings.noveltyRawUnits ? sigma / derivative : sigma, bins: settings.noveltyBins)
            } else {
                novelty = contexts.observe(coded)
            }
        }

        // While warming up the feature sends nothing, so nothing is held back from
        // learning: a warm-up that began on a flat stretch (a quantised sensor reading
        // the same value ten times) would otherwise judge all its later noise surprising
        // and never learn it.
        let warming = stillWarming(settings: settings, samplesPerHour: samplesPerHour)

        // Learn: full gain when the value is expected, a small one while surprising or
        // while the cell is alerting, so a fault is not learned as normal. Residuals are
        // clipped to the dead zone so one outlier cannot drag the level.
        // Back to normal: after the forecast accepted a shifted level, a step back by about
        // that shift ends the episode: re-anchor at once, so the return is no new surprise.
        let stepsBack = abs(residual + acceptedShift) < 0.5 * abs(acceptedShift)
        // Or, while this feature carries an alert, its value came back to the slow
        // baseline (which kept the old normal) against the direction the surprise began
        // in, while the level, learning at the frozen gain, is still far from it on that
        // side: the fault ended. (Coming back into the slow baseline's band alone is not
        // enough: on a wide daily cycle a fresh step may land there too, but it goes the
        // way its surprise began.)
        let backToBaseline = settings.returnBand > 0 && frozen && Double(samples) >= 2 * slowSpan
            && abs(z) > settings.deadZone && residual * streakStartResidual < 0
            && (level - slowLevel) * streakStartResidual > 0 && abs(level - slowLevel) > settings.deadZone * sigma
            && abs(y - slowLevel) <= settings.returnBand * sigma
        if (acceptedShift != 0 && abs(z) > settings.deadZone && stepsBack) || backToBaseline {
            level = y
            trend = 0
            lastForecast = y
            lastSigma = sigma
            acceptedShift = 0
            acceptedShiftAge = 0
            surprisingStreak = 0
            driftUp = 0
            driftDown = 0
            return warming ? nil : Surprise(fast: 0, slow: 0, envelope: 0, novelty: novelty.novelty, rangeBreak: novelty.rangeBreak)
        }
        let surprising = !warming && (abs(z) > settings.deadZone || frozen)
        if surprising && surprisingStreak == 0 { streakStartResidual = residual }
        surprisingStreak = surprising ? surprisingStreak + 1 : 0
        // Frozen while surprising, but not for ever: after `freezeHours` the new level is
        // accepted here; the slow baseline and the envelope still hold the old normal
        // (the slow baseline once its warm-up is over).
        let accepting = Double(surprisingStreak) > settings.freezeHours * samplesPerHour
        if accepting && acceptedShift == 0 {
            acceptedShift = abs(streakStartResidual) > abs(residual) ? streakStartResidual : residual
            acceptedShiftAge = 0
        } else if acceptedShift != 0 && abs(z) <= settings.deadZone {
            // Absorbed: outside an alert, the shifted level has lasted the slow baseline's
            // span (it is the new normal); or the level came back gradually inside the
            // day's range (once that speaks).
            acceptedShiftAge += 1
            let absorbed = !frozen && Double(acceptedShiftAge) > slowSpan
            let margin = settings.envelopeDeadZone * lastEnvelope.unit
            let backInRange = lastEnvelope.unit > 0 && level <= lastEnvelope.high + margin && level >= lastEnvelope.low - margin
            if absorbed || backInRange { acceptedShift = 0 }
        }
        let gain = surprising && !accepting ? settings.frozenGain : 1
        let alpha = 2 / (settings.levelSpan + 1) * gain
        let beta = alpha * 0.05
        let clipped = max(-settings.deadZone * sigma, min(settings.deadZone * sigma, residual))
        let newLevel = forecast + alpha * clipped
        trend = 0.9 * trend + beta * (newLevel - level - 0.9 * trend)
        level = newLevel
        // The scale does not learn a fault's onset: while surprising (or carrying an
        // alert) it learns at the frozen gain. After `freezeHours` of it, when the shift
        // is accepted, it learns at the full rate (still from errors clipped at the dead
        // zone, so at most about a tenth more a sample): a scale learned on a flat
        // warm-up (a meter read while its layer slept) would otherwise stay near zero for
        // days, every sample after it a surprise, and an hours-long condition habituates
        // as a neuron's threshold adapts.
        let learnsScale = !surprising || (accepting && settings.acceptedScaleLearns)
        let scaleAlpha = 2 / (settings.scaleSpan + 1) * (learnsScale ? 1 : settings.frozenGain)
        let learnedError = warming ? abs(residual) : min(abs(residual), settings.deadZone * sigma)
        meanAbsoluteError += scaleAlpha * (learnedError - meanAbsoluteError)
        meanAbsoluteError = max(meanAbsoluteError, 1e-12)
        let spreadClip = max(Self.slowSpreadClip(settings: settings, samplesPerHour: samplesPerHour), 0)
        // Until a slow baseline of hours may speak, it follows the level at full gain: a
        // cell whose first hours were unlike its days (a capacity layer asleep at night)
        // would otherwise keep them as its baseline and speak of the whole first day. A
        // span of minutes (a stream of seconds) speaks within minutes, and a shift in
        // them is a change (a valve closing), not a day to learn.
        let slowFollows = settings.slowWarmupLearns && Double(samples) < 2 * slowSpan && spanOfHours
        // (The base dead zone, not the one grown with the cell's features that its spikes
        // use: judged at the grown one, the slow baseline learned more of a shift and
        // scored no better, docs/evaluation.md "Session 19".)
        // It follows even a feature that carries an alert: frozen at its night's level, the
        // slow baseline of a stream that began while its layer slept, under the alert its
        // waking raised, spoke 50 to 190 sigmas at its warm-up's end and held that alert to
        // its 12-hour limit, then raised again (generator D: 8 false alarms, each just
        // after such a limit).
        let slowSurprising = !slowFollows && (abs(zSlow) > settings.slowDeadZone || frozen)
        let slowAlpha = 2 / (slowSpan + 1) * (slowSurprising ? settings.frozenGain : 1)
        let slowDeviation = level - slowLevel
        slowLevel += slowAlpha * slowDeviation
        slowMeanAbsoluteDeviation += slowAlpha * (min(abs(slowDeviation), spreadClip * slowSigma) - slowMeanAbsoluteDeviation)

        // The envelope: the range the level kept over the last day (hourly max and min
        // over 24 slots). The current hour widens it at most half a unit per sample-hour
        // and not while surprising: a slightly hotter day is absorbed, a fault's drift
        // outruns it.
        let levelNoise = sigma * (levelAlpha / (2 - levelAlpha)).squareRoot()
        let envelopeHigh = max(otherHoursHigh, hourCount == 0 ? level : currentHourHigh)
        let envelopeLow = min(otherHoursLow, hourCount == 0 ? level : currentHourLow)
        let envelopeUnit = 0.1 * (envelopeHigh - envelopeLow) + 3 * levelNoise
        var envelope = 0.0
        lastEnvelope = hourCount >= Self.envelopeReadyHours ? (envelopeLow, envelopeHigh, envelopeUnit) : (0, 0, 0)
        if level > envelopeHigh { envelope = (level - envelopeHigh) / envelopeUnit }
        if level < envelopeLow { envelope = (level - envelopeLow) / envelopeUnit }
        // Until the envelope speaks (most of a day), it records the level's true range
        // (limiting its widening then would leave it too narrow on the day it starts);
        // never a surprising value. A slow drift in the first day is learned as normal.
        let widening = hourCount >= Self.envelopeReadyHours ? 0.5 * envelopeUnit / max(samplesPerHour, 1) : Double.infinity
        if !surprising {
            currentHourHigh = level > envelopeHigh ? max(currentHourHigh, envelopeHigh + min(level - envelopeHigh, widening)) : max(currentHourHigh, level)
            currentHourLow = level < envelopeLow ? min(currentHourLow, envelopeLow - min(envelopeLow - level, widening)) : min(currentHourLow, level)
        }
        hourSamples += 1
        if Double(hourSamples) >= samplesPerHour {
            hourSamples = 0
            hourHigh[hourSlot % hourCount] = currentHourHigh  // the hour ends: write its slot back
            hourLow[hourSlot % hourCount] = currentHourLow
            hourSlot += 1
            let start = min(max(level, envelopeLow), envelopeHigh)
            if hourCount < 24 {
                hourHigh.append(start)
                hourLow.append(start)
                hourCount += 1
            } else {
                let lowest = hourLow[hourSlot % 24]
                lastDayThisHour = lowest.isFinite ? lowest : nil
                if settings.envelopeEarlierKeep > 0 {
                    Self.remember(day: (hourHigh[hourSlot % 24], lowest), in: &earlierHourHigh, &earlierHourLow, slot: hourSlot % 24,
                                  keep: min(settings.envelopeEarlierKeep, 1))
                }
                hourHigh[hourSlot % 24] = start
                hourLow[hourSlot % 24] = start
            }
            currentHourHigh = start
            currentHourLow = start
            let current = hourSlot % hourCount
            otherHoursHigh = -.infinity
            otherHoursLow = .infinity
            for slot in hourHigh.indices where slot != current {
                otherHoursHigh = max(otherHoursHigh, hourHigh[slot])
                otherHoursLow = min(otherHoursLow, hourLow[slot])
            }
            // The days before the last at this hour and the hours either side: a workday
            // after a weekend or holiday is judged against the workdays before them, not
            // only against the quiet day just past.
            if settings.envelopeEarlierKeep > 0 && earlierHourHigh.count == 24 {
                for offset in -Self.earlierHoursAround...Self.earlierHoursAround {
                    let slot = ((current + offset) % 24 + 24) % 24
                    if !earlierHourHigh[slot].isNaN { otherHoursHigh = max(otherHoursHigh, earlierHourHigh[slot]) }
                    if !earlierHourLow[slot].isNaN { otherHoursLow = min(otherHoursLow, earlierHourLow[slot]) }
                }
            }
        }

        // The day profile: the level against what it is at this hour on other days.
        var profileDeviation = 0.0
        var valueAgainstProfile: Double?
        if settings.profileDeadZone > 0 {
            let profileHour = profile.hour
            profile.advance(to: clock)
            if profile.hour != profileHour || clock.halfHour != profileSlotsKey || clock.halfHour == nil {
                profileSlots = DayProfile.enclosing(profile.levels, at: clock)
                profileSlotsKey = clock.halfHour ?? .min
            }
            let reference = profileSlots.map { DayProfile.interpolate($0, at: clock) }
            let profileSigma = max(1.2533 * profile.deviation, levelNoise, floor)
            if let reference, profile.isReady(samplesPerHour: samplesPerHour) {
                profileDeviation = (level - reference) / profileSigma
                // The value carries the forecast's noise besides the level's.
                valueAgainstProfile = (y - reference) / (profileSigma * profileSigma + sigma * sigma).squareRoot()
            }
            profile.learn(
                level: level, reference: reference, usable: !surprising && abs(profileDeviation) <= settings.profileDeadZone,
                clip: settings.profileDeadZone * profileSigma, samplesPerHour: samplesPerHour)
        }

        // The drift neuron: each sample's error, clipped to the dead zone (one outlier
        // cannot fill it), less its leak; never below 0, at most a dead zone past its own
        // (it drains within a few samples once the drift stops). Only a level beyond the
        // range it kept over the last day, or beyond `driftProfile` deviations from what
        // it is at this hour, feeds it in that direction (a daily ramp the forecast lags
        // behind stays inside both, and can only drain it); until that range speaks, it
        // stays empty.
        if warming || settings.driftLeak <= 0 || hourCount < Self.envelopeReadyHours {
            driftUp = 0
            driftDown = 0
        } else {
            let step = max(-settings.deadZone, min(settings.deadZone, z))
            let most = max(settings.driftDeadZone, 0) + settings.deadZone
            let profileUp = settings.driftProfile > 0 && profileDeviation > settings.driftProfile
            let profileDown = settings.driftProfile > 0 && profileDeviation < -settings.driftProfile
            let feedUp = envelope > 0 || profileUp ? step : min(step, 0)
            let feedDown = envelope < 0 || profileDown ? step : max(step, 0)
            driftUp = min(most, max(0, driftUp + feedUp - settings.driftLeak))
            driftDown = min(most, max(0, driftDown - feedDown - settings.driftLeak))
        }
        if warming { return nil }
        // The slow baseline needs a few of its spans of history before it may speak, the
        // envelope most of a day.
        let slowReady = Double(samples) >= 2 * slowSpan
        let envelopeReady = hourCount >= Self.envelopeReadyHours
        return Surprise(
            fast: z, slow: slowReady ? zSlow : 0, envelope: envelopeReady ? envelope : 0, novelty: novelty.novelty,
            rangeBreak: novelty.rangeBreak, profile: profileDeviation, counts: slowReady ? countDeviation ?? 0 : 0,
            drift: driftUp >= driftDown ? driftUp : -driftDown, valueAgainstProfile: valueAgainstProfile)
    }
}

extension Feature {
    /// This feature's drive onto the cell's onset neuron for one observation: the share of
    /// new contexts and a range break, divided by the feature's habituation when that is
    /// on (a feature that is often new needs more to count: an adaptive threshold per
    /// input). Updates the habituation.
    mutating func onsetDrive(_ surprise: Surprise, settings: DetectorSettings) -> Double {
        let raw = settings.noveltyWeight * surprise.novelty + settings.rangeBreakWeight * min(surprise.rangeBreak, 3)
        guard settings.habituationSamples > 0 else { return raw }
        let drive = raw / (1 + habituation)
        habituation = habituation * (1 - 1 / settings.habituationSamples) + surprise.novelty
        return drive
    }
}

extension Feature {
    /// Correlation with the cell's common mode above which a feature moves with the
    /// cell's load.
    static let loadCouplingCorrelation = 0.5

    /// This feature's correlation with the cell's common mode (its load): near 1 for a
    /// feature that rises and falls with load, near -1 for one that falls as load rises
    /// (per-user throughput), 0 until learned.
    func loadCorrelation(commonMoment: Double) -> Double {
        let scale = (ownMoment * commonMoment).squareRoot()
        return scale > 1e-9 ? coMoment / scale : 0
    }

    /// Whether this feature rises and falls with the cell's load.
    func isLoadCoupled(commonMoment: Double) -> Bool {
        loadCorrelation(commonMoment: commonMoment) > Self.loadCouplingCorrelation
    }
}

extension Feature {
    /// The episode habituation at time `t` (seconds), faded over `hours` (a time
    /// constant): per direction, how many recent alerts this feature carried.
    func episodeHabituation(at t: Double, hours: Double) -> (on: Double, off: Double) {
        guard hours > 0, hours.isFinite, episodeHabituation.on + episodeHabituation.off > 0 else { return (0, 0) }
        let fade = exp(-max(t - episodeHabituationTime, 0) / (hours * 3600))
        return (episodeHabituation.on * fade, episodeHabituation.off * fade)
    }

    /// Counts one more carried alert, in the directions given, at time `t`.
    mutating func habituateToEpisode(on: Bool, off: Bool, at t: Double, hours: Double) {
        let now = episodeHabituation(at: t, hours: hours)
        episodeHabituation = (now.on + (on ? 1 : 0), now.off + (off ? 1 : 0))
        episodeHabituationTime = max(t, episodeHabituationTime)
    }

    /// The weight on the evidence neuron of this feature's ON (or OFF) neuron firing at
    /// time `t`: one over one plus that direction's habituation.
    func evidenceWeight(on: Bool, at t: Double, hours: Double) -> Double {
        let habituation = episodeHabituation(at: t, hours: hours)
        return 1 / (1 + (on ? habituation.on : habituation.off))
    }
}
