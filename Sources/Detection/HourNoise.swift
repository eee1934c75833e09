/// How noisy a feature is at each hour of the day, learned over days: a delay that is
/// steady at night turns bursty when the evening peak fills the cell, every evening.
/// Judged against its quiet hours, each burst would be a surprise; judged against what
/// that hour has shown on other days, it is ordinary.
///
/// The noise is the mean absolute step between successive values (transformed units):
/// a level shift is one step and barely moves it, a burst of noise moves it a lot. Steps
/// are learned from every sample, alerting or not (a first evening's bursts may well
/// have raised a false alarm that should not repeat), each clipped by the caller. Hours
/// are the telemetry time's hours (UTC), one slot each, as in ``DayProfile``; an hour
/// counts once most of its samples carried a step.
struct HourNoise: Codable, Sendable, Equatable {
    /// Mean absolute step per hour of the day; NaN until learned.
    var steps: [Double] = []
    /// Days each slot has been learned on.
    var days: [Int] = []
    /// The absolute hour being accumulated, its step sum and count, and all its samples.
    var hour = Int64.min
    var hourSum = 0.0
    var hourSteps = 0
    var hourSamples = 0

    /// Records one sample at `clock`, with its clipped absolute step from the previous
    /// value (nil: none). A time no clock reaches changes nothing.
    mutating func learn(step: Double?, at clock: HourClock) {
        guard let now = clock.hour else { return }
        if now != hour {
            DayProfile.fold(hour: hour, sum: hourSum, count: hourSteps, samples: hourSamples, into: &steps, days: &days)
            hour = now
            hourSum = 0
            hourSteps = 0
            hourSamples = 0
        }
        hourSamples += 1
        if let step, step.isFinite {
            hourSum += step
            hourSteps += 1
        }
    }

    /// The mean absolute step expected at `clock`: the larger of its hour's and the
    /// nearer neighbouring hour's (bursts start a little earlier on some days than on
    /// others), or nil while either is unlearned.
    func step(at clock: HourClock) -> Double? {
        guard let (a, b) = DayProfile.enclosing(steps, at: clock) else { return nil }
        return max(a, b)
    }

    /// Whether the decoded slots are consistent (24 each, or none yet).
    var isConsistent: Bool { steps.isEmpty || (steps.count == 24 && days.count == 24) }
}
