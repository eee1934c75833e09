import Foundation

/// The long-run rate of a ratio of counts (handover successes per attempt, failures per
/// setup attempt), and the test that judges the ratio's recent counts against it.
///
/// The long run is leaky sums of the numerator's and the denominator's counts over many
/// hours. The ratio's recent counts (its own leaky sums: four intervals, or as many as
/// hold about `ratioAttempts` attempts when attempts are rare) are compared with it by a
/// likelihood-ratio (G) test of the two-by-two table (recent and long-run events and
/// non-events), so the verdict is in counts, not in the ratio's level: nine failed
/// handovers in thirty attempts on a cell that fails one in two hundred is many sigmas,
/// even when the forecast has followed the ratio down as the leaky sums filled, while one
/// failure in two attempts is nothing; a short long run makes the test cautious by
/// itself. Real failures come in bursts more than a binomial draw does: the statistic is
/// divided by its own learned mean (the dispersion, at least 1), learned from the
/// intervals that do not surprise (so a step in the failure rate that recurs every day,
/// each time beyond the dead zone, is not learned as ordinary: a known limit).
///
/// A failure rate that rises for hours on a cell of few attempts (two handovers an
/// interval at night, a fifth of them failing) rarely fills the short window with enough
/// counts. For it the long run also accumulates evidence, interval by interval: the
/// log-likelihood ratio of the interval's counts under the long-run rate with the rarer
/// outcome's odds times `oddsRatio`, against the long-run rate, summed and floored at 0
/// (Page's CUSUM) and divided by the dispersion. Ordinary intervals drain it; a lasting
/// rise fills it. Past the evidence the dead zone stands for (half its square, as for the
/// G statistic) an interval that adds to it sends spikes and is learned at `frozenGain`.
/// It is capped at one and a half times that; once the change ends ordinary intervals
/// drain it (after about 7/p attempts at a failure rate p: an hour or two at a busy
/// hour, most of a day on a quiet reliable cell, where an ordinary failure meanwhile
/// sends a few spikes). With hundreds of thousands of attempts an interval one interval
/// fills or empties it: it is then a test of that interval alone. Only the rarer
/// outcome's rise is tested: failures back to normal after a fault the long run partly
/// learned are no fault (tested both ways, a cell was raised three times two days after
/// its handover misconfiguration). A fixed
/// second window of some hours (about 100 attempts) was tried before it: failure rates
/// that follow the day's load made it raise false alarms (0.18 -> 0.30 per cell-day on
/// generated scenarios).
struct RatioBaseline: Codable, Sendable {
    /// Leaky sums of the numerator's and the denominator's counts over the long run.
    var events = 0.0
    var attempts = 0.0
    /// The mean of the test's statistic outside surprises (1 for a binomial draw).
    var dispersion = 1.0
    /// Intervals learned (the dispersion is their plain mean until there are a span's).
    var intervals = 0
    /// Consecutive intervals held back from the long run.
    var heldIntervals = 0
    /// Evidence accumulated that the rarer outcome became more frequent for good (Page's
    /// CUSUM of the log-likelihood ratio, divided by the dispersion).
    var evidence = 0.0

    init() {}

    /// Decodes a long run, a missing field keeping its initial value (a checkpoint
    /// written before the field existed is read, not refused).
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        events = try container.decodeIfPresent(Double.self, forKey: .events) ?? 0
        attempts = try container.decodeIfPresent(Double.self, forKey: .attempts) ?? 0
        dispersion = try container.decodeIfPresent(Double.self, forKey: .dispersion) ?? 1
        intervals = max(try container.decodeIfPresent(Int.self, forKey: .intervals) ?? 0, 0)
        heldIntervals = max(try container.decodeIfPresent(Int.self, forKey: .heldIntervals) ?? 0, 0)
        evidence = try container.decodeIfPresent(Double.self, forKey: .evidence) ?? 0
    }

    /// Judges one interval and learns it: returns the recent counts' deviation from the
    /// long-run rate, in sigmas (positive when the numerator is more frequent than in the
    /// long run; 0 when there is nothing to judge). The long run learns the interval with
    /// `frozenGain` of its weight while the deviation exceeds `deadZone` or the ratio
    /// carries an alert (`frozen`), so a fault is not learned as the long-run rate; after
    /// `acceptAfter` such intervals in a row it takes the recent rate as its own (a rate
    /// that changed for good is accepted, as the forecast accepts a new level).
    /// - Parameters:
    ///   - events: this interval's numerator count; `attempts`: its denominator count.
    ///   - recentEvents: the ratio's own leaky sums.
    ///   - span: the long run's span, in intervals.
    mutating func observe(
        events newEvents: Double, attempts newAttempts: Double, recentEvents: Double, recentAttempts: Double,
        span: Double, frozen: Bool, deadZone: Double, frozenGain: Double, acceptAfter: Double, oddsRatio: Double,
        minimumOddsRatio: Double = 1
    ) -> Double {
        guard newEvents.isFinite, newAttempts.isFinite, recentEvents.isFinite, recentAttempts.isFinite else { return 0 }
        if !(events.isFinite && attempts.isFinite && dispersion.isFinite && evidence.isFinite) { self = RatioBaseline() }
        let span = max(span, 1)
        // A long run whose numerator outgrew its denominator is no proportion (counters
        // counted apart): nothing to judge.
        let proportion = events <= attempts * 1.01 + 1
        let recent = proportion ? Self.statistic(a: recentEvents, n: recentAttempts, c: events, m: attempts) : (g: 0, sign: 1)
        var deviation = recent.sign * (recent.g / max(dispersion, 1)).squareRoot()
        if minimumOddsRatio > 1, recentAttempts > 0, attempts > 0,
            Self.oddsChange(recent: recentEvents / recentAttempts, longRun: events / attempts) < minimumOddsRatio {
            deviation = 0
        }
        // The evidence needed is the G statistic's at the dead zone (half its square).
        let threshold = deadZone * deadZone / 2
        if proportion {
            // Past its dead zone whenever it speaks: the interval then surprises, and the
            // long run learns it at `frozenGain`. Intervals that drain the evidence are
            // learned in full and break the run that leads to acceptance.
            let accumulated = accumulate(
                events: newEvents, attempts: newAttempts, oddsRatio: oddsRatio, threshold: threshold, deadZone: deadZone)
            if abs(accumulated) > abs(deviation) { deviation = accumulated }
        } else {
            evidence = 0
        }
        let surprising = frozen || abs(deviation) > deadZone
        heldIntervals = surprising ? min(heldIntervals, 1 << 40) + 1 : 0
        if surprising && Double(heldIntervals) > acceptAfter && recentAttempts > 0 {
            // Accepted: the long run takes the recent rate (keeping its weight).
            events = attempts * min(max(recentEvents / recentAttempts, 0), 1)
            heldIntervals = 0
            evidence = 0
        }
        let gain = surprising && heldIntervals > 0 ? frozenGain : 1
        let keep = 1 - gain / span
        events = events * keep + gain * max(newEvents, 0)
        attempts = attempts * keep + gain * max(newAttempts, 0)
        if !surprising {
            intervals = min(intervals, 1 << 40) + 1
            dispersion += (recent.g - dispersion) / min(Double(intervals), span)
        }
        return deviation.isFinite ? deviation : 0
    }

    /// Adds this interval's log-likelihood ratio to the evidence that the rarer outcome
    /// (failures, when most attempts succeed) became more frequent: the long-run rate
    /// with the rarer outcome's odds times `oddsRatio`, against the long-run rate. Returns
    /// a deviation in sigmas (signed as the ratio moved) when the evidence is past
    /// `threshold` and grew this interval; 0 otherwise.
    private mutating func accumulate(
        events x: Double, attempts n: Double, oddsRatio: Double, threshold: Double, deadZone: Double
    ) -> Double {
        guard oddsRatio > 1, threshold > 0, attempts >= 50 else {
            evidence = 0
            return 0
        }
        guard n > 0 else { return 0 }
        let p0 = (min(max(events, 0), attempts) + 0.5) / (attempts + 1)
        // The rarer outcome: its count this interval, its long-run rate, and that rate
        // with its odds times `oddsRatio`.
        let eventsRarer = p0 <= 0.5
        let x = min(max(x, 0), n)
        let rare = eventsRarer ? x : n - x
        // Nothing to add to and nothing seen: no change (and no logarithm to take).
        if evidence == 0 && rare == 0 { return 0 }
        let q0 = eventsRarer ? p0 : 1 - p0
        let q1 = q0 * oddsRatio / (1 - q0 + q0 * oddsRatio)
        let step = (rare * log(q1 / q0) + (n - rare) * log((1 - q1) / (1 - q0))) / max(dispersion, 1)
        guard step.isFinite else { return 0 }
        evidence = min(max(evidence + step, 0), threshold * 1.5)
        guard evidence >= threshold && step > 0 else { return 0 }
        // Two spikes past the dead zone at the threshold, up to six at the cap: a
        // sequential test's verdict is as strong as a large deviation of the window's.
        let sigmas = deadZone + 1 + 8 * (evidence - threshold) / threshold
        return eventsRarer ? sigmas : -sigmas
    }

    /// How many times the odds of the rarer outcome changed, recent against long run
    /// (at least 1 either way; infinite from or to certainty).
    static func oddsChange(recent: Double, longRun: Double) -> Double {
        let r = min(max(recent, 0), 1)
        let p = min(max(longRun, 0), 1)
        guard r > 0, r < 1, p > 0, p < 1 else { return r == p ? 1 : .infinity }
        let ratio = (r / (1 - r)) / (p / (1 - p))
        return ratio >= 1 ? ratio : 1 / ratio
    }

    /// The G statistic of `a` events in `n` attempts against `c` in `m` (twice the sum of
    /// observed * ln(observed / expected) over the four cells), and the sign of the
    /// difference of the two rates; 0 when either side holds no attempt.
    static func statistic(a: Double, n: Double, c: Double, m: Double) -> (g: Double, sign: Double) {
        let n = max(n, 0)
        let a = min(max(a, 0), n)
        let m = max(m, 0)
        let c = min(max(c, 0), m)
        guard n > 0, m > 0 else { return (0, 1) }
        let eventShare = (a + c) / (n + m)
        func term(_ observed: Double, _ expected: Double) -> Double {
            observed > 0 && expected > 0 ? observed * log(observed / expected) : 0
        }
        let g = 2 * (term(a, n * eventShare) + term(n - a, n * (1 - eventShare))
            + term(c, m * eventShare) + term(m - c, m * (1 - eventShare)))
        guard g.isFinite else { return (0, 1) }
        return (max(g, 0), a / n >= c / m ? 1 : -1)
    }
}
