/// The level a feature keeps at each hour of the day, learned over days: what "normal at
/// this hour" means (a sleeping cell loses its users at an hour when it normally has
/// them; at night the same level is normal).
///
/// Hours are the telemetry time's hours (UTC): 24 slots, each the mean level of that hour
/// on the days seen (the first days averaged, then a running mean with weight
/// ``slotWeight``). The reference at a moment interpolates between the centres of the
/// neighbouring hours, so a steep morning rise is not a deviation. The profile speaks
/// only once both neighbouring slots were learned on an earlier day and the typical
/// deviation from it has been measured for ``readyHours`` of samples: until then it says
/// nothing (no false alarms while it learns).
struct DayProfile: Codable, Sendable, Equatable {
    /// Weight of a new day in a slot once it has a few days behind it.
    static let slotWeight = 0.3
    /// Hours of samples the typical deviation must be measured over before the profile
    /// speaks.
    static let readyHours = 6.0
    /// Hours over which the typical deviation is averaged (about a day).
    static let deviationHours = 24.0

    /// Mean level per hour of the day (transformed units); NaN until learned.
    var levels: [Double] = []
    /// Days each slot has been learned on.
    var days: [Int] = []
    /// The absolute hour (telemetry seconds / 3600) being accumulated, and its level sum
    /// over the samples that were not surprising, their count and all samples in it.
    var hour = Int64.min
    var hourSum = 0.0
    var hourUsable = 0
    var hourSamples = 0
    /// Mean absolute deviation of the level from the reference (transformed units), and
    /// samples it was measured on.
    var deviation = 0.0
    var deviationSamples = 0

    /// Starts a new hour when `time` is in another one: the finished hour's mean level
    /// goes into its slot if most of its samples were usable.
    /// A `time` no clock reaches (beyond +-1e15 hours, or not finite) changes nothing.
    mutating func advance(to time: Double) {
        let hours = (time / 3600).rounded(.down)
        guard hours.isFinite, abs(hours) < 1e15 else { return }
        let now = Int64(hours)  // checked: |hours| < 1e15
        guard now != hour else { return }
        if levels.isEmpty {
            levels = Array(repeating: .nan, count: 24)
            days = Array(repeating: 0, count: 24)
        }
        if hour != Int64.min, hourUsable > 0, 2 * hourUsable >= hourSamples {
            let slot = Int(((hour % 24) + 24) % 24)
            let mean = hourSum / Double(hourUsable)
            let weight = max(Self.slotWeight, 1 / Double(days[slot] + 1))
            levels[slot] = days[slot] == 0 ? mean : levels[slot] + weight * (mean - levels[slot])
            days[slot] += 1
        }
        hour = now
        hourSum = 0
        hourUsable = 0
        hourSamples = 0
    }

    /// The expected level at `time`, interpolated between the neighbouring hours' centres,
    /// or nil while either slot is unlearned.
    func reference(at time: Double) -> Double? {
        Self.interpolate(levels, days: days, at: time)
    }

    /// The value of 24 hourly `slots` at `time`, interpolated between the neighbouring
    /// hours' centres, or nil while either slot has no `days` (or there are no slots).
    static func interpolate(_ slots: [Double], days: [Int], at time: Double) -> Double? {
        guard slots.count == 24, let (first, second, weight) = neighbours(at: time, days: days) else { return nil }
        return slots[first] * (1 - weight) + slots[second] * weight
    }

    /// The two hour slots whose centres enclose `time`, and the second's weight, or nil
    /// while either has no `days` (or there are not 24).
    static func neighbours(at time: Double, days: [Int]) -> (first: Int, second: Int, weight: Double)? {
        guard days.count == 24, time.isFinite else { return nil }
        let position = (time / 3600).truncatingRemainder(dividingBy: 24) + (time < 0 ? 24 : 0) - 0.5
        let below = position.rounded(.down)
        let first = (Int(below) + 24) % 24
        let second = (first + 1) % 24
        guard days[first] > 0, days[second] > 0 else { return nil }
        return (first, second, position - below)
    }

    /// Learns from one sample: its level joins the hour's mean when `usable` (not
    /// surprising, the cell not alerting on it); its deviation from `reference` joins the
    /// typical deviation when usable, clipped at `clip`.
    mutating func learn(level: Double, reference: Double?, usable: Bool, clip: Double, samplesPerHour: Double) {
        hourSamples += 1
        guard usable else { return }
        hourSum += level
        hourUsable += 1
        guard let reference else { return }
        let span = max(Self.deviationHours * samplesPerHour, 1)
        let gain = 1 / min(Double(deviationSamples + 1), span)
        deviation += gain * (min(abs(level - reference), clip) - deviation)
        deviationSamples += 1
    }

    /// Whether the typical deviation has been measured long enough to judge by.
    func isReady(samplesPerHour: Double) -> Bool {
        Double(deviationSamples) >= Self.readyHours * samplesPerHour
    }
}
