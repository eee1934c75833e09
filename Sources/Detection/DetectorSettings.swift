/// The knobs of the spiking anomaly model. Every default works on any telemetry; none
/// is per metric. docs/model.md explains each one for an operator.
public struct DetectorSettings: Sendable, Equatable, Codable {
    // MARK: Expectation

    /// Samples over which the fast forecaster's level adapts (EWMA span).
    public var levelSpan = 6.0
    /// Samples over which the residual scale is learned.
    public var scaleSpan = 120.0
    /// Hours over which the slow baseline (catching drifts and level shifts) adapts.
    public var slowBaselineHours = 6.0
    /// Most samples the slow baseline spans, whatever the reporting period (0: no
    /// limit): 360 is 6 hours at one-minute reporting; on a stream of seconds it follows
    /// minutes, not hours, and speaks after twice this many. Chosen on six SKAB recordings
    /// (1 Hz), checked on six others (docs/evaluation.md); slower streams are unchanged.
    public var slowBaselineMaximumSamples = 360.0
    /// Samples a feature must have before it may send spikes (its warm-up).
    public var warmupSamples = 60
    /// Seconds of telemetry the warm-up lasts at least: on a 1 Hz stream, 60 samples are
    /// one minute, too short to learn a sensor's noise. 100 was chosen on six SKAB
    /// recordings (the smallest of 100, 150, 200, 300 s that removed their false alarms
    /// at the warm-up's end) and checked on six others (docs/evaluation.md); it changes
    /// nothing on streams of one sample every 1.7 s or slower.
    public var warmupSeconds = 100.0
    /// The warm-up lasts at most this many telemetry seconds (and at least
    /// ``minimumWarmupSamples`` samples); 0 = `warmupSamples` however long they take.
    /// 21,600 (6 hours) shortens it only at one sample every 6 minutes or slower: D's two
    /// 15-minute files found 9 more faults of their first day (0.395 / 0.325 -> 0.444 /
    /// 0.391), for 3 false alarms more on A's and B's 15-minute files and one on each of
    /// C's; 4 hours cost more, 8 and 10 gained less (docs/evaluation.md, "Session 20").
    public var warmupMostSeconds = 21_600.0
    /// Update gain while a feature is surprising or its cell is alerting (0 = frozen).
    public var frozenGain = 0.02
    /// Hours a surprising feature's fast expectation stays frozen before it accepts the
    /// new level (the slow baseline and the day's envelope still remember the old one).
    public var freezeHours = 1.0
    /// Distinct metrics one cell may carry; further new ones are ignored for that cell
    /// (bounded memory per cell, whatever a publisher sends).
    public var maximumMetricsPerCell = 256
    /// Intervals of attempts a success or error ratio is judged over (leaky sums).
    public var ratioIntervals = 4.0
    /// Attempts a success or error ratio of rare events is judged over: its leaky sums
    /// span as many intervals as hold about this many (at least `ratioIntervals`).
    public var ratioAttempts = 20.0
    /// Most intervals a ratio's leaky sums span, however rare its attempts.
    public var maximumRatioIntervals = 240.0
    /// Sigmas a ratio of counts' recent counts may deviate from its long-run rate
    /// (``RatioBaseline``, a likelihood-ratio test on the counts, beside the level's
    /// pathways) before it sends spikes; 0 = no such test.
    public var countDeadZone = 5.0
    /// The change in the odds of a ratio of counts' rarer outcome (failures, when most
    /// attempts succeed) that its accumulated evidence tests for (``RatioBaseline``): at
    /// 10 the evidence grows while failures run above about 3.7 times their long-run rate
    /// (of 1%), and each failure adds 2.2 nats (1.1 at 3, the value until session 15:
    /// four failed handovers of eleven at night could not raise); 1 or less = no such test.
    public var countOddsRatio = 10.0
    /// The least change in the odds of a ratio's rarer outcome, recent against long run,
    /// that its likelihood-ratio test may call a deviation: with a million transport
    /// blocks an interval, a block error rate of 5.1% against 4.8% is dozens of sigmas
    /// of a binomial draw, and no fault (1 = any change). 1.25, 1.5 and 2 scored the
    /// same on the independent generators (docs/evaluation.md, "Session 17").
    public var countMinimumOddsRatio = 1.5

    // MARK: Encoding

    /// Dead zone of the normalised prediction error, in sigmas: no spikes inside it.
    public var deadZone = 6.0
    /// Sigmas of prediction error per further surprise spike beyond the dead zone.
    public var spikeUnit = 1.0
    /// Dead zone of the slow baseline's deviation, in sigmas.
    public var slowDeadZone = 5.0
    /// Sigmas added to `slowDeadZone` per natural log of the features a cell carries: of
    /// many features, one lies far from its slow baseline by chance more often (a cell of
    /// 35 features judges each slow deviation at 5 + 2 ln 35 = 12 sigmas; a single series
    /// at 5: rain lifting every antenna's VSWR by 2% is not a fault). Only on a slow
    /// baseline spanning an hour or more: on a stream of seconds it spans minutes, and a
    /// shift there is a change. 0 = the same dead zone for every cell.
    public var slowDeadZonePerLogFeature = 2.0
    /// Least sigma of a slow baseline spanning an hour or more, as a share of the value
    /// (in the feature's own units; not for a ratio): rain lifting an antenna's VSWR from
    /// 1.27 to 1.30, a step of 2.4%, is some 13 sigmas of a metric that hardly ever moves,
    /// and no fault; at 0.005 it is under 5. Not on a span of minutes (a stream of
    /// seconds), where a small shift is a change. 0.005, 0.01 and 0.02 scored the same
    /// (docs/evaluation.md, "Session 19"). 0 = no floor.
    public var slowRelativeFloor = 0.005
    /// The same floor on the forecast's noise scale (its fast pathway, and so the joint
    /// fall and the decline), for a metric never negative, on a span of hours: a smooth
    /// metric learned on a quiet warm-up (an antenna's VSWR read to a thousandth) had a
    /// scale of a thousandth, and rain's 2% rise scored 15-17 sigmas on the first day of
    /// generator D. Not for a level that goes negative (a level in dBm is on a log
    /// scale: half a percent of -110 dBm is half a decibel, and A and B's subtle uplink
    /// interference, a rise of a few decibels, was lost 12 times in 198 with it) nor for
    /// a ratio. 0.005 scored best of 0.0025, 0.005, 0.01 and 0.02 on C and D (tried on
    /// every metric, before levels that go negative were left out; docs/evaluation.md,
    /// "Session 22"). 0 = no floor.
    public var fastRelativeFloor = 0.005
    /// Sigmas of the slow baseline's deviation beyond which its spread learns no more of
    /// a sample (each deviation is clipped there), on a span of `slowSpreadClipHours` or
    /// more. On a shorter span (a stream of seconds, where `slowBaselineMaximumSamples`
    /// cuts it to minutes) the clip tightens in proportion, to `slowSpreadClipMinimum` at
    /// least: there a shift over a minute or two is a change, not spread to learn.
    public var slowSpreadClip = 5.0
    /// The tightest clip of the slow baseline's spread (see `slowSpreadClip`): 2 sigmas
    /// underestimate an honest (normal) spread by 2%.
    public var slowSpreadClipMinimum = 2.0
    /// Hours of slow-baseline span from which its spread's clip is `slowSpreadClip` in
    /// full; 0 = always in full.
    public var slowSpreadClipHours = 0.5
    /// How far (in envelope units) the level may leave the range it kept over the last
    /// day before it sends spikes: catches drifts the forecasters follow.
    public var envelopeDeadZone = 3.0
    /// The day's range also holds what the level reached at this hour (and the hours
    /// either side) on the days before the last: an earlier day's extreme beyond the
    /// newer day's keeps this share of its excess each day (0 = off: the range is the
    /// last day's alone). A workday after a weekend or holiday is judged against the
    /// workdays before it, not only the quiet day just past (generators C and D: C 0.840
    /// / 0.842 -> 0.845 / 0.855, D 0.620 -> 0.626; A/B 0.002 lower: an overheating or two
    /// stayed inside an earlier day's range). Any share from 0.25 to 0.5 scored the same.
    public var envelopeEarlierKeep = 0.5
    /// How far (in typical day-to-day deviations) the level may leave what it is at this
    /// hour of the day before it sends spikes; 0 = no day profile. 12: on generated seeds
    /// 31-33 it changes nothing there (at 8 it added false alarms, F1 0.896 -> 0.886)
    /// and still catches users drained to the night's level at a busy hour.
    public var profileDeadZone = 12.0
    /// Weight of the noise a feature showed at this hour on other days (``HourNoise``) in
    /// its forecast's noise scale; 0 = off. A metric that turns bursty at the evening peak
    /// every day is judged against that hour's noise, not the quiet hours'.
    public var hourNoiseWeight = 1.0
    /// Forecast sigmas within which a feature carrying an alert must come back to its slow
    /// baseline, against the direction its surprise began in and while its frozen level
    /// is still far from it on that side, for the level to re-anchor at the value (its
    /// alert then clears after its quiet samples); 0 = off.
    public var returnBand = 1.5
    /// Most surprise spikes one feature sends per sample and direction.
    public var maximumSpikes = 8

    // MARK: Spiking network

    /// Feature neurons' membrane time constant, in sample periods: how long a small
    /// deviation is remembered while further ones fill the bucket.
    public var featureTauPeriods = 3.0
    /// Weight of one surprise spike onto its feature neuron (threshold 1).
    public var surpriseWeight = 0.3
    /// Evidence neuron's membrane time constant, in sample periods.
    public var evidenceTauPeriods = 4.0
    /// Evidence neuron's threshold; each feature-neuron spike adds 1 (at most
    /// `evidencePerSample` per sample), so one feature neuron firing once (a blip) cannot
    /// raise an alert; several features in two samples running, or one in three, can.
    public var evidenceThreshold = 1.8
    /// Most drive the feature neurons' spikes of one sample put onto the evidence neuron
    /// (each spike 1): below the threshold, so evidence must last two samples to raise;
    /// a value at or above `evidenceThreshold` lets one sample raise again.
    public var evidencePerSample = 1.5
    /// Metrics whose features' surprise saturates (`maximumSpikes` in one direction) past
    /// everything they have shown, some rising and some falling, in the same sample
    /// (after the load and relation gates; a ratio counts as its numerator), from which
    /// that sample's drive is not capped at `evidencePerSample`: a restart
    /// shorter than a 15-minute period leaves one sample in which its seconds of downtime
    /// leap from nothing while the samples and packets it counts and its energy fall.
    /// (All one way may be a glitch of scale, every value of one sample tenfold: it must
    /// last to raise.) 4: D 0.574 -> 0.583 (restarts 18 -> 20 of 29). 0 = always capped.
    public var saturatedMetricsRaise = 4.0
    /// Weight of a reporting gap or counter reset onto the evidence neuron.
    public var eventWeight = 1.6
    /// Spikes the cell's coincidence neuron needs in one sample to fire. Every feature of
    /// a metric never negative falling more than `jointFallDeadZone` sigmas of its
    /// forecast, to at most `jointFallShare` of a positive forecast, sends one spike and
    /// one more per `spikeUnit` beyond (at most half this many, so from 2 up two features
    /// at least must fall); the features that fell then carry the episode. Its spike weighs
    /// `eventWeight` on the evidence neuron, within `evidencePerSample`: a joint fall
    /// raises when it lasts two samples. A cell losing its users and access attempts at
    /// once (a sleeping cell at 15-minute reporting) falls 3-7 sigmas in many features,
    /// none far past the dead zone. 0 = off.
    public var jointFallSpikes = 8
    /// Sigmas of forecast error a feature must fall by to send the coincidence neuron spikes.
    public var jointFallDeadZone = 3.0
    /// Most a feature's value may be, as a share of its forecast, to count as falling.
    public var jointFallShare = 0.5
    /// Once the day profile is ready at this hour, deviations (day-to-day and the
    /// forecast's noise together) a falling value must also be below what this hour of
    /// the day has shown (a drop that comes every day at this hour is not one).
    public var jointFallProfile = 3.0
    /// A decline that is no step: a feature of a metric never negative whose forecast
    /// missed it downward by 2 sigmas or more two samples in a row or more, now at most
    /// `jointFallShare` of the forecast when the run began, this many deviations below
    /// what the day profile holds at this hour (the profile must speak), at an hour in
    /// the busier half of its day, sends the coincidence neuron half its threshold: two
    /// such features fire it. A sleeping cell that drains over half an hour loses 20-40%
    /// of its users and attempts a sample, 2-5 sigmas each, and no sample falls to half
    /// of the one before. 0 = off.
    public var jointDeclineProfile = 2.0
    /// Counts missed over a run of near-silent intervals for a count (attempts, preambles,
    /// handovers per interval) to be a silence: the count fell to at most `silenceShare`
    /// of what was expected when the run began, and stayed there two intervals or more.
    /// A silent feature sends the coincidence neuron half its threshold each interval, so
    /// two silent counts (or one and a joint fall) fire it, for at most
    /// `maximumAlertHours` of silence (then it is the new normal). 0 = off.
    public var silenceCounts = 10.0
    /// Most a count may be, as a share of the count expected when its run began, to be
    /// near-silent.
    public var silenceShare = 0.1
    /// Fewest counts per interval expected for a run of silence to begin.
    public var silenceMinimumCount = 1.0
    /// Counts missed over a silent run for the one feature to fire the coincidence neuron
    /// alone (a cell whose only count of arrivals stops: attempts from hundreds a period to
    /// a few). 0 = never alone.
    public var silenceAloneCounts = 50.0
    /// A count that stood at nothing in half or more of its intervals in this hour of the
    /// day, or in the hour before it, a day before (the seconds a layer slept, 0 by day) is
    /// never silent alone: its silence sends half the coincidence neuron's threshold.
    /// Not under a routine alert. false = a silence may speak alone at any hour.
    public var silenceKnowsTheHour = true
    /// A count that stood at nothing in half or more of the hours of the day it has
    /// ended (at least 12 of them) is never silent alone either: its 0 is its usual (the
    /// seconds a layer slept, 0 all day; the morning after a holiday it slept through,
    /// its wake is no silence). Not under a routine alert. D 0.590 -> 0.594.
    public var silenceKnowsTheDay = true
    /// The drift neuron's leak per sample, in sigmas of forecast error: each sample adds
    /// the feature's forecast error (clipped to `deadZone`) less this, and it never goes
    /// below 0 (a one-sided CUSUM per direction). Noise leaks away; a drift whose every
    /// step is a few sigmas, none past the dead zone (a fan failing: the enclosure
    /// heating by 20 degrees with a 50-minute lag), accumulates. Fed only while the level
    /// is beyond the day's range in its direction. 0 = off.
    public var driftLeak = 1.5
    /// The drift neuron's accumulated sigmas above which it sends the feature's neurons
    /// spikes (one, and one more per `spikeUnit` beyond, as the other pathways).
    public var driftDeadZone = 8.0
    /// Also feed the drift neuron while the level is this many typical day-to-day
    /// deviations beyond what it is at this hour of the day (once the day profile speaks):
    /// an enclosure heating by 18 degrees at 2 a.m., inside the day's range but far from
    /// the night's; 0 = only beyond the day's range. 4: swept 3 / 4 / 6 on the 32
    /// independent files (3 added false alarms, 6 changed nothing).
    public var driftProfile = 4.0
    /// Until a slow baseline spanning an hour or more may speak (two of its spans), it
    /// learns at full gain, not at the frozen gain once the level left it: a cell whose
    /// first hours were its night's (a capacity layer asleep) otherwise kept that night
    /// as its baseline and raised the whole first afternoon on ordinary load. So it does
    /// while the feature carries an alert (any: a layer's waking raises one). A span of
    /// minutes (a stream of seconds) keeps the frozen gain: there a shift is a change.
    public var slowWarmupLearns = true
    /// Whether the drift neuron may send spikes (it leaks, and its dead zone is not negative).
    var driftSpeaks: Bool { driftLeak > 0 && driftDeadZone >= 0 }
    /// Periods without a sample from which a reporting gap weighs `eventWeight` in full. A
    /// shorter gap (from 2.5 periods, where a gap begins) weighs in proportion to how far
    /// past 2.5 it went, at least a fifth: two 3-second skips of a 1 Hz sensor's clock
    /// are not an outage. 2.5 or less = every gap in full.
    public var fullGapPeriods = 5.0
    /// Samples over which a cell's habituation to short reporting gaps (at most 10
    /// periods) fades: from the third recent one, each divides the next one's weight;
    /// 0 = every gap weighs `eventWeight`.
    public var gapHabituationSamples = 1000.0
    /// Samples over which a cell's habituation to joint falls fades: from the third recent
    /// one, each divides the next one's weight; 0 = every joint fall weighs `eventWeight`.
    public var jointFallHabituationSamples = 1000.0
    /// Habituation to episodes: each published alert a feature's rises (or falls)
    /// carried, in the directions of its onset, divides that direction's later weight on
    /// the evidence neuron by one plus the count, which fades with this time constant in
    /// hours. A venue cell whose user count rises with every event needs more than that
    /// feature's rise to raise again; a new feature, a cell event (gap, restart) or a
    /// fall where it rose still weighs in full. A cell of one feature does not
    /// habituate. 0 = off.
    public var episodeHabituationHours = 96.0

    // MARK: Onset neuron (the per-sample score)

    /// Weight onto the onset neuron of a feature whose contexts are all new (its share
    /// of new contexts scales it).
    public var noveltyWeight = 1.0
    /// Weight of a range break (a value beyond everything the feature has shown), per
    /// margin beyond the range, capped at three margins.
    public var rangeBreakWeight = 1.0
    /// Drive of a feature neuron's spike (sustained or strong forecast surprise): with two
    /// thirds of the contexts new at the same sample (0.35 + 0.67 >= 1), the onset fires.
    public var surpriseDriveWeight = 0.35
    /// Samples over which a feature's habituation (its recent novelty, which divides its
    /// onset drive) fades; 0 = off (NAB scored lower with it on).
    public var habituationSamples = 0.0
    /// Drive of a reporting gap or counter reset onto the onset neuron.
    public var onsetEventWeight = 0.0
    /// Bins of the value's population code across the range seen while warming up.
    public var noveltyBins = 10.0
    /// Code the value in its own units (true) or in the transformed (asinh) space.
    public var noveltyRawUnits = true
    /// The onset neuron's threshold (drive of one fully novel feature: 1).
    public var onsetThreshold = 1.0
    /// The onset neuron's refractory period, in sample periods: after it fires, the score
    /// stays 0 this long (something new was said; repeating it is noise).
    public var onsetRefractoryPeriods = 100.0

    // MARK: Alerts

    /// Consecutive samples without a feature-neuron spike or cell event needed to clear.
    public var clearAfter = 10
    /// Most telemetry seconds of quiet needed to clear (at least 3 samples), so slow
    /// reporting does not hold a finished fault's alert for hours: 5400 (90 minutes)
    /// changes nothing at 9-minute reporting or faster, and clears after 6 quiet samples
    /// at 15 minutes. Chosen on two development files at 15 minutes (docs/evaluation.md).
    public var clearAfterSeconds = 5400.0
    /// An alert open this many telemetry seconds is cleared, and a new one raised, when
    /// two or more features that had not carried it fire their OFF neurons at once with
    /// the evidence neuron (a cell going to sleep under an older alert), or within
    /// `evidenceTauPeriods` of each other, the later with it (not under a routine
    /// alert), or their ON neurons (`turnOnRises`), or the cell restarts
    /// (`turnOnRestarts`); 0 = never.
    public var turnAfterSeconds = 3600.0
    /// A turn may also come from two or more such features firing their ON neurons at
    /// once (a backhaul's delay and loss rising under an older alert of load), or one ON
    /// and one OFF (uplink noise up as uplink throughput falls; since session 21). On: B's
    /// 15-minute seed 95 0.819 -> 0.847, the 32 files 0.8965 / 0.8672 -> 0.8964 / 0.8683.
    public var turnOnRises = true
    /// An alert open `turnAfterSeconds` (not a routine one) is cleared, and a new one
    /// raised, when the cell restarts and its episode had no restart: a counter reset
    /// that weighs as several counters from zero (two or more, or one with a gap or a
    /// late sample), with the evidence neuron firing. A restart under a day-long alert of
    /// temperature or delay is a fault of its own. On: C's new six 0.790 -> 0.798 (3
    /// more faults found, no false alarm), D 0.483 -> 0.485; a reporting gap too: D 19
    /// more false alarms (collectors' gaps), not taken.
    public var turnOnRestarts = true
    /// A turn may also come from one feature that had not carried the alert firing in
    /// this many samples within `evidenceTauPeriods` of its first, the evidence neuron
    /// firing with it (a transmit power stepping down 8 dB under an older alert). 2: D
    /// 0.583 -> 0.590, C 0.831 -> 0.839, A/B dev 0.897 -> 0.900; 1 (any newcomer
    /// with the evidence neuron): D 17 more false alarms. 0 = never.
    public var turnOnOneSustained = 2
    /// Telemetry seconds the cell's evidence must have covered before the evidence
    /// neuron may raise: from the first sample of its run of feature spikes and cell
    /// events (none more than this, or two periods, apart), each sample covering its
    /// period and half a period more for jitter. With no alert open, a spike of the
    /// evidence neuron before then is spent without a raise (it resets as it fires). A
    /// reporting gap or counter reset of full weight, a one-period restart or a joint
    /// fall of `jointFallAtOnceFeatures` features raises at once (and a turn under an
    /// open alert is not held). At one-minute
    /// reporting a transport blip of two or three minutes no longer raises (D 0.594 ->
    /// 0.601, 166 -> 158 false alarms; the six new files 0.719 -> 0.723; 300 cost A/B a
    /// fault); at 5 minutes or slower one sample covers it, and nothing changes; on a
    /// stream of seconds it asks at most 4 periods (on SKAB's 1 Hz, 240 seconds lost a
    /// fault). 0 = off.
    public var raiseAfterSeconds = 180.0
    /// Features a joint fall must hold to raise at once, before its evidence covers
    /// `raiseAfterSeconds`; one of fewer waits as any evidence does. Two per-user
    /// throughputs falling under a transport blip of three or four minutes (TCP slows
    /// with the delay) made a joint fall at one-minute reporting and raised at once:
    /// D's blips, 0.607 -> 0.611, C 0.839 -> 0.840, the six new files 0.726 -> 0.731; A/B's
    /// dev files and third six lost a night sleeping cell each whose fall was two
    /// features for two minutes (0.8994 -> 0.8988, 0.8815 -> 0.8789). 0: every joint
    /// fall raises at once.
    public var jointFallAtOnceFeatures = 3
    /// An active alert is re-published as `updated` at most this often, telemetry seconds.
    public var updateInterval = 300.0
    /// Explain a joint rise of the load-coupled features (a crowd) by load: their rise
    /// sends no spikes. Off: on generated scenarios it cost recall (sleeping cells
    /// 0.94 -> 0.82) and added false alarms; the coupling is learned only when on.
    public var explainLoad = false
    /// Samples over which features learn how they move with the cell's load (and before
    /// which no rise is explained by load): a day at one-minute reporting.
    public var couplingSamples = 1440
    /// Relations between a cell's features (``Relation``): a feature nearly on a straight
    /// line through another (|correlation| at least this over the last `relationHours`;
    /// 0 = off) has its rises (and, with `relationGatesFalls`, its falls) judged against
    /// that line, not against its own past: within `relationGate` of the line's
    /// deviations, a rise sends no spikes (power following the load it serves); off the
    /// line, it speaks as before.
    public var relationCorrelation = 0.98
    /// Deviations off the explaining line within which a rise says nothing new.
    public var relationGate = 4.0
    /// Only a partner that sent no spikes this sample explains a rise.
    public var relationQuietPartner = true
    /// Falls along the line are judged against it too, not only rises (false: rises only).
    public var relationGatesFalls = false
    /// Hours over which relations are learned (leaky: the first samples weigh 1/n).
    public var relationHours = 24.0
    /// Hours of samples two features need together before one explains the other.
    public var relationMinimumHours = 2.0
    /// Hold an alert open while a feature that carries it stays at the shifted level its
    /// forecast accepted (instead of clearing once its neurons fall quiet).
    public var holdShiftedAlerts = false
    /// Samples from an episode's first surprise over which its fault kind is read: the
    /// onset names the fault; the recovery and later side effects do not rename it.
    public var classWindowSamples = 10
    /// After this many hours an alert's condition is accepted as the new normal.
    public var maximumAlertHours = 12.0
    /// A raise within this many minutes (at most 12 hours) of the time of day of one
    /// raised on the cell 1 to `routineDays` days before, with at least half the same
    /// evidence moving the same way, all of it falling, in a sample lacking a metric the
    /// cell sends sample after sample, is routine (a nightly energy-saving switch-off):
    /// it is followed as an alert but not published. 0 = off.
    public var routineMinutes = 60.0
    /// Days back a routine raise may repeat (its first raise is published, unless it is a
    /// first switch-off in the quiet hours, `quietSwitchOffShare`).
    public var routineDays = 3.0
    /// A first raise of falls alone, in a sample lacking `quietSwitchOffMissing` metrics
    /// the cell sends sample after sample, where every fallen feature's hour ranks below
    /// this share of its day's hours (its quiet hours), is routine too: a capacity layer
    /// switched off for the night measures no radio quality. A switch-off still off at
    /// an hour ranked at or above it is raised. 0 = off.
    public var quietSwitchOffShare = 0.5
    /// Metrics the cell sends sample after sample that a first switch-off's sample must
    /// lack (a layer switched off leaves out all its radio measurements; a cell with no
    /// active user leaves out only its per-user ones).
    public var quietSwitchOffMissing = 3.0
    /// A switch-off whose missing metrics come back within this many minutes was a
    /// restart, not the night's energy saving: it is raised then.
    public var quietSwitchOffMinutes = 60.0
    /// Features that must rise together to `wakeRiseFactor` times the top of their
    /// normal range or more, in the cell's first day, for a raise whose evidence holds only
    /// rises (each feature above its range, none of the cell's features falling; no gap,
    /// reset or joint fall) to be a capacity layer waking (a stream that began while it
    /// slept), not a fault: routine, followed and not published. 3: C's first mornings
    /// (users, volume, PRB and attempts from near zero to their day's level in one
    /// sample) raised 15 of its 127 false alarms, 14 of them gone; 2 and 3 features
    /// scored the same. 0 = off.
    public var wakeRiseFeatures = 3.0
    /// How many times the top of its normal range a feature must rise to, to count
    /// towards `wakeRiseFeatures`: a layer waking lifts its volumes and users 25-55 times
    /// the top of the night's range, a surge of a busy cell's load a few times the top of
    /// its day's. 3, 10 and 20 found the same mornings on C but one.
    public var wakeRiseFactor = 20.0
    /// While the forecast accepts a shift (after `freezeHours` of surprise), its error
    /// scale learns at the full rate, not at the frozen gain (errors still clipped at the
    /// dead zone): a scale learned on a flat warm-up would otherwise stay near zero for
    /// days.
    public var acceptedScaleLearns = true

    /// The time zone the hour of the day is read in (the `timezone` setting; UTC by
    /// default). Not a knob: the configuration sets it (a restored checkpoint's is
    /// replaced by the configuration's, as every setting is).
    public var localTime = LocalTime.utc

    public init() {}

    /// Decodes settings, a missing key keeping its default: a checkpoint written before a
    /// knob existed is read, not refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read<Value: Decodable>(_ key: CodingKeys, _ value: inout Value) throws {
            if let decoded = try container.decodeIfPresent(Value.self, forKey: key) { value = decoded }
        }
        try read(.localTime, &localTime)
        try read(.levelSpan, &levelSpan)
        try read(.scaleSpan, &scaleSpan)
        try read(.slowBaselineHours, &slowBaselineHours)
        try read(.slowBaselineMaximumSamples, &slowBaselineMaximumSamples)
        try read(.warmupSamples, &warmupSamples)
        try read(.warmupMostSeconds, &warmupMostSeconds)
        try read(.warmupSeconds, &warmupSeconds)
        try read(.frozenGain, &frozenGain)
        try read(.freezeHours, &freezeHours)
        try read(.maximumMetricsPerCell, &maximumMetricsPerCell)
        try read(.ratioIntervals, &ratioIntervals)
        try read(.ratioAttempts, &ratioAttempts)
        try read(.maximumRatioIntervals, &maximumRatioIntervals)
        try read(.countDeadZone, &countDeadZone)
        try read(.countOddsRatio, &countOddsRatio)
        try read(.countMinimumOddsRatio, &countMinimumOddsRatio)
        try read(.deadZone, &deadZone)
        try read(.spikeUnit, &spikeUnit)
        try read(.slowDeadZone, &slowDeadZone)
        try read(.slowDeadZonePerLogFeature, &slowDeadZonePerLogFeature)
        try read(.slowRelativeFloor, &slowRelativeFloor)
        try read(.fastRelativeFloor, &fastRelativeFloor)
        try read(.wakeRiseFeatures, &wakeRiseFeatures)
        try read(.wakeRiseFactor, &wakeRiseFactor)
        try read(.slowSpreadClip, &slowSpreadClip)
        try read(.slowSpreadClipMinimum, &slowSpreadClipMinimum)
        try read(.slowSpreadClipHours, &slowSpreadClipHours)
        try read(.envelopeDeadZone, &envelopeDeadZone)
        try read(.envelopeEarlierKeep, &envelopeEarlierKeep)
        try read(.profileDeadZone, &profileDeadZone)
        try read(.hourNoiseWeight, &hourNoiseWeight)
        try read(.returnBand, &returnBand)
        try read(.maximumSpikes, &maximumSpikes)
        try read(.featureTauPeriods, &featureTauPeriods)
        try read(.surpriseWeight, &surpriseWeight)
        try read(.evidenceTauPeriods, &evidenceTauPeriods)
        try read(.evidenceThreshold, &evidenceThreshold)
        try read(.evidencePerSample, &evidencePerSample)
        try read(.eventWeight, &eventWeight)
        try read(.jointFallSpikes, &jointFallSpikes)
        try read(.jointFallDeadZone, &jointFallDeadZone)
        try read(.jointFallShare, &jointFallShare)
        try read(.jointFallProfile, &jointFallProfile)
        try read(.jointDeclineProfile, &jointDeclineProfile)
        try read(.silenceCounts, &silenceCounts)
        try read(.silenceShare, &silenceShare)
        try read(.silenceMinimumCount, &silenceMinimumCount)
        try read(.silenceAloneCounts, &silenceAloneCounts)
        try read(.silenceKnowsTheHour, &silenceKnowsTheHour)
        try read(.silenceKnowsTheDay, &silenceKnowsTheDay)
        try read(.saturatedMetricsRaise, &saturatedMetricsRaise)
        try read(.driftLeak, &driftLeak)
        try read(.driftDeadZone, &driftDeadZone)
        try read(.driftProfile, &driftProfile)
        try read(.turnOnRises, &turnOnRises)
        try read(.turnOnRestarts, &turnOnRestarts)
        try read(.turnOnOneSustained, &turnOnOneSustained)
        try read(.raiseAfterSeconds, &raiseAfterSeconds)
        try read(.jointFallAtOnceFeatures, &jointFallAtOnceFeatures)
        try read(.slowWarmupLearns, &slowWarmupLearns)
        try read(.fullGapPeriods, &fullGapPeriods)
        try read(.gapHabituationSamples, &gapHabituationSamples)
        try read(.jointFallHabituationSamples, &jointFallHabituationSamples)
        try read(.episodeHabituationHours, &episodeHabituationHours)
        try read(.noveltyWeight, &noveltyWeight)
        try read(.rangeBreakWeight, &rangeBreakWeight)
        try read(.surpriseDriveWeight, &surpriseDriveWeight)
        try read(.habituationSamples, &habituationSamples)
        try read(.onsetEventWeight, &onsetEventWeight)
        try read(.noveltyBins, &noveltyBins)
        try read(.noveltyRawUnits, &noveltyRawUnits)
        try read(.onsetThreshold, &onsetThreshold)
        try read(.onsetRefractoryPeriods, &onsetRefractoryPeriods)
        try read(.clearAfter, &clearAfter)
        try read(.clearAfterSeconds, &clearAfterSeconds)
        try read(.updateInterval, &updateInterval)
        try read(.explainLoad, &explainLoad)
        try read(.couplingSamples, &couplingSamples)
        try read(.relationCorrelation, &relationCorrelation)
        try read(.relationGate, &relationGate)
        try read(.relationHours, &relationHours)
        try read(.relationQuietPartner, &relationQuietPartner)
        try read(.relationGatesFalls, &relationGatesFalls)
        try read(.turnAfterSeconds, &turnAfterSeconds)
        try read(.relationMinimumHours, &relationMinimumHours)
        try read(.holdShiftedAlerts, &holdShiftedAlerts)
        try read(.classWindowSamples, &classWindowSamples)
        try read(.maximumAlertHours, &maximumAlertHours)
        try read(.routineMinutes, &routineMinutes)
        try read(.routineDays, &routineDays)
        try read(.quietSwitchOffShare, &quietSwitchOffShare)
        try read(.quietSwitchOffMissing, &quietSwitchOffMissing)
        try read(.quietSwitchOffMinutes, &quietSwitchOffMinutes)
        try read(.acceptedScaleLearns, &acceptedScaleLearns)
    }
}

/// Settings whose knobs have ranges. `--set KEY=VALUE` (SettingsOverride) refuses a
/// value outside them, as the daemon's configuration file does for its keys.
public protocol RangeCheckedSettings {
    /// The first knob outside its range, as `KEY must be ..., got VALUE`, or nil.
    var rangeProblem: String? { get }
}

extension RangeCheckedSettings {
    /// A problem with any number knob (found by reflection) below 0: every knob is a
    /// count, a span, a share or a weight, and none means anything negative.
    var negativeKnob: String? {
        for child in Mirror(reflecting: self).children {
            guard let key = child.label else { continue }
            if let value = child.value as? Double, !(value >= 0) { return "\(key) must be a number >= 0, got \(value)" }
            if let value = child.value as? Int, value < 0 { return "\(key) must be a whole number >= 0, got \(value)" }
        }
        return nil
    }

    /// `negativeKnob`, then the stricter minimums given as (key, value, minimum,
    /// inclusive) for numbers and (key, value, minimum) for whole numbers.
    public func rangeProblem(
        numbers: [(key: String, value: Double, minimum: Double, inclusive: Bool)],
        wholeNumbers: [(key: String, value: Int, minimum: Int)]
    ) -> String? {
        for rule in numbers where !(rule.inclusive ? rule.value >= rule.minimum : rule.value > rule.minimum) {
            let minimum = rule.minimum == rule.minimum.rounded() ? String(Int(rule.minimum)) : "\(rule.minimum)"
            return "\(rule.key) must be a number \(rule.inclusive ? ">=" : ">") \(minimum), got \(rule.value)"
        }
        for rule in wholeNumbers where rule.value < rule.minimum {
            return "\(rule.key) must be a whole number >= \(rule.minimum), got \(rule.value)"
        }
        return negativeKnob
    }
}

extension DetectorSettings: RangeCheckedSettings {
    /// The fewest warm-up samples (the configuration's `detector.warmup_samples`).
    public static let minimumWarmupSamples = 10

    /// The ranges of the daemon's configuration file for its `detector.*` keys
    /// (dead_zone, slow_dead_zone, envelope_dead_zone and evidence_threshold > 0,
    /// clear_after >= 1, warmup_samples >= 10), spikeUnit > 0 and maximumSpikes >= 1
    /// (a surprise is worth at least one spike), and no knob below 0.
    public var rangeProblem: String? {
        rangeProblem(
            numbers: [
                ("deadZone", deadZone, 0, false), ("slowDeadZone", slowDeadZone, 0, false),
                ("envelopeDeadZone", envelopeDeadZone, 0, false), ("evidenceThreshold", evidenceThreshold, 0, false),
                ("spikeUnit", spikeUnit, 0, false), ("quietSwitchOffMissing", quietSwitchOffMissing, 1, true),
            ],
            wholeNumbers: [
                ("clearAfter", clearAfter, 1), ("warmupSamples", warmupSamples, Self.minimumWarmupSamples),
                ("maximumSpikes", maximumSpikes, 1),
            ])
    }
}
