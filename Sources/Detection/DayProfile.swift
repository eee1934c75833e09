/// Where a moment falls in the day (telemetry time, UTC), worked out once per sample for
/// every feature's hourly slots.
struct HourClock: Sendable {
    /// The absolute hour (telemetry seconds / 3600, rounded down), or nil for a time no
    /// clock reaches (beyond +-1e15 hours, or not finite).
    let hour: Int64?
    /// The two hour slots whose centres enclose the moment, and the second's weight (the
    /// first is nil when the time is not finite).
    let first: Int?
    let second: Int
    let weight: Double
    /// The absolute half hour, which fixes the two enclosing slots within its hour (nil
    /// with `hour`): features cache what those slots hold under it.
    let halfHour: Int64?

    init(time: Double) {
        let hours = (time / 3600).rounded(.down)
        hour = hours.isFinite && abs(hours) < 1e15 ? Int64(hours) : nil  // checked: |hours| < 1e15
        guard time.isFinite else {
            first = nil
            second = 0
            weight = 0
            halfHour = nil
            return
        }
        let position = (time / 3600).truncatingRemainder(dividingBy: 24) + (time < 0 ? 24 : 0) - 0.5
        let below = position.rounded(.down)
        let slot = (Int(below) + 24) % 24
        first = slot
        second = (slot + 1) % 24
        weight = position - below
        halfHour = hour.map { $0 * 2 + (slot == Self.slot(of: $0) ? 1 : 0) }  // checked: |hour| < 1e15
    }

    /// The slot of an absolute hour.
    static func slot(of hour: Int64) -> Int { Int(((hour % 24) + 24) % 24) }
}

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

    /// Starts a new hour when `clock` is in another one: the finished hour's mean level
    /// goes into its slot if most of its samples were usable.
    /// A time no clock reaches changes nothing.
    mutating func advance(to clock: HourClock) {
        guard let now = clock.hour, now != hour else { return }
        Self.fold(hour: hour, sum: hourSum, count: hourUsable, samples: hourSamples, into: &levels, days: &days)
        hour = now
        hourSum = 0
        hourUsable = 0
        hourSamples = 0
    }

    /// Folds a finished `hour`'s mean (`sum` over `count` of its `samples`) into its slot
    /// of 24 `slots` (created on first use), if most of its samples counted: the first
    /// days averaged, then a running mean with weight ``slotWeight``.
    static func fold(hour: Int64, sum: Double, count: Int, samples: Int, into slots: inout [Double], days: inout [Int]) {
        if slots.isEmpty {
            slots = Array(repeating: .nan, count: 24)
            days = Array(repeating: 0, count: 24)
        }
        guard hour != Int64.min, count > 0, 2 * count >= samples else { return }
        let slot = HourClock.slot(of: hour)
        let mean = sum / Double(count)
        let weight = max(slotWeight, 1 / Double(days[slot] + 1))
        slots[slot] = days[slot] == 0 ? mean : slots[slot] + weight * (mean - slots[slot])
        days[slot] += 1
    }

    /// The expected level at `clock`, interpolated between the neighbouring hours'
    /// centres, or nil while either slot is unlearned.
    func reference(at clock: HourClock) -> Double? {
        Self.enclosing(levels, at: clock).map { Self.interpolate($0, at: clock) }
    }

    /// The level between two enclosing slots' values at `clock`.
    static func interpolate(_ slots: (Double, Double), at clock: HourClock) -> Double {
        slots.0 * (1 - clock.weight) + slots.1 * clock.weight
    }

    /// The two of 24 `slots` that enclose `clock`, or nil while either is unlearned. An
    /// unlearned slot is NaN (a learned one never is), so the day counts are not read on
    /// every sample: at a thousand cells that second array's cache misses cost more than
    /// the rest of a feature's day profile.
    static func enclosing(_ slots: [Double], at clock: HourClock) -> (Double, Double)? {
        guard slots.count == 24, let first = clock.first else { return nil }
        let a = slots[first]
        let b = slots[clock.second]
        guard !a.isNaN, !b.isNaN else { return nil }
        return (a, b)
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
