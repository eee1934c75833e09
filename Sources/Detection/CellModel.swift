import Foundation
import SpikeCore
import Telemetry

#if canImport(Glibc)
import Glibc
#endif

/// An alert in progress on one cell.
struct ActiveAlert: Codable, Sendable {
    var startedAt: Double
    var severity: Alert.Severity
    var kind: String
    var lastPublished: Double
    var evidenceNames: [String]
    /// Every severity topic this alert was published on (a clear goes to each).
    var topics: [Alert.Severity]
    /// A routine alert (it repeats an earlier day's raise at the same hour): followed,
    /// never published (nil: an ordinary one).
    var routine: Bool?
    /// A routine alert whose sample lacked `quietSwitchOffMissing` of the cell's regular
    /// metrics (a layer switched off, first or again): it is raised after all when it
    /// turns out not to be the night's energy saving (``CellModel/switchOffEnds(_:present:at:settings:)``).
    /// Nil: not one.
    var switchOff: Bool?
    /// For a switch-off: a regular metric came back after its first hour (the layer woke).
    var woke: Bool?
}

/// A raise the cell remembers, to tell a routine repeat: when, and its evidence with the
/// way each moved (`metric+`, `metric-`), each hashed (FNV-1a of its UTF-8): eight bytes
/// a piece however long the metric's name.
struct RaiseMemory: Codable, Sendable, Equatable {
    var time: Double
    var signature: [UInt64]
}

/// One sample of a probed cell, for traces and diagnostics.
public struct ProbeRecord: Sendable {
    public struct FeatureReading: Sendable {
        public var name: String
        public var value: Double
        public var fast: Double
        public var slow: Double
        /// The level against this hour of the day (0 until the day profile is ready).
        public var profile: Double = 0
        /// How far the level left the range it kept over the last day, in envelope units.
        public var envelope: Double = 0
        /// The drift neuron's accumulated sigmas (positive upward, negative downward).
        public var drift: Double = 0
        public var spikesOn: Int
        public var spikesOff: Int
        /// The feature's ON and OFF neurons' potentials after this sample's input (before reset).
        public var potentialOn: Double
        public var potentialOff: Double
        public var firedOn: Bool
        public var firedOff: Bool
    }

    public var time: Double
    public var label: String?
    public var features: [FeatureReading]
    /// The evidence neuron's potential after this sample's input, before any reset.
    public var evidencePotential: Double
    public var evidenceThreshold: Double
    public var evidenceFired: Bool
    /// The cell events of this sample (`reporting_gap_s`, `counter_reset`, `joint_fall`),
    /// then `falling N` when falling features sent the coincidence neuron N spikes, and
    /// each of them as `name:spikes`.
    public var events: [String]
    public var score: Double
    public var alertActive: Bool
}

/// What one sample did to a cell.
struct CellStep {
    var score: Double
    var transitions: [Alert]
    var synapticEvents: Int
    /// Multiply-accumulates a dense network of the same shape would have done.
    var denseOperations: Int
    var surpriseSpikes: Int
}

/// One cell's learned state and its spiking network: feature neurons (an ON and an OFF
/// neuron per feature) feeding one evidence neuron, whose spikes raise and clear alerts.
struct CellModel: Codable, Sendable {
    let cell: String
    var tracks: [MetricTrack] = []
    var features: [Feature] = []
    /// Track index -> feature index using it directly (-1 none; -2 a ratio's numerator).
    var featureOfTrack: [Int] = []
    var featureNeurons: OnlineLIF
    var evidence: OnlineLIF
    /// The onset neuron: fires when something new happens in the cell (novel contexts,
    /// range breaks, feature-neuron spikes; gaps and resets when `onsetEventWeight` is
    /// set), then stays refractory. Its spikes are the per-sample score.
    var onset: OnlineLIF
    var evidenceTrace = 0.0
    var traceTime = 0.0
    /// The common mode's leaky second moment, and samples it has learned from (features'
    /// load coupling is judged only after `couplingSamples`).
    var commonMoment = 0.0
    var couplingSamples = 0
    /// Bit i set: a feature neuron fired or a cell event arrived i samples ago.
    var activityHistory: UInt64 = 0
    var period = 0.0
    /// The cell's first intervals while its period is being set (transient; a restored
    /// model is settled): the median of the first three sets it, and no gap is judged
    /// before. The first interval may be a copy of the first sample that nothing could
    /// yet tell (+1 µs), and one of three may be an early outage.
    var earlyIntervals: [Double]?
    /// Reporting gaps in a row of one length (within 5%), and the run's first length
    /// (transient): at four, the cell reports at that period now (it was set to report
    /// less often), and ``period`` takes it at once instead of calling every sample a
    /// gap. A source that reports irregularly seldom repeats one gap four times running.
    var gapRun = 0
    var gapRunLength = 0.0
    var lastTime: Double?
    var alert: ActiveAlert?
    /// Per event key ("gap", "reset"): evidence sent in the current episode.
    var episodeEvents: [String: Int] = [:]
    /// Samples since the current episode's first surprise spike or cell event (nil: none yet).
    var episodeAge: Int?
    /// The episode's spike counts as they stood `classWindowSamples` into it: what the
    /// class readout names the episode by from then on (nil until then).
    var classCounts: [String: Int]?
    /// The kind the readout named `classCounts` (transient, not checkpointed): once the
    /// counts are frozen the answer cannot change, so the readout is not run again on
    /// every sample of a long alert. A model reloaded mid-episode names the next episode.
    var frozenKind: String?
    var alertAcceptedUntil = -Double.infinity
    /// Metric values ignored because the cell already carries the most metrics it may.
    var ignoredMetrics = 0
    /// Habituation to short reporting gaps: a leaky count of the cell's recent ones (nil:
    /// none yet). A source that often skips a few samples (a 1 Hz sensor with an
    /// irregular clock) is not at fault each time; from the third, each weighs less.
    var gapHabituation: Double?
    /// Habituation to joint falls: a leaky count of the cell's recent blips, joint falls
    /// over by the next sample (nil: none yet). A source whose samples now and then come
    /// back empty (every user metric 0 for one sample, dozens of times an hour at 2-s
    /// reporting) is not going to sleep each time; from the third recent blip, each joint
    /// fall weighs less on the evidence neuron. A fall that lasts (a cell asleep) is no
    /// blip and leaves the next episode its full weight.
    var jointFallHabituation: Double?
    /// Samples running that carried a joint fall (nil: none yet); a run of one that ends
    /// is a blip, which the habituation counts.
    var jointFallRun: Int?
    /// Under an open alert: the features that had not carried it and began firing
    /// within the evidence neuron's time constant, each with the time it began (nil:
    /// none).
    var newcomers: [Newcomer]?
    /// Samples since a running total restarted from zero, and since a sample came late (an
    /// interval over 1.5 periods; nil: none yet). The two within a sample of each other are
    /// a restart (``restartPairSamples``), even when one counter is all it left behind.
    var samplesSinceReset: Int?
    var samplesSinceLateSample: Int?
    /// The cell's raises of the last `routineDays` days, published or routine (nil: none yet).
    var recentRaises: [RaiseMemory]?
    /// When the cell's current run of activity began (feature-neuron spikes and cell
    /// events, none more than ``DetectorSettings/raiseAfterSeconds``, or two periods,
    /// apart), and its last active sample (nil: none yet).
    var activeSince: Double?
    var lastActive: Double?

    /// Most periods ``DetectorSettings/raiseAfterSeconds`` asks the evidence to cover: a
    /// stream of seconds (a sensor at 1 Hz) is judged over a few samples, not minutes.
    /// (Each sample covers its period, and half a period more is allowed for a clock's
    /// jitter: at one minute, a run's third sample covers 3 minutes.)
    static let raiseAfterMostPeriods = 4.0

    /// Samples apart within which a counter from zero and a late sample make a restart.
    static let restartPairSamples = 1

    /// Global metric id -> track index; rebuilt from names after a restore.
    var trackOfMetric: [Int32] = []
    /// Per track: the stamp of the last sample that carried it (transient).
    var trackSeenAt: [UInt32] = []
    var sampleStamp: UInt32 = 0
    /// Per track: the samples in a row that carried it, up to its last (transient). A
    /// metric sent sample after sample is one the cell reports; one sent now and then (an
    /// hourly reading in a stream of minutes) is not missing between its readings.
    var trackRun: [UInt16] = []

    enum CodingKeys: String, CodingKey {
        case cell, tracks, features, featureOfTrack, featureNeurons, evidence, onset, evidenceTrace, traceTime
        case activityHistory, period, lastTime, alert, episodeEvents, alertAcceptedUntil, ignoredMetrics, episodeAge, classCounts
        case commonMoment, couplingSamples, gapHabituation, jointFallHabituation, jointFallRun, newcomers
        case samplesSinceReset, samplesSinceLateSample, recentRaises, activeSince, lastActive
    }

    /// What makes a decoded cell unusable (indices that point nowhere), or nil: a
    /// checkpoint whose JSON parses can still be damaged, and must be refused rather than
    /// crash the daemon on its next sample.
    var inconsistency: String? {
        guard featureOfTrack.count == tracks.count else {
            return "\(featureOfTrack.count) feature links for \(tracks.count) metrics"
        }
        if let bad = featureOfTrack.first(where: { $0 < -2 || $0 >= features.count }) {
            return "a metric links to feature \(bad) of \(features.count)"
        }
        if let bad = tracks.first(where: {
            ($0.earlyValues?.count ?? 0) != ($0.earlyTimes?.count ?? 0) || ($0.earlyValues?.count ?? 0) > MetricTrack.earlySamples
        }) {
            return "metric \"\(bad.name)\" keeps \(bad.earlyValues?.count ?? 0) first values with \(bad.earlyTimes?.count ?? 0) times"
        }
        guard evidence.count == 1 else { return "\(evidence.count) evidence neurons, expected 1" }
        guard onset.count == 1 else { return "\(onset.count) onset neurons, expected 1" }
        for feature in features {
            guard (0..<featureNeurons.count).contains(feature.onNeuron), (0..<featureNeurons.count).contains(feature.offNeuron)
            else { return "feature \"\(feature.name)\" names neurons outside the \(featureNeurons.count) there are" }
            let metrics: [Int]
            switch feature.source {
            case .gauge(let metric), .rate(let metric): metrics = [metric]
            case .ratio(let numerator, let denominator): metrics = [numerator, denominator]
            }
            guard metrics.allSatisfy({ (0..<tracks.count).contains($0) }) else {
                return "feature \"\(feature.name)\" reads a metric outside the \(tracks.count) there are"
            }
        }
        return nil
    }

    init(cell: String, settings: DetectorSettings) {
        self.cell = cell
        earlyIntervals = []
        featureNeurons = OnlineLIF(parameters: LIFParameters(tau: 1, vRest: 0, vReset: 0, vThresh: 1, refractory: 0))
        evidence = OnlineLIF(parameters: LIFParameters(tau: 1, vRest: 0, vReset: 0, vThresh: settings.evidenceThreshold, refractory: 0))
        evidence.add()
        onset = OnlineLIF(parameters: LIFParameters(tau: 1, vRest: 0, vReset: 0, vThresh: settings.onsetThreshold, refractory: 0))
        onset.add()
    }

    // MARK: The sample

    mutating func process(
        _ sample: TelemetrySample, names: MetricNames, settings: DetectorSettings, classifier: FaultClassifier?,
        probe: UnsafeMutablePointer<[ProbeRecord]>? = nil
    ) -> CellStep {
        var readings: [ProbeRecord.FeatureReading] = []
        let t = sample.timestamp
        let micros = Int64(max(-4e18, min(4e18, (t * 1_000_000).rounded())))  // checked: any t converts
        var synapticEvents = 0
        var surpriseSpikes = 0
        var eventWeight = 0.0
        var events: [(key: String, value: Double, low: Double, high: Double)] = []
        // Drive onto the onset neuron: the strongest feature's, plus a share of the others'.
        var strongestDrive = 0.0
        var totalDrive = 0.0
        var commonSum = 0.0
        var commonCount = 0
        var coupled = 0
        var coupledUp = 0
        var coupledDown = 0
        // The metrics behind features whose surprise saturated in this sample past
        // everything they have shown, after the load and relation gates, and whether any
        // rose and any fell (appended only when one does: most samples have none).
        var saturatedMetrics: [Int] = []
        var saturatedUp = false
        var saturatedDown = false
        // Spikes onto the coincidence neuron: features falling at this sample, at most
        // half its threshold from one feature.
        var falling = 0
        var jointFall = false
        var jointFallAtOnce = false
        let mostFromOneFeature = settings.jointFallSpikes / 2 + settings.jointFallSpikes % 2

        // Reporting period and gaps.
        var lateSample = false
        var interval = 0.0
        if let last = lastTime {
            let dt = t - last
            interval = dt
            if var early = earlyIntervals {
                // Setting the period: no gap can be judged yet.
                if dt > 0 { early.append(dt) }
                let sorted = early.sorted()
                if !sorted.isEmpty { period = max(sorted[sorted.count / 2], 1e-3) }
                earlyIntervals = early.count >= 3 ? nil : early
            } else if dt > 2.5 * period {
                lateSample = true
                gapRun = gapRun > 0 && abs(dt - gapRunLength) <= 0.05 * gapRunLength ? gapRun + 1 : 1
                if gapRun == 1 { gapRunLength = dt }
                // Only short gaps (a clock that skips a few samples) habituate, and only
                // from the third recent one: an outage, or two gaps of a flapping link,
                // weigh in full.
                let short = dt <= 10 * period
                let habituation = settings.gapHabituationSamples > 0 && short ? gapHabituation ?? 0 : 0
                // A skip of a sample or two weighs less than an outage: in proportion to how
                // far past 2.5 periods it went, in full from `fullGapPeriods`.
                let length = settings.fullGapPeriods > 2.5
                    ? min(max((dt / period - 2.5) / (settings.fullGapPeriods - 2.5), 0.2), 1) : 1
                eventWeight += Self.habituated(settings.eventWeight * length, by: habituation)
                if short { gapHabituation = habituation + 1 }
                events.append(("reporting_gap_s", dt, 0, 2.5 * period))
            } else if dt > 0 {
                lateSample = dt > 1.5 * period
                gapRun = 0
                period += 0.05 * (dt - period)
            }
            if gapRun >= 4 {
                period = dt
                gapRun = 0
            }
        }
        lastTime = t
        if let habituation = gapHabituation, settings.gapHabituationSamples > 0 {
            gapHabituation = Self.faded(habituation, over: settings.gapHabituationSamples)
        }
        let samplesPerHour = period > 0 ? 3600 / period : 60
        // Membrane time constants follow the cell's own reporting period.
        let featureTau = max(period, 1) * settings.featureTauPeriods * 1_000_000
        let evidenceTau = max(period, 1) * settings.evidenceTauPeriods * 1_000_000

        // Raw metrics: behaviour, counter resets. The features of metrics decided this
        // sample are made once all of its metrics are seen, so a success count's attempts
        // are chosen among every metric decided with it, whatever the order they came in.
        var decided: [Int] = []  // allocates only when a metric is decided
        var anyReset = false
        var totalResets = 0
        for metric in sample.metrics {
            guard let track = trackIndex(for: metric.id, names: names, limit: settings.maximumMetricsPerCell) else {
                ignoredMetrics += 1
                continue
            }
            let step = tracks[track].observeNoting(metric.value, at: t)
            if step.reset {
                anyReset = true
                // A running total worth the name: a small level taken for a counter (2
                // falling to 0) does not make a restart with another.
                if step.previousTotal >= 10 { totalResets += 1 }
            }
            if step.after != .undecided && featureOfTrack[track] == -1 {
                decided.append(track)
            } else if (step.before == .counter && step.after == .gauge) || (step.before == .gauge && step.after == .counter) {
                // It stepped down: a gauge that had crept up like a counter. Or it only ever
                // rose: a counter taken for a level. Its features are relearned.
                relearnFeatures(of: track)
            }
        }
        for track in decided where featureOfTrack[track] == -1 { createFeatures(for: track) }
        if anyReset {
            // Several counters from zero at once is a restart, gross evidence on its own
            // (an outage shorter than a reporting gap leaves nothing else at 15-minute
            // periods); one counter from zero may be that counter's own wrap.
            eventWeight += settings.eventWeight * (totalResets >= 2 ? 2 : 1)
            events.append(("counter_reset", 1, 0, 0))
        }
        // A running total from zero and a sample that came late (one skipped, too short a
        // silence to be a gap), within a sample of each other, are a restart that left
        // one counter behind (an outage shorter than two periods at 15-minute reporting):
        // it weighs as several counters from zero, at the sample that completes it.
        // (A count restored as negative, which no cell writes, is no sign at all.)
        samplesSinceReset = totalResets > 0 ? 0 : samplesSinceReset.flatMap { $0 >= 0 ? min($0, Int.max - 1) + 1 : nil }
        samplesSinceLateSample = lateSample ? 0 : samplesSinceLateSample.flatMap { $0 >= 0 ? min($0, Int.max - 1) + 1 : nil }
        if let reset = samplesSinceReset, let late = samplesSinceLateSample, min(reset, late) == 0,
           max(reset, late) <= Self.restartPairSamples, eventWeight < 2 * settings.eventWeight {
            if late == 0 && !events.contains(where: { $0.key == "reporting_gap_s" }) {
                events.append(("reporting_gap_s", interval, 0, 1.5 * period))
            }
            if !events.contains(where: { $0.key == "counter_reset" }) { events.append(("counter_reset", 1, 0, 0)) }
            eventWeight = 2 * settings.eventWeight
        }

        // Features: expectation, surprise, spikes onto the feature neurons.
        let alerting = alert != nil && t < alertAcceptedUntil
        let routineAlert = alerting && alert?.routine == true
        // Under an open alert: the features that carry its episode so far, each with more
        // than a thirtieth of the spikes of the one that carries it most (a fall of others
        // is something else happening, ``DetectorSettings/turnAfterSeconds``; a stray
        // spike or two of noise in a long alert does not make a feature a carrier).
        let carriedEpisode = alert != nil && settings.turnAfterSeconds > 0 ? episodeCarriers() : []
        // Which tracks this sample carries: a stamp per track, no allocation per sample.
        sampleStamp &+= 1
        if sampleStamp == 0 { sampleStamp = 1 }  // 0 stands for "never seen"
        if trackSeenAt.count < tracks.count {
            trackSeenAt.append(contentsOf: repeatElement(0, count: tracks.count - trackSeenAt.count))
        }
        if trackRun.count < tracks.count {
            trackRun.append(contentsOf: repeatElement(0, count: tracks.count - trackRun.count))
        }
        var returned = false
        for metric in sample.metrics where Int(metric.id) < trackOfMetric.count && trackOfMetric[Int(metric.id)] >= 0 {
            let track = Int(trackOfMetric[Int(metric.id)])
            let previous = trackSeenAt[track]
            // A regular metric back (one read now and then comes back all the time).
            if previous != 0 && sampleStamp &- previous > 1 && trackRun[track] >= PresentTracks.regularRun { returned = true }
            trackRun[track] = previous != 0 && sampleStamp &- previous == 1 ? trackRun[track] &+ (trackRun[track] < .max ? 1 : 0) : 1
            trackSeenAt[track] = sampleStamp
        }
        let present = PresentTracks(seenAt: trackSeenAt, runs: trackRun, stamp: sampleStamp, returned: returned)
        let clock = HourClock(time: settings.localTime.local(t))
        // The more features, the more often one lies far from its slow baseline of hours
        // by chance. (A span of minutes, on a stream of seconds, keeps the dead zone: a
        // shift there is a change, a valve closing.)
        let slowDeadZone = settings.slowDeadZone
            + (Feature.slowSpanIsHours(settings: settings, samplesPerHour: samplesPerHour)
                ? settings.slowDeadZonePerLogFeature * log(Double(max(features.count, 1))) : 0)
        // The features are moved out for the loop and walked through one buffer: no
        // uniqueness check or copy-on-write per access.
        do {
            var features: [Feature] = []
            swap(&features, &self.features)
            defer { swap(&features, &self.features) }
            features.withUnsafeMutableBufferPointer { features in
                for index in features.indices {
                    features[index].pendingFall = 0
                    features[index].pendingRangeBreak = false
                    features[index].sampleValue = .nan
                    features[index].sampleSpiked = false
                    // Freeze what carries the alert, so the fault is not learned as normal
                    // (a slow baseline still in its warm-up follows all the same).
                    let frozen = alerting && features[index].alertSpikes.on + features[index].alertSpikes.off > 0
                    // A sample the feature misses ends its decline (two in a row are two
                    // samples in a row).
                    guard let (x, noise, countDeviation) = Self.value(
                        of: &features[index], tracks: tracks, present: present, settings: settings,
                        samplesPerHour: samplesPerHour, frozen: frozen), x.isFinite
                    else {
                        features[index].declineSamples = 0
                        continue
                    }
                    features[index].sampleValue = x
                    guard let surprise = features[index].observe(
                        x, modelNoise: noise, settings: settings, samplesPerHour: samplesPerHour, frozen: frozen, clock: clock,
                        countDeviation: countDeviation)
                    else { continue }
                    let on = max(
                        spikes(surprise.fast, settings.deadZone, settings), spikes(surprise.slow, slowDeadZone, settings),
                        spikes(surprise.envelope, settings.envelopeDeadZone, settings),
                        spikes(surprise.profile, settings.profileDeadZone, settings),
                        settings.driftSpeaks ? spikes(surprise.drift, settings.driftDeadZone, settings) : 0,
                        settings.countDeadZone > 0 ? spikes(surprise.counts, settings.countDeadZone, settings) : 0)
                    let off = max(
                        spikes(-surprise.fast, settings.deadZone, settings), spikes(-surprise.slow, slowDeadZone, settings),
                        spikes(-surprise.envelope, settings.envelopeDeadZone, settings),
                        spikes(-surprise.profile, settings.profileDeadZone, settings),
                        settings.driftSpeaks ? spikes(-surprise.drift, settings.driftDeadZone, settings) : 0,
                        settings.countDeadZone > 0 ? spikes(-surprise.counts, settings.countDeadZone, settings) : 0)
                    if probe != nil {
                        readings.append(.init(
                            name: features[index].name, value: x, fast: surprise.fast, slow: surprise.slow,
                            profile: surprise.profile, envelope: surprise.envelope, drift: surprise.drift, spikesOn: on,
                            spikesOff: off,
                            potentialOn: featureNeurons.potential(features[index].onNeuron, at: micros, tau: featureTau) + Double(on) * settings.surpriseWeight,
                            potentialOff: featureNeurons.potential(features[index].offNeuron, at: micros, tau: featureTau) + Double(off) * settings.surpriseWeight,
                            firedOn: false, firedOff: false))
                    }
                    // A fall to at most `jointFallShare` of a positive forecast of a metric
                    // never negative (a step, not a steep decline), below what this hour
                    // has shown on other days (or the profile not yet speaking), sends the
                    // coincidence neuron its spikes: at most half its threshold, so two
                    // features at least must fall.
                    if settings.jointFallSpikes > 0 && -surprise.fast > settings.jointFallDeadZone
                        && features[index].minimumSeen >= 0
                        && (surprise.valueAgainstProfile ?? -.infinity) <= -settings.jointFallProfile {
                        let forecast = features[index].inverse(features[index].lastForecast)
                        if forecast > 0 && x <= settings.jointFallShare * forecast {
                            let input = min(spikes(-surprise.fast, settings.jointFallDeadZone, settings), mostFromOneFeature)
                            features[index].pendingFall = input
                            falling += input
                        }
                    }
                    // A decline of several samples to at most `jointFallShare` of where
                    // it began, below this hour's profile at a busy hour, sends the
                    // coincidence neuron half its threshold (``DetectorSettings/jointDeclineProfile``).
                    if settings.jointFallSpikes > 0 && settings.jointDeclineProfile > 0 && features[index].minimumSeen >= 0 {
                        if surprise.fast <= -Self.declineSigmas {
                            if features[index].declineSamples == 0 {
                                let forecast = features[index].inverse(features[index].lastForecast)
                                features[index].declineFrom = forecast.isFinite ? forecast : 0  // checkpointed: finite
                            }
                            features[index].declineSamples = min(features[index].declineSamples, Int.max - 1) + 1
                        } else {
                            features[index].declineSamples = 0
                        }
                        // Cheapest tests first: the profile's slots and the day's ranks last.
                        if features[index].declineSamples >= Self.declineRun && features[index].declineFrom > 0
                            && mostFromOneFeature > features[index].pendingFall
                            && x <= settings.jointFallShare * features[index].declineFrom
                            && (surprise.valueAgainstProfile ?? .infinity) <= -settings.jointDeclineProfile
                            && features[index].isBelowHoursAround(x, at: clock, by: settings.jointDeclineProfile)
                            && (features[index].quietRank(at: clock) ?? 0) >= Self.declineBusyRank
                        {
                            falling += mostFromOneFeature - features[index].pendingFall
                            features[index].pendingFall = mostFromOneFeature
                        }
                    }
                    // A count that stopped (``Feature/observeSilence(count:expected:settings:samplesPerHour:)``)
                    // sends the coincidence neuron half its threshold, or all of it once
                    // the run has missed `silenceAloneCounts`.
                    if settings.jointFallSpikes > 0 && settings.silenceCounts > 0,
                        let (count, expected) = Self.countThisInterval(
                            of: features[index], value: x, tracks: tracks, clock: clock, samplesPerHour: samplesPerHour)
                    {
                        // A count at nothing for most of this hour, or of the hour before,
                        // a day before (the seconds a layer slept, 0 by day) sends at most
                        // half the threshold: another feature must fall with it. (Not
                        // under a routine alert: a night's switch-off is held by its
                        // counts' silence until the layer wakes.)
                        features[index].recordCountHour(count, minimum: settings.silenceMinimumCount, hour: clock.hour)
                        if features[index].observeSilence(count: count, expected: expected, settings: settings, samplesPerHour: samplesPerHour) {
                            let alone = settings.silenceAloneCounts > 0 && features[index].silenceMissed >= settings.silenceAloneCounts
                                && (routineAlert || !features[index].silenceIsUsual(at: clock.hour, settings: settings))
                            let input = alone ? settings.jointFallSpikes : mostFromOneFeature
                            if input > features[index].pendingFall {
                                falling += input - features[index].pendingFall
                                features[index].pendingFall = input
                            }
                        }
                    }
                    let drive = features[index].onsetDrive(surprise, settings: settings)
                    strongestDrive = max(strongestDrive, drive)
                    totalDrive += drive
                    features[index].pendingOn = on
                    features[index].pendingOff = off
                    features[index].pendingRangeBreak = surprise.rangeBreak > 1
                    features[index].sampleSpiked = on + off > 0
                    // The cell's common mode: the features' slow deviations, clipped.
                    if surprise.slow != 0 {
                        let deviation = max(-3, min(3, surprise.slow))
                        commonSum += deviation
                        commonCount += 1
                        features[index].lastSlowDeviation = deviation
                    } else {
                        features[index].lastSlowDeviation = .nan
                    }
                    if couplingSamples >= settings.couplingSamples && features[index].isLoadCoupled(commonMoment: commonMoment) {
                        coupled += 1
                        if on > 0 { coupledUp += 1 }
                        if off > 0 { coupledDown += 1 }
                    }
                }
                // The coincidence neuron: spikes from the falling features, a membrane that
                // forgets within a sample (no state), threshold `jointFallSpikes`. Many
                // features falling together is what a cell losing its users does.
                jointFall = settings.jointFallSpikes > 0 && falling >= settings.jointFallSpikes
                // It raises at once with `jointFallAtOnceFeatures` features in it (a
                // feature counts once: a ratio apart from its numerator); fewer wait as any
                // evidence does: two per-user throughputs under a latency blip, or one
                // count silent long enough to speak alone (a minute without traffic at
                // night) raise only if they last.
                if jointFall {
                    var fell = 0
                    for index in features.indices where features[index].pendingFall > 0 { fell += 1 }
                    jointFallAtOnce = fell >= settings.jointFallAtOnceFeatures
                }
                // A load event: most load-coupled features rise together and none falls (a
                // crowd). Their rise is explained by load and sends nothing; features not
                // coupled to load (delay, error and success ratios, temperature) still speak.
                let loadEvent = settings.explainLoad && coupled >= 3 && 2 * coupledUp >= coupled && coupledDown == 0
                let common = commonCount > 0 ? commonSum / Double(commonCount) : 0
                let learnCoupling = settings.explainLoad && commonCount >= 3 && !alerting
                if learnCoupling {
                    let rate = 1 / Double(max(settings.couplingSamples, 1))
                    commonMoment += rate * (common * common - commonMoment)
                    couplingSamples += 1
                }
                let relating = settings.relationCorrelation > 0
                let relationMinimum = max(12, Int(settings.relationMinimumHours * samplesPerHour))
                for index in features.indices {
                    if learnCoupling, features[index].lastSlowDeviation.isFinite {
                        let deviation = features[index].lastSlowDeviation
                        let rate = 1 / Double(max(settings.couplingSamples, 1))
                        features[index].coMoment += rate * (deviation * common - features[index].coMoment)
                        features[index].ownMoment += rate * (deviation * deviation - features[index].ownMoment)
                    }
                    if jointFall && features[index].pendingFall > 0 {
                        // It fell with the others: it carries the episode (frozen while the
                        // alert lasts, named in its evidence, read by the class readout).
                        features[index].alertSpikes.off += features[index].pendingFall
                    }
                    var on = features[index].pendingOn
                    var off = features[index].pendingOff
                    guard on + off > 0 else { continue }
                    features[index].pendingOn = 0
                    features[index].pendingOff = 0
                    if loadEvent {
                        // Explained by load: a rise of what rises with load, a fall of what
                        // falls as load rises.
                        let correlation = features[index].loadCorrelation(commonMoment: commonMoment)
                        if correlation > Feature.loadCouplingCorrelation { on = 0 }
                        if correlation < -Feature.loadCouplingCorrelation { off = 0 }
                    }
                    // A rise (with `relationGatesFalls`, a fall too) along the line
                    // through a quiet partner that explains the feature (power
                    // following the PRB it serves) says nothing new.
                    if (on > 0 || (off > 0 && settings.relationGatesFalls)) && relating,
                        let residual = Self.relationResidual(
                            of: index, features: features, settings: settings, minimumPairs: relationMinimum),
                        abs(residual) < settings.relationGate
                    {
                        on = 0
                        if settings.relationGatesFalls { off = 0 }
                    }
                    // Saturated past everything it has shown, after the gates. Its metric
                    // is counted, not it (a ratio as its numerator's): two columns swapped
                    // move their ratio with them, and make two metrics, not three features.
                    if features[index].pendingRangeBreak && max(on, off) >= settings.maximumSpikes {
                        if on >= settings.maximumSpikes { saturatedUp = true } else { saturatedDown = true }
                        switch features[index].source {
                        case .gauge(let metric), .rate(let metric): saturatedMetrics.append(metric)
                        case .ratio(let numerator, _): saturatedMetrics.append(numerator)
                        }
                    }
                    if on > 0 {
                        featureNeurons.receive(features[index].onNeuron, weight: Double(on) * settings.surpriseWeight, at: micros, tau: featureTau)
                        features[index].alertSpikes.on += on
                    }
                    if off > 0 {
                        featureNeurons.receive(features[index].offNeuron, weight: Double(off) * settings.surpriseWeight, at: micros, tau: featureTau)
                        features[index].alertSpikes.off += off
                    }
                    synapticEvents += on + off
                    surpriseSpikes += on + off
                }
                if relating && !alerting {
                    Self.learnRelations(features: features, horizon: max(settings.relationHours * samplesPerHour, 1))
                }
            }
        }
        let firedFeatures = featureNeurons.settle(at: micros)
        if jointFall { events.append(("joint_fall", Double(falling), 0, Double(settings.jointFallSpikes - 1))) }

        // The evidence neuron: feature spikes and cell events, one microsecond later.
        let evidenceTime = micros + 1
        // One sample's feature spikes saturate at `evidencePerSample`: however many
        // features jump in one sample (a glitch, two columns swapped), the evidence must
        // persist into a second sample to raise. So must a joint fall (it weighs as a cell
        // event, within that limit). Gaps and resets are gross evidence and raise on
        // their own.
        var jointFallWeight = 0.0
        let habituating = settings.jointFallHabituationSamples > 0
        if jointFall {
            let habituation = habituating ? jointFallHabituation ?? 0 : 0
            jointFallWeight = Self.habituated(settings.eventWeight, by: habituation)
            jointFallRun = min(max(jointFallRun ?? 0, 0), Int.max - 1) + 1  // checked: a restored Int.max cannot overflow
        } else if let run = jointFallRun, run > 0 {
            if run == 1 && habituating { jointFallHabituation = (jointFallHabituation ?? 0) + 1 }  // a blip
            jointFallRun = 0
        }
        if let habituation = jointFallHabituation, habituating {
            jointFallHabituation = Self.faded(habituation, over: settings.jointFallHabituationSamples)
        }
        var firedDrive = Double(firedFeatures.count)
        if settings.episodeHabituationHours > 0 && !firedFeatures.isEmpty {
            // Each fired direction weighs one over one plus its episode habituation (only
            // the few features that ever habituated are looked up).
            for index in features.indices where features[index].episodeHabituation.on + features[index].episodeHabituation.off > 0 {
                if firedFeatures.contains(features[index].onNeuron) {
                    firedDrive += features[index].evidenceWeight(on: true, at: t, hours: settings.episodeHabituationHours) - 1
                }
                if firedFeatures.contains(features[index].offNeuron) {
                    firedDrive += features[index].evidenceWeight(on: false, at: t, hours: settings.episodeHabituationHours) - 1
                }
            }
        }
        let featureDrive = firedDrive + jointFallWeight
        // Many metrics past everything they have shown, some up and some down, is a
        // restart inside one period; all one way may be a glitch of scale (every value
        // of one sample tenfold), which must last to raise.
        let uncapped = settings.saturatedMetricsRaise > 0 && saturatedUp && saturatedDown
            && Double(Set(saturatedMetrics).count) >= settings.saturatedMetricsRaise
        if featureDrive > 0 {
            evidence.receive(0, weight: uncapped ? featureDrive : min(featureDrive, settings.evidencePerSample), at: evidenceTime, tau: evidenceTau)
        }
        // A restart under an open alert (not a routine one: that has its own rule below)
        // whose episode had none: something else happening
        // (``DetectorSettings/turnOnRestarts``). A restart is a counter reset that weighs
        // as several counters from zero (two or more, one with a gap or a late sample):
        // one counter from zero alone may be its own wrap. Counted before this sample's
        // events join the episode; a reset of the sample before, which a late sample now
        // completes, is part of this restart.
        // (Cheapest tests first: most samples carry no event at all.)
        let newRestart = settings.turnOnRestarts && eventWeight >= 2 * settings.eventWeight
            && settings.turnAfterSeconds > 0 && alert != nil && alert?.routine != true
            && events.contains { $0.key == "counter_reset" }
            && (episodeEvents["counter_reset"] ?? 0) - (samplesSinceReset == 1 ? 1 : 0) <= 0
        if eventWeight > 0 {
            evidence.receive(0, weight: eventWeight, at: evidenceTime, tau: evidenceTau)
            // (A joint fall's spikes were counted on the features that fell.)
            for event in events where event.key != "joint_fall" && (event.key != "counter_reset" || anyReset) {
                episodeEvents[event.key, default: 0] += 1
            }
        }
        synapticEvents += falling + firedFeatures.count + (eventWeight > 0 ? 1 : 0) + (jointFall ? 1 : 0)
        let evidencePotential = evidence.potential(0, at: evidenceTime, tau: evidenceTau)
        activityHistory = activityHistory << 1 | (firedFeatures.isEmpty && eventWeight == 0 && !jointFall ? 0 : 1)
        if activityHistory & 1 == 1 {
            // A new run when none was going, or the last active sample lies further back
            // than the evidence must cover (or two periods).
            // (A restored time that is not finite, or lies ahead of this sample, ends the run.)
            if let last = lastActive, let since = activeSince, since.isFinite, since <= last, last <= t,
                t - last <= max(settings.raiseAfterSeconds, 2 * period) {
                // The run goes on.
            } else {
                activeSince = t
            }
            lastActive = t
        }
        let evidenceFired = !evidence.settle(at: evidenceTime).isEmpty
        // With no alert open, a spike of the evidence neuron whose run has not yet covered
        // `raiseAfterSeconds` is spent without a raise (the neuron resets as it fires):
        // the evidence must gather again and fire at a later sample. A reporting gap or
        // counter reset of full weight, a sample past the cap and a joint fall of
        // `jointFallAtOnceFeatures` features or more raise at once. At one minute a
        // feature alone raises at its run's third sample, several (which fire the neuron
        // at the second) at the fourth. (Holding the spike instead, the neuron left
        // charged, raised every blip a sample later: D 0.601 -> 0.588.)
        var runStart = t
        if let since = activeSince, since.isFinite, since <= t { runStart = since }
        let spentEarly = alert == nil && evidenceFired && settings.raiseAfterSeconds > 0
            && !(eventWeight >= settings.eventWeight || uncapped || jointFallAtOnce)
            && t - runStart + 1.5 * period < min(settings.raiseAfterSeconds, Self.raiseAfterMostPeriods * period)
        // The episode's onset: its first `classWindowSamples` samples name its kind; what
        // follows (the recovery, a fault's side effects) does not rename it.
        if let age = episodeAge {
            episodeAge = age + 1
        } else if surpriseSpikes > 0 || eventWeight > 0 || jointFall {
            episodeAge = 1
        }
        if classCounts == nil, let age = episodeAge, age >= settings.classWindowSamples { classCounts = spikeCounts() }

        // Alert score: the evidence neuron's leaky-integrated firing plus its sub-threshold drive.
        if traceTime > 0 { evidenceTrace *= exp(-(t - traceTime) / (2 * max(period, 1) * settings.evidenceTauPeriods)) }
        traceTime = t
        if evidenceFired { evidenceTrace += 1 }
        // A spike counts by how far past threshold the evidence went (many features at once).
        let drive = max(0, evidenceFired ? evidencePotential - settings.evidenceThreshold
                                          : evidence.potential(0, at: evidenceTime, tau: evidenceTau)) / settings.evidenceThreshold
        let score = 1 - exp(-(evidenceTrace + drive))

        // The per-sample score: the onset neuron's spike, graded by how far past its
        // threshold the drive went; 0 when it does not fire (or is refractory).
        var sampleScore = 0.0
        if !firedFeatures.isEmpty {
            // A feature neuron's spike (sustained or strong forecast surprise) drives the
            // onset neuron too: with two thirds of a feature's contexts new at the same
            // sample, it fires.
            strongestDrive = max(strongestDrive, settings.surpriseDriveWeight)
            totalDrive += settings.surpriseDriveWeight
        }
        let onsetDrive = strongestDrive + 0.3 * (totalDrive - strongestDrive) + (eventWeight > 0 ? settings.onsetEventWeight : 0)
        if onsetDrive > 0 {
            let onsetTime = micros + 2
            let onsetTau = max(period, 1) * 1_000_000
            onset.receive(0, weight: onsetDrive, at: onsetTime, tau: onsetTau)
            let potential = onset.potential(0, at: onsetTime, tau: onsetTau)
            let periods = settings.onsetRefractoryPeriods.isFinite ? max(settings.onsetRefractoryPeriods, 0) : 0
            let refractory = Int64(min(max(period, 1) * periods, 1e12) * 1_000_000)  // checked: at most 1e18
            if !onset.settle(at: onsetTime, refractory: refractory, threshold: settings.onsetThreshold).isEmpty {
                sampleScore = 1 - 0.5 * exp(-(potential - settings.onsetThreshold) / settings.onsetThreshold)
            }
            synapticEvents += 1
        }

        // Alert state machine.
        var transitions: [Alert] = []
        // Quiet samples that clear: `clearAfter`, and no more than `clearAfterSeconds` of
        // telemetry hold (at least 3 samples): at 15-minute reporting, 10 quiet samples
        // would keep a finished fault's alert open two and a half hours.
        let quietByTime = period > 0 && settings.clearAfterSeconds.isFinite && settings.clearAfterSeconds > 0
            ? max(3, Int(min((settings.clearAfterSeconds / period).rounded(.up), 64))) : Int.max
        let quietSamples = min(settings.clearAfter, quietByTime)
        let quietMask = UInt64(1) << UInt64(min(max(quietSamples, 1), 63)) - 1
        var newFalls = 0
        var newRises = 0
        // Features that had not carried the alert, firing now, and those that fired
        // within the evidence neuron's time constant (not under a routine alert): a
        // change whose features come a sample or two apart (a transport delay that
        // jumps, then uplink throughput that falls) is one change.
        var windowFalls = 0
        var windowRises = 0
        var windowFeatures = 0
        if alert != nil && !carriedEpisode.isEmpty && (!firedFeatures.isEmpty || newcomers != nil) {
            let window = settings.evidenceTauPeriods * max(period, 1)
            var lately = newcomers ?? []
            newcomers = nil  // `lately` owns the array: no copy when it changes
            lately.removeAll { !(t - $0.time >= 0 && t - $0.time <= window) }
            var firedNow = false
            if !firedFeatures.isEmpty {
                for index in features.indices where index < carriedEpisode.count && !carriedEpisode[index] {
                    let fell = firedFeatures.contains(features[index].offNeuron)
                    let rose = settings.turnOnRises && firedFeatures.contains(features[index].onNeuron)
                    guard fell || rose else { continue }
                    firedNow = true
                    if evidenceFired {
                        if fell { newFalls += 1 }
                        if rose { newRises += 1 }
                    }
                    if let at = lately.firstIndex(where: { $0.index == index }) {
                        lately[at].fell = lately[at].fell || fell
                        lately[at].rose = lately[at].rose || rose
                        lately[at].samples = min(lately[at].samples ?? 1, Int.max - 1) + 1
                    } else {
                        lately.append(Newcomer(index: index, time: t, fell: fell, rose: rose))
                    }
                }
            }
            if firedNow && evidenceFired && alert?.routine != true {
                windowFeatures = lately.count
                if settings.turnOnOneSustained > 0 && lately.contains(where: { ($0.samples ?? 1) >= settings.turnOnOneSustained }) {
                    windowFeatures = max(windowFeatures, 2)
                }
                windowFalls = lately.reduce(0) { $0 + ($1.fell ? 1 : 0) }
                windowRises = lately.reduce(0) { $0 + ($1.rose ? 1 : 0) }
            }
            newcomers = lately.isEmpty ? nil : lately
        }
        let published = alert?.routine != true
        let sameSample = newFalls + newRises >= 2
        if let active = alert, sameSample || windowFeatures >= 2 || (newRestart && evidenceFired),
            t - active.startedAt >= settings.turnAfterSeconds
        {
            // The cell turned: features that had not carried the open alert fall together
            // (its users and access going, under a morning alert of load or delay), rise
            // together (a backhaul's delay and loss, under an alert of load), or one falls
            // as another rises (uplink noise up and uplink throughput down), or fire
            // within the evidence neuron's time constant of each other, or it
            // restarted. The old alert clears and the change is raised as an episode of
            // its own, which keeps only the spikes, in the change's direction (both, for
            // one of each), of what did not carry the old one (a restart: only the
            // restart).
            if published {
                transitions.append(makeAlert(.cleared, settings: settings, severity: active.severity, active: active, score: score, time: t,
                                             names: names))
            }
            // The old alert's carriers: not the newcomers of the window, which may have
            // gathered spikes enough to pass for carriers since they began.
            var oldCarriers = carriedEpisode
            for newcomer in newcomers ?? [] where newcomer.index >= 0 && newcomer.index < oldCarriers.count {
                oldCarriers[newcomer.index] = false
            }
            if published { habituateToEpisode(at: t, settings: settings, carriers: oldCarriers) }
            for index in features.indices {
                if newRestart || (index < oldCarriers.count && oldCarriers[index]) {
                    features[index].alertSpikes = (0, 0)
                } else if sameSample ? newFalls >= 2 : windowRises == 0 {
                    features[index].alertSpikes.on = 0
                } else if sameSample ? newRises >= 2 : windowFalls == 0 {
                    features[index].alertSpikes.off = 0
                }
            }
            episodeEvents = [:]
            newcomers = nil
            if newRestart {
                // The restart's events (a gap with it) begin the new episode.
                for event in events where event.key != "joint_fall" { episodeEvents[event.key] = 1 }
            }
            episodeAge = 1
            classCounts = nil
            frozenKind = nil
            if let raised = raiseAlert(at: t, score: score, settings: settings, classifier: classifier, names: names, events: events,
                                        metricsMissing: present.missingCount) {
                transitions.append(raised)
            }
        } else if let active = alert, active.routine == true,
            events.contains(where: { $0.key == "counter_reset" })
                || (active.switchOff == true && switchOffEnds(active, present: present, at: t, settings: settings))
        {
            // A restart under a routine alert (counters from zero) is no part of the
            // routine, nor a switch-off whose metrics came back within the hour,
            // that stayed off into the layer's busy hours or that lasted past any night:
            // the alert is raised from here, and published from now on.
            if let raised = raiseAlert(at: t, score: score, settings: settings, classifier: classifier, names: names, events: events,
                                        metricsMissing: present.missingCount, published: active.switchOff == true) {
                transitions.append(raised)
            }
        } else if var active = alert {
            if active.switchOff == true && present.returned { active.woke = true }
            // Quiet is not enough while a feature that carries the alert is still at the
            // shifted level its forecast accepted (a long fault): hold until it steps back.
            let held = settings.holdShiftedAlerts && t < alertAcceptedUntil
                && features.contains { $0.acceptedShift != 0 && $0.alertSpikes.on + $0.alertSpikes.off > 0 }
            if (activityHistory & quietMask == 0 && !held) || t >= alertAcceptedUntil {
                if published {
                    transitions.append(makeAlert(.cleared, settings: settings, severity: active.severity, active: active, score: score,
                                                 time: t, names: names))
                }
                alert = nil
                if published { habituateToEpisode(at: t, settings: settings, carriers: carriedEpisode) }
                resetEpisode()
            } else {
                let severity = Self.severity(score: score, active: active)
                let kind = episodeKind(classifier) ?? active.kind
                let evidenceNames = topEvidence(events: events, settings: settings).map(\.metric)
                let changed = severity != active.severity || kind != active.kind || evidenceNames != active.evidenceNames
                if changed && t - active.lastPublished >= settings.updateInterval {
                    active.severity = severity
                    active.kind = kind
                    active.evidenceNames = evidenceNames
                    active.lastPublished = t
                    if !active.topics.contains(severity) { active.topics.append(severity) }
                    if published {
                        transitions.append(makeAlert(.updated, settings: settings, severity: severity, active: active, score: score,
                                                     time: t, names: names, events: events))
                    }
                }
                alert = active
            }
        } else if evidenceFired && !spentEarly {
            if let raised = raiseAlert(at: t, score: score, settings: settings, classifier: classifier, names: names, events: events,
                                        metricsMissing: present.missingCount) {
                transitions.append(raised)
            }
        } else if activityHistory & quietMask == 0 {
            resetEpisode()
        }

        if let probe {
            let firedSet = Set(firedFeatures)
            for index in readings.indices {
                if let feature = features.first(where: { $0.name.utf8.elementsEqual(readings[index].name.utf8) }) {
                    readings[index].firedOn = firedSet.contains(feature.onNeuron)
                    readings[index].firedOff = firedSet.contains(feature.offNeuron)
                }
            }
            probe.pointee.append(ProbeRecord(
                time: t, label: sample.label, features: readings, evidencePotential: evidencePotential,
                evidenceThreshold: settings.evidenceThreshold, evidenceFired: evidenceFired,
                events: events.map(\.key) + (falling > 0 ? ["falling \(falling)"] + features.filter { $0.pendingFall > 0 }.map { "\($0.name):\($0.pendingFall)" } : []),
                score: score, alertActive: alert != nil))
        }
        let featureCount = features.count
        // Surprise onto the feature neurons, their spikes onto the evidence neuron, every
        // feature onto the coincidence neuron, and the class readout.
        let dense = 2 * featureCount + 2 * featureCount + featureCount + (classifier.map { 2 * featureCount * $0.kinds.count } ?? 0)
        return CellStep(score: sampleScore, transitions: transitions, synapticEvents: synapticEvents, denseOperations: dense,
                        surpriseSpikes: surpriseSpikes)
    }

    /// Sigmas a feature's forecast must miss it downward by, sample after sample, for a
    /// decline (``DetectorSettings/jointDeclineProfile``).
    static let declineSigmas = 2.0
    /// Samples in a row a decline must last before it speaks.
    static let declineRun = 2
    /// Where the hour must rank in the feature's day (``Feature/quietRank(at:usual:)``)
    /// for a decline to speak: the busier half (a cell draining at night loses little).
    static let declineBusyRank = 0.5

    /// Surprise spikes for a normalised deviation: none inside the dead zone, then one
    /// more per `spikeUnit` sigmas, capped.
    func spikes(_ z: Double, _ deadZone: Double, _ settings: DetectorSettings) -> Int {
        guard z > deadZone else { return 0 }
        return min(settings.maximumSpikes, 1 + Int(min(Double(settings.maximumSpikes), (z - deadZone) / settings.spikeUnit)))
    }

    /// The severity of a score, judged on the score as published (four decimals), so a
    /// consumer can recompute it from the alert: 0.89996 is published as 0.9, `major`.
    static func severity(score unrounded: Double, active: ActiveAlert?) -> Alert.Severity {
        let score = Alert.publishedScore(unrounded)
        if score >= 0.97 { return .critical }
        if score >= 0.9 { return .major }
        if score >= 0.75 { return .minor }
        return .warning
    }

    /// A published alert ends (a routine one, never seen, teaches nothing): each feature
    /// that carried it, in the directions it carried, habituates. The carriers are those
    /// of the episode before this sample (`carriers`, when known: at a turn, the
    /// features that turn the cell have just spiked and are not the old alert's), each
    /// with more than a thirtieth of the spikes of the one that carried it most, as for
    /// a turn; a direction counts with more than a thirtieth of those spikes too, and,
    /// once the episode's onset is known (`classWindowSamples`), only if the feature
    /// spiked that way in it. A stream of one feature does not habituate: no other
    /// feature could join its evidence, so habituating would only make it slower to
    /// raise.
    mutating func habituateToEpisode(at t: Double, settings: DetectorSettings, carriers: [Bool]) {
        guard settings.episodeHabituationHours > 0, features.count > 1 else { return }
        let most = features.reduce(0) { max($0, $1.alertSpikes.on + $1.alertSpikes.off) }
        guard most > 0 else { return }
        let carriers = carriers.isEmpty ? episodeCarriers() : carriers
        for index in features.indices where index < carriers.count && carriers[index] {
            var on = 30 * features[index].alertSpikes.on > most
            var off = 30 * features[index].alertSpikes.off > most
            if let onset = classCounts {
                // Only the directions of the episode's onset (its first samples): a
                // crowd's departure does not habituate the users' fall a sleeping cell
                // shows.
                on = on && onset[features[index].name + "+"] != nil
                off = off && onset[features[index].name + "-"] != nil
            }
            if on || off { features[index].habituateToEpisode(on: on, off: off, at: t, hours: settings.episodeHabituationHours) }
        }
    }

    /// The features that carry the current episode: each with more than a thirtieth of
    /// the spikes of the one that carries it most (a stray spike or two of noise in a
    /// long alert does not make a feature a carrier).
    func episodeCarriers() -> [Bool] {
        let most = features.reduce(0) { max($0, $1.alertSpikes.on + $1.alertSpikes.off) }
        return features.map { 30 * ($0.alertSpikes.on + $0.alertSpikes.off) > most }
    }

    mutating func resetEpisode() {
        for index in features.indices { features[index].alertSpikes = (0, 0) }
        newcomers = nil
        episodeEvents = [:]
        episodeAge = nil
        classCounts = nil
        frozenKind = nil
    }

    /// The kind the class readout names the episode (nil without a readout); computed once
    /// the episode's counts are frozen, then kept.
    mutating func episodeKind(_ classifier: FaultClassifier?) -> String? {
        guard let classifier else { return nil }
        if let frozenKind { return frozenKind }
        let kind = classifier.classify(classificationCounts())
        if classCounts != nil { frozenKind = kind }
        return kind
    }

    /// What the class readout sees: the episode's spike counts, frozen once the episode is
    /// `classWindowSamples` old.
    func classificationCounts() -> [String: Int] {
        classCounts ?? spikeCounts()
    }

    /// Spike counts of the current episode by readout key (`name+`, `name-`, `gap`, `reset`).
    func spikeCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        for feature in features {
            if feature.alertSpikes.on > 0 { counts[feature.name + "+"] = feature.alertSpikes.on }
            if feature.alertSpikes.off > 0 { counts[feature.name + "-"] = feature.alertSpikes.off }
        }
        for (key, count) in episodeEvents { counts[key] = count }
        return counts
    }

    func topEvidence(events: [(key: String, value: Double, low: Double, high: Double)], settings: DetectorSettings)
        -> [Alert.Evidence]
    {
        var ranked = features.filter { $0.alertSpikes.on + $0.alertSpikes.off > 0 }
        ranked.sort { ($0.alertSpikes.on + $0.alertSpikes.off, $1.name) > ($1.alertSpikes.on + $1.alertSpikes.off, $0.name) }
        var evidence = ranked.prefix(5).map { feature in
            let (low, high) = feature.normalRange(
                deadZone: settings.deadZone, envelopeDeadZone: settings.envelopeDeadZone,
                driftDeadZone: settings.driftSpeaks ? settings.driftDeadZone : .infinity)
            // (A range of NaN from a state overflowed by values near the largest double
            // is no range: it reads as the value itself.)
            let (a, b) = (rounded(low.isNaN ? feature.lastValue : low), rounded(high.isNaN ? feature.lastValue : high))
            return Alert.Evidence(metric: feature.name, value: rounded(feature.lastValue), low: min(a, b), high: max(a, b))
        }
        for event in events { evidence.append(.init(metric: event.key, value: event.value, low: event.low, high: event.high)) }
        return evidence
    }

    /// Opens an alert at `t` (the episode's kind, severity and evidence as they stand)
    /// and returns its `raised` transition, or nil when the raise is routine: its
    /// evidence mostly fell, the sample lacks `missingCount` of the cell's regular metrics
    /// (a layer switched off measures no radio quality; a cell asleep by fault goes on
    /// reporting them), and it repeats an earlier day's (``isRoutine(_:at:settings:)``)
    /// or, lacking `quietSwitchOffMissing` of them, falls in the quiet hours
    /// (``fellInQuietHours(_:at:settings:)``).
    /// A routine alert is followed as any other, unpublished.
    mutating func raiseAlert(
        at t: Double, score: Double, settings: DetectorSettings, classifier: FaultClassifier?, names: MetricNames,
        events: [(key: String, value: Double, low: Double, high: Double)], metricsMissing missingCount: Int,
        published: Bool = false
    ) -> Alert? {
        let severity = Self.severity(score: score, active: nil)
        let kind = episodeKind(classifier) ?? "anomaly"
        let evidence = topEvidence(events: events, settings: settings)
        let signature = Self.signature(of: evidence)
        let repeated = !published && missingCount > 0 && Self.mostlyFalls(signature) && isRoutine(signature, at: t, settings: settings)
        let switchOff = !published && !repeated && Double(missingCount) >= settings.quietSwitchOffMissing
            && Self.mostlyFalls(signature) && fellInQuietHours(evidence, at: t, settings: settings)
        let woke = !published && !repeated && !switchOff && wokeInItsFirstDay(evidence, settings: settings)
        let routine = repeated || switchOff || woke
        remember(signature, at: t, settings: settings)
        let active = ActiveAlert(
            startedAt: t, severity: severity, kind: kind, lastPublished: t, evidenceNames: evidence.map(\.metric),
            topics: [severity], routine: routine ? true : nil,
            switchOff: (repeated || switchOff) && Double(missingCount) >= settings.quietSwitchOffMissing ? true : nil)
        alert = active
        alertAcceptedUntil = t + settings.maximumAlertHours * 3600
        guard !routine else { return nil }
        return makeAlert(.raised, settings: settings, severity: severity, active: active, score: score, time: t,
                         names: names, events: events)
    }

    /// An alert's evidence as `metric+` (above its normal range), `metric-` (below) or
    /// the bare name.
    static func signature(of evidence: [Alert.Evidence]) -> [String] {
        evidence.map { $0.value > $0.high ? $0.metric + "+" : $0.value < $0.low ? $0.metric + "-" : $0.metric }
    }

    /// A signature's pieces hashed for ``RaiseMemory`` (FNV-1a, 64 bits: the same on
    /// every build and machine, so a checkpoint's memory matches after a restart).
    static func hashed(_ signature: [String]) -> [UInt64] {
        signature.map { piece in
            piece.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        }
    }

    /// Whether a raise repeats one of an earlier day: 1 to `routineDays` days before,
    /// within `routineMinutes` (at most 12 hours) of the same time of day, sharing at
    /// least half of the larger signature. A cell that switches its capacity layer off
    /// every night raises the same falls at the same minute each night; a fault seldom
    /// keeps such hours.
    func isRoutine(_ signature: [String], at t: Double, settings: DetectorSettings) -> Bool {
        let window = min(settings.routineMinutes * 60, 43_200)
        guard window > 0, t.isFinite, Self.mostlyFalls(signature), let memory = recentRaises else { return false }
        let pieces = Set(Self.hashed(signature))
        let day = 86_400.0
        for earlier in memory.suffix(Self.raiseMemoryLimit) {
            let age = t - earlier.time
            guard age >= day - window, age <= settings.routineDays * day + window else { continue }
            guard abs(age - (age / day).rounded() * day) <= window else { continue }
            let shared = pieces.intersection(earlier.signature).count
            if shared * 2 >= max(earlier.signature.count, pieces.count) { return true }
        }
        return false
    }

    /// Whether a signature shows a cell going quiet: more of it fell than rose (a joint
    /// fall counts as a fall). A layer switching off drops its counts and raises the
    /// seconds it slept; a rise at the same hour as yesterday's (congestion at the busy
    /// hour, interference from a neighbour's schedule) is still a fault.
    static func mostlyFalls(_ signature: [String]) -> Bool {
        var falls = 0
        var rises = 0
        for piece in signature {
            if piece.hasSuffix("-") || piece == "joint_fall+" { falls += 1 } else if piece.hasSuffix("+") { rises += 1 }
        }
        return falls > rises
    }

    /// Whether every feature the evidence shows fallen (below its normal range, or
    /// carrying the episode downward) is in its quiet hours
    /// (``Feature/quietRank(at:usual:)`` below `quietSwitchOffShare`; a feature whose day
    /// has not spoken is not), and one at least is.
    func fellInQuietHours(_ evidence: [Alert.Evidence], at t: Double, settings: DetectorSettings) -> Bool {
        guard settings.quietSwitchOffShare > 0 else { return false }
        let clock = HourClock(time: settings.localTime.local(t))
        var fallen = 0
        for item in evidence {
            guard let feature = features.first(where: { $0.name.utf8.elementsEqual(item.metric.utf8) }) else { continue }
            // Fallen: below its normal range, or carrying the episode downward (a count
            // that fell to nearly nothing, with a normal range that reaches zero).
            guard item.value < item.low || feature.alertSpikes.off > feature.alertSpikes.on else { continue }
            guard let rank = feature.quietRank(at: clock), rank < settings.quietSwitchOffShare else { return false }
            fallen += 1
        }
        return fallen > 0
    }

    /// Whether a raise is a capacity layer waking in the cell's first day (a stream that
    /// began while it slept): every feature of the evidence rose, `wakeRiseFeatures` or
    /// more of them to `wakeRiseFactor` times the top of its normal range or more, no
    /// feature of the cell fell, and nothing else (no gap, reset or joint fall) is in the
    /// evidence. Not on a stream of seconds (its slow baseline spans minutes): a test bed
    /// has no layer to wake.
    func wokeInItsFirstDay(_ evidence: [Alert.Evidence], settings: DetectorSettings) -> Bool {
        guard settings.wakeRiseFeatures > 0, !evidence.isEmpty else { return false }
        let samplesPerHour = period > 0 ? 3600 / period : 60
        guard Feature.slowSpanIsHours(settings: settings, samplesPerHour: samplesPerHour) else { return false }
        // The cell's first day: its oldest feature (one relearned later starts again).
        let oldest = features.reduce(0) { max($0, $1.samples) }
        guard Double(oldest) < 24 * samplesPerHour else { return false }
        // Nothing fell, not even a feature beyond the evidence's first five.
        guard !features.contains(where: { $0.alertSpikes.off > 0 }) else { return false }
        var rose = 0
        for item in evidence {
            // An event (a joint fall, a gap, a reset) is no feature: no layer waking.
            guard features.contains(where: { $0.name.utf8.elementsEqual(item.metric.utf8) }) else { return false }
            guard item.value > item.high, item.high >= 0 else { return false }
            // A range whose top is zero or less (or rounds to it) makes no multiple.
            if item.high > 0 && item.high.isFinite && item.value >= settings.wakeRiseFactor * item.high { rose += 1 }
        }
        return Double(rose) >= settings.wakeRiseFeatures
    }

    /// Hours after which a switch-off alert still open is raised: no night's energy saving
    /// lasts so long.
    static let switchOffMostHours = 8.0

    /// Whether a switch-off's alert (``ActiveAlert/switchOff``) is no energy saving
    /// after all: a metric sent sample after sample came back within
    /// `quietSwitchOffMinutes` (a restart); none has come back by an hour that is not
    /// quiet for most of what its evidence names (the hour usually holds more than the
    /// lowest `quietSwitchOffShare` of the day: the layer did not wake); or none has come
    /// back in ``switchOffMostHours``.
    func switchOffEnds(_ active: ActiveAlert, present: PresentTracks, at t: Double, settings: DetectorSettings) -> Bool {
        let age = t - active.startedAt
        if present.returned { return age <= settings.quietSwitchOffMinutes * 60 }
        if active.woke == true { return false }
        if age >= Self.switchOffMostHours * 3600 { return true }
        guard settings.quietSwitchOffShare > 0 else { return false }
        let clock = HourClock(time: settings.localTime.local(t))
        var ranked = 0
        var busy = 0
        for name in active.evidenceNames {
            guard let rank = features.first(where: { $0.name.utf8.elementsEqual(name.utf8) })?.quietRank(at: clock, usual: true) else { continue }
            ranked += 1
            if rank >= settings.quietSwitchOffShare { busy += 1 }
        }
        return 2 * busy > ranked
    }

    /// Keeps a raise in ``recentRaises`` (those older than `routineDays` and a window go).
    mutating func remember(_ signature: [String], at t: Double, settings: DetectorSettings) {
        let window = min(settings.routineMinutes * 60, 43_200)
        guard window > 0, t.isFinite else { return }
        let horizon = settings.routineDays * 86_400 + window
        var memory = (recentRaises ?? []).filter { t - $0.time <= horizon && $0.time <= t }
        memory.append(RaiseMemory(time: t, signature: Self.hashed(signature)))
        if memory.count > Self.raiseMemoryLimit { memory.removeFirst(memory.count - Self.raiseMemoryLimit) }
        recentRaises = memory
    }

    /// Most raises a cell remembers (a cell that raises more often than this in
    /// `routineDays` is not keeping a routine): at most about 1 KB a cell.
    static let raiseMemoryLimit = 16

    func makeAlert(
        _ state: Alert.State, settings: DetectorSettings, severity: Alert.Severity, active: ActiveAlert, score: Double, time: Double,
        names: MetricNames, events: [(key: String, value: Double, low: Double, high: Double)] = []
    ) -> Alert {
        // `seq` 0: the publisher numbers transitions (Telemetry's AlertLedger).
        Alert(
            cell: cell, state: state, severity: severity, kind: active.kind, score: score, timestamp: time,
            startedAt: active.startedAt, sequence: 0, evidence: topEvidence(events: events, settings: settings))
    }

    // MARK: Metrics to features

    /// The cell's track of a metric, created on first sight; nil beyond `limit` metrics.
    mutating func trackIndex(for id: Int32, names: MetricNames, limit: Int) -> Int? {
        let slot = Int(id)
        if slot < trackOfMetric.count && trackOfMetric[slot] >= 0 { return Int(trackOfMetric[slot]) }
        let name = names.names[slot]
        if let existing = tracks.firstIndex(where: { $0.name.utf8.elementsEqual(name.utf8) }) {
            if slot >= trackOfMetric.count {
                trackOfMetric.append(contentsOf: repeatElement(-1, count: slot + 1 - trackOfMetric.count))
            }
            trackOfMetric[slot] = Int32(existing)  // restored from a checkpoint
            return existing
        }
        guard tracks.count < limit else { return nil }
        if slot >= trackOfMetric.count {
            trackOfMetric.append(contentsOf: repeatElement(-1, count: slot + 1 - trackOfMetric.count))
        }
        tracks.append(MetricTrack(name: name))
        featureOfTrack.append(-1)
        trackOfMetric[slot] = Int32(tracks.count - 1)
        return tracks.count - 1
    }

    /// The denominator a metric is the numerator of, by 3GPP naming: `...Succ`/`...Att`
    /// or `...Req` (TS 28.552's handover executions, `MM.HoExeIntraSucc`/`MM.HoExeIntraReq`),
    /// `...Fail`/`...Att`, `...Err...`/`...` and `...ErrTotal...`/`...Tot...`
    /// (`TB.ErrTotalNbrDl`/`TB.TotNbrDl`) with the same prefix.
    static func denominatorName(of name: String) -> [String] {
        let bytes = Array(name.utf8)
        /// Byte offset of `word` in `bytes`: the last occurrence, or the first.
        func find(_ word: StaticString, last: Bool) -> Int? {
            let pattern = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard bytes.count >= pattern.count else { return nil }
            let starts = 0...(bytes.count - pattern.count)
            let matches = { (start: Int) in pattern.indices.allSatisfy { bytes[start + $0] == pattern[$0] } }
            return last ? starts.reversed().first(where: matches) : starts.first(where: matches)
        }
        func replacing(at start: Int, length: Int, with replacement: String) -> String {
            String(decoding: bytes[..<start] + Array(replacement.utf8) + bytes[(start + length)...], as: UTF8.self)
        }
        var candidates: [String] = []
        if let at = find("Succ", last: true) {
            candidates.append(replacing(at: at, length: 4, with: "Att"))
            candidates.append(replacing(at: at, length: 4, with: "Req"))
        }
        if let at = find("Fail", last: true) { candidates.append(replacing(at: at, length: 4, with: "Att")) }
        if let at = find("Err", last: false) { candidates.append(replacing(at: at, length: 3, with: "")) }
        if let at = find("ErrTotal", last: false) { candidates.append(replacing(at: at, length: 8, with: "Tot")) }
        return candidates
    }

    /// Whether a metric's name says it counts successes or responses (`Succ`, `Resp`,
    /// `Compl`, in any case), and nothing else: not their absence (`UnSucc`, `NoResp`,
    /// `Incompl`, `Fail`) nor a time, delay, duration, latency, rate or percentage (a
    /// response time in whole milliseconds is no count). The numerators
    /// ``measuredDenominator(of:)`` looks for.
    static func namesSuccesses(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard lower.contains("succ") || lower.contains("resp") || lower.contains("compl") else { return false }
        let excluded = ["unsucc", "noresp", "incompl", "fail", "time", "delay", "dur", "latency", "rate", "ratio", "pct", "percent"]
        return !excluded.contains { lower.contains($0) }
    }

    /// How many leading bytes two names share up to a word boundary both have there (after
    /// `.`, `_` or `-`, or before a capital): `RACH.` of `RACH.AccessSuccCell` and
    /// `RACH.PreambleACell`, `L.RA.GrpA.` of `L.RA.GrpA.Resp` and `L.RA.GrpA.Att`; 0 when
    /// that prefix holds fewer than three letters or digits (a vendor's `L.` or `pm` is
    /// no shared word).
    static func sharedWordPrefix(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                var common = 0
                while common < x.count && common < y.count && x[common] == y[common] { common += 1 }
                func boundary(_ bytes: UnsafeBufferPointer<UInt8>, _ k: Int) -> Bool {
                    guard k > 0, k < bytes.count else { return k == bytes.count }
                    let before = bytes[k - 1], here = bytes[k]
                    return before == UInt8(ascii: ".") || before == UInt8(ascii: "_") || before == UInt8(ascii: "-")
                        || (here >= UInt8(ascii: "A") && here <= UInt8(ascii: "Z"))
                }
                var k = common
                while k > 0 && !(boundary(x, k) && boundary(y, k)) { k -= 1 }
                let alphanumerics = x[..<k].reduce(0) { count, byte in
                    let letter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
                    let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                    return count + (letter || digit ? 1 : 0)
                }
                return alphanumerics >= 3 ? k : 0
            }
        }
    }

    /// The mean share `numerator` is of `denominator` over the first samples both were seen
    /// in, if it is a share: both counts of the same kind (whole numbers; a counter's
    /// increases, or each period's count), the numerator never above the denominator, the
    /// denominator above zero at least 10 times, and on average at least half of it.
    static func measuredShare(of numerator: MetricTrack, in denominator: MetricTrack) -> Double? {
        guard numerator.allIntegral, denominator.allIntegral, numerator.behaviour == denominator.behaviour,
              numerator.behaviour != .undecided,
              let times = numerator.earlyTimes, let values = numerator.earlyValues,
              let otherTimes = denominator.earlyTimes, let otherValues = denominator.earlyValues
        else { return nil }
        let counter = numerator.behaviour == .counter
        var shares = 0.0
        var positive = 0
        // The samples both were seen in, walked together (times only rise: a track records
        // its values in the order they come); for a counter, the increases between two
        // such samples in a row.
        var j = 0
        var previous: (n: Double, d: Double)?
        for i in 0..<min(times.count, values.count) {
            if i > 0 && times[i] <= times[i - 1] { return nil }
            while j < min(otherTimes.count, otherValues.count) && otherTimes[j] < times[i] { j += 1 }
            guard j < min(otherTimes.count, otherValues.count), otherTimes[j] == times[i] else {
                previous = nil
                continue
            }
            var n = values[i]
            var d = otherValues[j]
            if counter {
                defer { previous = (values[i], otherValues[j]) }
                guard let last = previous else { continue }
                n -= last.n
                d -= last.d
                guard n >= 0, d >= 0 else { continue }  // a reset
            }
            guard n <= d else { return nil }
            if d > 0 {
                shares += n / d
                positive += 1
            }
        }
        guard positive >= 10, shares / Double(positive) >= 0.5 else { return nil }
        return shares / Double(positive)
    }

    /// The attempts a success count is a share of when no name rule gives them
    /// (``denominatorName(of:)``), found in the data: among the decided metrics its first
    /// samples show it a share of (``measuredShare(of:in:)``), the one whose name shares
    /// the longest prefix with it (``sharedWordPrefix(_:_:)``), then the larger share.
    /// `RACH.AccessSuccCell` of `RACH.PreambleACell`, `L.RA.GrpA.Resp` of `L.RA.GrpA.Att`.
    func measuredDenominator(of numerator: Int) -> Int? {
        let name = tracks[numerator].name
        guard Self.namesSuccesses(name), tracks[numerator].earlyValues != nil else { return nil }
        // A denominator the names give, decided or not, is the one.
        let named = Self.denominatorName(of: name)
        guard !tracks.contains(where: { track in named.contains { $0.utf8.elementsEqual(track.name.utf8) } }) else { return nil }
        var best: (prefix: Int, share: Double, track: Int)?
        for (other, track) in tracks.enumerated() where other != numerator && featureOfTrack[other] != -2 {
            let prefix = Self.sharedWordPrefix(name, track.name)
            guard prefix > 0, prefix >= best?.prefix ?? 0,
                  let share = Self.measuredShare(of: tracks[numerator], in: track)
            else { continue }
            if best == nil || prefix > best!.prefix || share > best!.share { best = (prefix, share, other) }
        }
        return best?.track
    }

    /// Whether `denominator` is the attempts the data names for `numerator`
    /// (``measuredDenominator(of:)``), the cheap tests first.
    func measuredPair(numerator: Int, denominator: Int) -> Bool {
        Self.namesSuccesses(tracks[numerator].name)
            && Self.sharedWordPrefix(tracks[numerator].name, tracks[denominator].name) > 0
            && Self.measuredShare(of: tracks[numerator], in: tracks[denominator]) != nil
            && measuredDenominator(of: numerator) == denominator
    }

    mutating func createFeatures(for track: Int) {
        let name = tracks[track].name
        // Is this the numerator of a ratio whose denominator the cell reports?
        for candidate in Self.denominatorName(of: name) {
            if let denominator = tracks.firstIndex(where: { $0.name.utf8.elementsEqual(candidate.utf8) }),
               tracks[denominator].behaviour != .undecided {
                addFeature(name: "\(name)/\(candidate)", source: .ratio(numerator: track, denominator: denominator))
                featureOfTrack[track] = -2
                if featureOfTrack[denominator] == -1 { createFeatures(for: denominator) }
                return
            }
        }
        // Or a success count whose attempts only the data names?
        if let denominator = measuredDenominator(of: track) {
            addFeature(name: "\(name)/\(tracks[denominator].name)", source: .ratio(numerator: track, denominator: denominator))
            featureOfTrack[track] = -2
            if featureOfTrack[denominator] == -1 { createFeatures(for: denominator) }
            return
        }
        // Or the denominator of a numerator already decided?
        for (other, otherTrack) in tracks.enumerated() where other != track && featureOfTrack[other] >= -1 {
            if otherTrack.behaviour != .undecided,
               Self.denominatorName(of: otherTrack.name).contains(name) || measuredPair(numerator: other, denominator: track) {
                if featureOfTrack[other] >= 0 {
                    // The numerator had its own feature: it becomes the ratio, relearned.
                    let index = featureOfTrack[other]
                    let neurons = (features[index].onNeuron, features[index].offNeuron)
                    features[index] = Feature(
                        name: "\(otherTrack.name)/\(name)", source: .ratio(numerator: other, denominator: track),
                        onNeuron: neurons.0, offNeuron: neurons.1)
                } else {
                    addFeature(name: "\(otherTrack.name)/\(name)", source: .ratio(numerator: other, denominator: track))
                }
                featureOfTrack[other] = -2
            }
        }
        let source: FeatureSource = tracks[track].behaviour == .counter ? .rate(metric: track) : .gauge(metric: track)
        featureOfTrack[track] = addFeature(name: name, source: source)
        if case .gauge = source {
            features[featureOfTrack[track]].resolution = Self.gaugeResolution(of: tracks[track])
        }
    }

    /// An event's weight once the cell has habituated to such events (a leaky count of its
    /// recent ones): the first two weigh in full, from the third each divides it.
    static func habituated(_ weight: Double, by habituation: Double) -> Double {
        weight / (1 + max(habituation - 1, 0))
    }

    /// A habituation count one sample later: it fades over `samples`.
    static func faded(_ habituation: Double, over samples: Double) -> Double {
        habituation * (1 - 1 / max(samples, 1))
    }

    /// The noise floor of a level: its smallest step seen; one, for whole numbers that
    /// have not moved yet (a count of rare events, 0 so far: its first event is one count,
    /// not a leap from nothing); 0 for a fraction that has not moved.
    static func gaugeResolution(of track: MetricTrack) -> Double {
        if track.resolution.isFinite { return track.resolution }
        return track.allIntegral ? 1 : 0
    }

    /// Relearns every feature computed from `track` after its behaviour changed (level to
    /// counter or back): its own becomes its rate or its level, a ratio it is part of starts
    /// over; each keeps its neurons. A ratio's other metric, promoted to a counter with it
    /// when it too is in whole numbers and has never fallen (failures and attempts of a
    /// quiet cell, both taken for levels), so the ratio is of increases on both sides.
    mutating func relearnFeatures(of track: Int) {
        let counter = tracks[track].behaviour == .counter
        var partners: [Int] = []
        for index in features.indices {
            switch features[index].source {
            case .gauge(let metric) where metric == track, .rate(let metric) where metric == track:
                features[index] = Feature(
                    name: features[index].name, source: counter ? .rate(metric: track) : .gauge(metric: track),
                    onNeuron: features[index].onNeuron, offNeuron: features[index].offNeuron)
                if !counter { features[index].resolution = Self.gaugeResolution(of: tracks[track]) }
            case .ratio(let numerator, let denominator) where numerator == track || denominator == track:
                features[index] = Feature(
                    name: features[index].name, source: features[index].source, onNeuron: features[index].onNeuron,
                    offNeuron: features[index].offNeuron)
                let other = numerator == track ? denominator : numerator
                if counter && tracks[other].behaviour == .gauge && tracks[other].decreases == 0 && tracks[other].allIntegral {
                    partners.append(other)
                }
            default: continue
            }
        }
        for other in partners where tracks[other].behaviour == .gauge {
            tracks[other].behaviour = .counter
            relearnFeatures(of: other)
        }
    }

    @discardableResult
    mutating func addFeature(name: String, source: FeatureSource) -> Int {
        let on = featureNeurons.add()
        let off = featureNeurons.add()
        features.append(Feature(name: name, source: source, onNeuron: on, offNeuron: off))
        return features.count - 1
    }

    /// This interval's count and the count expected of it, for a feature of whole counts
    /// never negative (a counter's increase, or a gauge delivering each period's count);
    /// nil for anything else. Expected: the forecast's, or what the day profile holds for
    /// this hour if that is less, once it speaks (a count that is low every night is not a
    /// silence). Call it after the feature observed this sample: the profile's slots for
    /// this hour are then the ones `observe` cached.
    static func countThisInterval(
        of feature: Feature, value: Double, tracks: [MetricTrack], clock: HourClock, samplesPerHour: Double
    ) -> (Double, Double)? {
        let count: Double
        var perInterval = 1.0
        switch feature.source {
        case .rate(let metric):
            guard tracks[metric].allIntegral, let delta = tracks[metric].lastDelta, delta >= 0,
                let interval = tracks[metric].lastInterval, interval > 0
            else { return nil }
            count = delta
            perInterval = interval
        case .gauge(let metric):
            guard tracks[metric].allIntegral, feature.minimumSeen >= 0, value >= 0 else { return nil }
            count = value
        case .ratio:
            return nil
        }
        var expected = feature.lastForecast
        if feature.profile.isReady(samplesPerHour: samplesPerHour), let slots = feature.profileSlots {
            expected = min(expected, DayProfile.interpolate(slots, at: clock))
        }
        return (count, feature.inverse(expected) * perInterval)
    }

    /// This sample's value of a feature, its model noise and, for a ratio of counts, its
    /// recent rate's deviation from its long-run rate (``RatioBaseline``, which learns
    /// this interval's counts here), if the sample carries it.
    /// Static, taking the tracks explicitly: a method on `self` would copy the whole cell
    /// (and then copy-on-write its features) on every call.
    static func value(
        of feature: inout Feature, tracks: [MetricTrack], present: PresentTracks, settings: DetectorSettings,
        samplesPerHour: Double, frozen: Bool
    ) -> (Double, Double, Double?)? {
        switch feature.source {
        case .gauge(let metric):
            guard present[metric], tracks[metric].behaviour == .gauge || tracks[metric].behaviour == .counter,
                let value = tracks[metric].lastValue
            else { return nil }
            // One count was assumed for whole numbers that had not moved: a metric that
            // turns out to carry fractions (a loss rate at 0 so far) takes its own step.
            if feature.resolution == 1 && !tracks[metric].allIntegral && tracks[metric].resolution < 1 {
                feature.resolution = tracks[metric].resolution
            }
            return (value, 0, nil)
        case .rate(let metric):
            guard present[metric], let delta = tracks[metric].lastDelta, let interval = tracks[metric].lastInterval,
                interval > 0
            else { return nil }
            // The rate's resolution: one count per interval, for a counter of events. It
            // sets the scale of a counter of rare events (mostly 0, now and then 1): one
            // event is then about one unit, not a leap from nothing. (Not the smallest
            // increase seen: on a busy counter that is most of a typical one, and a floor
            // that large would hide even a drop to zero.)
            if feature.resolution == 0, tracks[metric].allIntegral {
                let resolution = 1 / interval
                if resolution.isFinite && resolution > 0 { feature.resolution = resolution }
            }
            return (delta / interval, max(delta, 1).squareRoot() / interval, nil)
        case .ratio(let numerator, let denominator):
            guard present[numerator], present[denominator] else { return nil }
            let n: Double
            let d: Double
            if tracks[denominator].behaviour == .counter {
                guard let dn = tracks[numerator].lastDelta, let dd = tracks[denominator].lastDelta else { return nil }
                n = dn
                d = dd
            } else {
                guard let vn = tracks[numerator].lastValue, let vd = tracks[denominator].lastValue else { return nil }
                n = vn
                d = vd
            }
            // Counts per interval: a counter's increases, or gauges in whole numbers (an
            // OSS that delivers each period's count rather than the running total).
            let counts = tracks[denominator].behaviour == .counter
                || (tracks[denominator].allIntegral && tracks[numerator].allIntegral && n >= 0 && d >= 0)
            guard d > 0 || counts else { return nil }
            var p: Double
            var count = 0.0
            var deviation: Double?
            if counts {
                // An interval of more counts than any cell makes (past 10^15: a glitch, or
                // a hostile value such as 1.7e308) is not judged and teaches nothing: in
                // the leaky sums it would take days to fade.
                if d > Self.mostCountsPerInterval || n > Self.mostCountsPerInterval { return nil }
                // Judge the ratio over the last few intervals' attempts (leaky sums), or
                // over as many as hold about `ratioAttempts` attempts when they are rare
                // (handovers on a quiet cell: one failure in two attempts says nothing).
                let attempts = max(d, 0)
                feature.attemptsPerInterval += (feature.attemptsPerInterval == 0 ? 1 : 0.02) * (attempts - feature.attemptsPerInterval)
                let needed = settings.ratioAttempts / max(feature.attemptsPerInterval, 1e-6)
                let horizon = max(settings.ratioIntervals, min(needed, settings.maximumRatioIntervals))
                let keep = 1 - 1 / horizon
                // Events beyond the attempts count as the attempts: in the sums (a share
                // is at most the whole; a success counted an interval after its attempt
                // still counts), and in each interval the long run tests.
                let events = min(max(n, 0), attempts)
                feature.denominatorSum = feature.denominatorSum * keep + max(d, 0)
                feature.numeratorSum = min(feature.numeratorSum * keep + max(n, 0), feature.denominatorSum)
                // The recent rate against the long-run rate, then the long run learns
                // this interval (hardly, while it surprises or carries an alert).
                if settings.countDeadZone > 0 {
                    deviation = feature.ratioBaseline.observe(
                        events: events, attempts: attempts, recentEvents: feature.numeratorSum,
                        recentAttempts: feature.denominatorSum,
                        span: Feature.ratioBaselineSpans
                            * max(Feature.slowSpan(settings: settings, samplesPerHour: samplesPerHour), horizon),
                        frozen: frozen, deadZone: settings.countDeadZone, frozenGain: settings.frozenGain,
                        acceptAfter: settings.maximumAlertHours * samplesPerHour, oddsRatio: settings.countOddsRatio,
                        minimumOddsRatio: settings.countMinimumOddsRatio)
                }
                guard feature.denominatorSum >= 1, d > 0 else { return nil }
                p = feature.numeratorSum / feature.denominatorSum
                count = feature.denominatorSum
            } else {
                p = n / d
            }
            p = min(max(p, 0), 1)
            let expected = min(max(feature.level, 0.001), 0.999)
            let noise = count > 0 ? (max(expected * (1 - expected), 1 / count) / count).squareRoot() : 0
            return (p, noise, deviation)
        }
    }
}

extension CellModel {
    /// Most counts a ratio's side may add in one interval (``value(of:tracks:present:settings:samplesPerHour:frozen:)``).
    static let mostCountsPerInterval = 1e15
}

/// A value for an alert's evidence, to a few significant places; an infinite one (a
/// range past the largest double, from values near it) as the largest finite double of
/// its sign, so a range never turns over; NaN as 0.
private func rounded(_ value: Double) -> Double {
    if value.isInfinite { return value > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude }
    guard value.isFinite else { return 0 }
    let magnitude = abs(value)
    let digits: Double = magnitude >= 1000 ? 1 : magnitude >= 1 ? 100 : 10_000
    return (value * digits).rounded() / digits
}

/// Whether a track was carried by the current sample (see `CellModel.trackSeenAt`).
struct PresentTracks {
    let seenAt: [UInt32]
    let runs: [UInt16]
    let stamp: UInt32
    /// Whether the sample carries back, after one sample or more without it, a metric
    /// the cell had reported sample after sample (`regularRun` in a row) until then.
    let returned: Bool

    subscript(track: Int) -> Bool { track < seenAt.count && seenAt[track] == stamp }

    /// How many metrics the cell reported sample after sample (`regularRun` samples in a
    /// row) up to one of its last `missingWithin` samples are not in the current one (a
    /// metric it stopped sending long ago, one it sends now and then, or one not seen
    /// since the model was restored, does not count).
    var missingCount: Int {
        seenAt.indices.reduce(0) { count, track in
            let seen = seenAt[track]
            return count + (seen != 0 && seen != stamp && stamp &- seen <= Self.missingWithin && track < runs.count && runs[track] >= Self.regularRun ? 1 : 0)
        }
    }

    /// Samples back within which a metric now absent counts as missing.
    static let missingWithin: UInt32 = 12
    /// Samples in a row that make a metric one the cell reports regularly.
    static let regularRun: UInt16 = 3
}

/// A feature that had not carried the open alert, when it first fired as such, and
/// whether it fell or rose since.
struct Newcomer: Codable, Sendable, Equatable {
    var index: Int
    var time: Double
    var fell: Bool
    var rose: Bool
    /// Samples it fired in since it began (nil: one; a checkpoint from before it was kept).
    var samples: Int? = nil
}
