/// The per-cell checks of the telemetry contract that need memory (docs/telemetry.md):
/// implausible times, duplicates, time going backwards, publisher restarts, sequence
/// gaps, the cap on cells and idle eviction.
///
/// Pure: it never reads a clock itself. Two kinds of time meet here, and they are kept
/// apart so that no single message can harm another cell:
/// - a sample's `ts` is only ever compared with its own cell's history (and, while live,
///   with the wall clock the caller passes in ``now``);
/// - idleness is judged on telemetry time, the stream's as a whole (``streamTime``: the
///   median of the last 17 accepted timestamps, never going back), which one outlying
///   `ts` cannot move; live, it is never ahead of the wall clock in ``now``.
public struct SequenceTracker: Sendable, Codable {
    /// What the tracker knows of one cell.
    public struct CellRecord: Sendable, Equatable, Codable {
        public var lastSequence: Int64
        public var lastTimestamp: Double
        /// When the cell last had a sample accepted, on the tracker's clock (not kept in
        /// checkpoints: a restored cell counts as seen when the daemon starts).
        public var lastSeen: Double = 0
        /// A `ts` refused for jumping too far from `lastTimestamp` (ahead, or back); the
        /// cell's next sample that agrees with it confirms the jump (not kept in
        /// checkpoints).
        public var suspectTimestamp: Double?
        /// How often the cell reports, in seconds, once two intervals are known (0 before):
        /// a sample much sooner than this after the last is a repeat. Kept in checkpoints
        /// (`spacing`; an earlier checkpoint without it learns it again).
        public var spacing: Double = 0
        /// Intervals that went into ``spacing`` while it was being set up (at most 2).
        var spacingIntervals: Int8 = 0
        /// Consecutive accepted intervals under half of ``spacing``: at 3 the cell reports
        /// faster now, and ``spacing`` follows at once.
        var shortIntervals: Int8 = 0

        enum CodingKeys: String, CodingKey {
            case lastSequence, lastTimestamp, spacing
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            lastSequence = try container.decode(Int64.self, forKey: .lastSequence)
            lastTimestamp = try container.decode(Double.self, forKey: .lastTimestamp)
            let spacing = try container.decodeIfPresent(Double.self, forKey: .spacing) ?? 0
            if spacing.isFinite && spacing > 0 {
                self.spacing = spacing
                spacingIntervals = 2
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(lastSequence, forKey: .lastSequence)
            try container.encode(lastTimestamp, forKey: .lastTimestamp)
            if spacingIntervals >= 2 { try container.encode(spacing, forKey: .spacing) }
        }

        /// Carries ``spacing`` over from the cell's previous record and moves it with an
        /// accepted interval: the shorter of the first two intervals, unless it is under
        /// 5% of the longer (then it was a repeat nothing could yet tell, and the longer
        /// is the period); then a slow average that a reporting gap can lift by at most
        /// 10% per sample; three short intervals in a row set it outright (the cell was
        /// set to report faster). A jump longer than `longest` (an outage) teaches nothing.
        mutating func learnSpacing(from previous: CellRecord, interval: Double, longest: Double, repeatShare: Double) {
            spacing = previous.spacing
            spacingIntervals = previous.spacingIntervals
            shortIntervals = previous.shortIntervals
            guard interval > 0, interval <= longest else { return }
            shortIntervals = 0
            if spacingIntervals == 0 {
                spacing = interval
                spacingIntervals = 1
            } else if spacingIntervals == 1 {
                let (shorter, longer) = (min(spacing, interval), max(spacing, interval))
                spacing = shorter < repeatShare * longer ? longer : shorter
                spacingIntervals = 2
            } else if interval < spacing / 2 {
                shortIntervals = previous.shortIntervals + 1
                if shortIntervals >= 3 {
                    spacing = interval
                    shortIntervals = 0
                }
            } else {
                spacing += 0.1 * (min(interval, 2 * spacing) - spacing)
            }
        }

        public init(lastSequence: Int64, lastTimestamp: Double, lastSeen: Double = 0) {
            self.lastSequence = lastSequence
            self.lastTimestamp = lastTimestamp
            self.lastSeen = lastSeen
        }
    }

    /// What an accepted sample meant for its stream.
    public struct Admission: Sendable, Equatable {
        /// The cell was not known before.
        public var isNewCell: Bool
        /// Messages missing before this one (a forward `seq` jump), 0 if none.
        public var gap: Int64
        /// `seq` dropped: the publisher restarted.
        public var publisherRestarted: Bool
        /// The cell's clock went back for good (a jump back of more than
        /// ``maximumTimeJump`` that its next sample confirmed): what it learned is stale
        /// and goes; it starts afresh from this sample.
        public var clockReset = false
    }

    /// Why a cell was forgotten (the `reason` label of `spikewatch_cells_evicted_total`).
    public enum EvictionReason: String, Sendable, CaseIterable {
        /// Silent for longer than ``idleEviction`` of telemetry time (the tracker's ``clock``).
        case idle
        /// Restored from a checkpoint holding a time that cannot be right.
        case implausibleTime = "implausible_time"
    }

    /// One forgotten cell.
    public struct Eviction: Sendable, Equatable {
        public var cell: String
        public var reason: EvictionReason
        /// The cell's last accepted `ts`.
        public var lastTimestamp: Double
        /// Why, for the log.
        public var detail: String
    }

    /// A `ts` at or above this is not epoch seconds (1e11 s is the year 5138), but
    /// milliseconds or microseconds since the epoch (1e12 and more today).
    public static let epochSecondsLimit = 1e11

    /// New cells beyond this many are rejected as `too_many_cells`.
    public var maximumCells: Int
    /// Cells silent this many seconds of telemetry time (``clock``) are forgotten.
    public var idleEviction: Double
    /// A `ts` more than this many seconds ahead of its cell's last one is refused as
    /// `implausible_time` unless the cell's next sample confirms it (lies at or after it
    /// and within this many seconds of it): one outlier never moves a cell's clock.
    public var maximumTimeJump: Double = 3600
    /// A sample less than this share of its cell's ``CellRecord/spacing`` after the cell's
    /// last `ts` is a `duplicate`: the last sample sent again under a new `seq` with its
    /// time nudged (+1 µs, +1 s). Learned as a sample, each repeat would read as an
    /// interval with no traffic, and the cell's period as half its own.
    public var repeatShare = 0.05
    /// While live: a `ts` more than this many seconds ahead of ``now`` is `implausible_time`.
    public var maximumFutureLead: Double = 86_400
    /// The wall clock (epoch seconds), set by the caller before each admission while
    /// live: a `ts` far ahead of it is implausible, and the idleness clock never runs
    /// ahead of it. Nil in replay, where the stream's own time is all there is.
    public var now: Double?
    /// Whether ``admit(cell:sequence:timestamp:)`` evicts idle cells itself (replay). A
    /// daemon sweeps on its own schedule with ``sweep()`` instead, so it can close what
    /// the evicted cells left open.
    public var sweepsOnAdmission = true
    /// The cells' records, by id byte for byte (``ExactKey``).
    public private(set) var cells: [ExactKey: CellRecord] = [:]
    /// The latest accepted telemetry time of any cell (informational: it decides nothing).
    public private(set) var latestTimestamp: Double = 0
    /// The stream's time as a whole: the median of the last accepted timestamps.
    public private(set) var streamTime: Double = 0
    private var recent: [Double] = []
    private var recentNext = 0
    private var admissionsSinceClock = 0
    private var lastSweep: Double = 0
    /// Cells evicted by a sweep during an admission that was then refused: returned by the
    /// next accepted admission, so the caller forgets their learned state too.
    private var unreported: [String] = []

    static let recentCount = 17

    /// The clock idleness is judged on: telemetry time, the stream's as a whole
    /// (``streamTime``), live and in replay alike, so both evict the same cells; live, it
    /// is never ahead of the wall clock (a publisher whose times run ahead cannot make
    /// the other cells idle).
    public var clock: Double { now.map { min(streamTime, $0) } ?? streamTime }

    public init(maximumCells: Int = 10_000, idleEviction: Double = 86_400) {
        self.maximumCells = maximumCells
        self.idleEviction = idleEviction
    }

    enum CodingKeys: String, CodingKey {
        case maximumCells, idleEviction, cells, latestTimestamp, lastSweep
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maximumCells = try container.decode(Int.self, forKey: .maximumCells)
        idleEviction = try container.decode(Double.self, forKey: .idleEviction)
        let records = try container.decodeIfPresent([String: CellRecord].self, forKey: .cells) ?? [:]
        cells = Dictionary(stringKeyed: records)
        latestTimestamp = try container.decodeIfPresent(Double.self, forKey: .latestTimestamp) ?? 0
        restoreClock()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maximumCells, forKey: .maximumCells)
        try container.encode(idleEviction, forKey: .idleEviction)
        try container.encode(cells.stringKeyed, forKey: .cells)
        try container.encode(latestTimestamp, forKey: .latestTimestamp)
        try container.encode(0.0, forKey: .lastSweep)  // read by earlier versions
    }

    /// Why `timestamp` cannot be right whatever the cell's history, or nil.
    public func absoluteProblem(_ timestamp: Double) -> String? {
        guard timestamp.isFinite, timestamp > 0 else { return "ts \(timestamp) is not a time" }
        if timestamp >= Self.epochSecondsLimit {
            return "ts \(timestamp) is not seconds since the epoch (milliseconds or microseconds?)"
        }
        if let now, timestamp > now + maximumFutureLead {
            return "ts \(timestamp) is \(formatSeconds((timestamp - now).rounded())) s ahead of the wall clock (at most \(formatSeconds((maximumFutureLead).rounded())))"
        }
        return nil
    }

    /// Checks and records a decoded sample.
    /// - Returns: the admission, and the cells evicted for idleness on the way (their
    ///   learned state should go too).
    /// - Throws: ``Rejection`` for `too_many_cells`, `implausible_time`, `duplicate` or
    ///   `time_backwards`, in that precedence.
    public mutating func admit(cell: String, sequence: Int64, timestamp: Double) throws(Rejection)
        -> (admission: Admission, evicted: [String])
    {
        let key = ExactKey(cell)
        guard let index = cells.index(forKey: key) else {
            if cells.count >= maximumCells {
                // Make room if idle cells can go (at most once per second of the clock:
                // a flood of new cells at the cap costs no sweep per message).
                if sweepsOnAdmission && clock >= lastSweep + 1 { unreported += sweep().map(\.cell) }
                if cells.count >= maximumCells {
                    throw Rejection(.tooManyCells, "cell \"\(cell)\" would exceed the cap of \(maximumCells) cells")
                }
            }
            if let problem = absoluteProblem(timestamp) { throw Rejection(.implausibleTime, "cell \"\(cell)\": \(problem)") }
            // A cell's first sample does not move the stream clock once it runs (nothing
            // confirms its time yet): a few new cells with a wrong `ts` cannot make every
            // other cell idle. The stream's very first sample starts it.
            if streamTime == 0 {
                advanceClock(timestamp)
            } else if timestamp > latestTimestamp {
                latestTimestamp = timestamp
            }
            cells[key] = CellRecord(lastSequence: sequence, lastTimestamp: timestamp, lastSeen: clock)
            return (Admission(isNewCell: true, gap: 0, publisherRestarted: false), takeEvicted())
        }
        // A known cell: one hash lookup, the record updated in place.
        let record = cells.values[index]
        if let problem = absoluteProblem(timestamp) { throw Rejection(.implausibleTime, "cell \"\(cell)\": \(problem)") }
        if timestamp - record.lastTimestamp > maximumTimeJump {
            let confirmed = record.suspectTimestamp.map { timestamp >= $0 && timestamp - $0 <= maximumTimeJump } ?? false
            if !confirmed {
                cells.values[index].suspectTimestamp = timestamp
                throw Rejection(
                    .implausibleTime,
                    "cell \"\(cell)\": ts \(timestamp) is \(formatSeconds((timestamp - record.lastTimestamp).rounded())) s after its last ts \(record.lastTimestamp) "
                        + "(more than \(formatSeconds((maximumTimeJump).rounded())) s: accepted once its next sample confirms it)")
            }
        }
        if sequence == record.lastSequence {
            throw Rejection(.duplicate, "cell \"\(cell)\" seq \(sequence) was already received")
        }
        if timestamp == record.lastTimestamp {
            // The same sample again under a new `seq` (a publisher that sends twice): learned
            // twice, every sample would count double and a fault be learned as normal.
            throw Rejection(.duplicate, "cell \"\(cell)\" ts \(timestamp) was already received")
        }
        let interval = timestamp - record.lastTimestamp
        // A spacing beyond the longest jump (a damaged checkpoint's) judges nothing.
        if interval > 0, record.spacingIntervals >= 2, record.spacing <= maximumTimeJump, interval < repeatShare * record.spacing {
            throw Rejection(
                .duplicate,
                "cell \"\(cell)\" ts \(timestamp) is \(formatSeconds(interval)) s after its last ts \(record.lastTimestamp), "
                    + "and the cell reports every \(formatSeconds(record.spacing.rounded())) s: the last sample again")
        }
        var clockReset = false
        if timestamp < record.lastTimestamp {
            // Far back, confirmed by the next sample: the cell's clock was wrong (pushed
            // ahead by a bad publisher, or a recording appended out of order), not this
            // sample. Otherwise the cell would refuse its good samples for as long as the
            // wrong time lies ahead.
            // Only a cell whose clock is ahead of the daemon's (live: the wall clock; in
            // replay: the stream's time) can have been pushed ahead: old samples sent late
            // (a backlog flushed after an outage) are refused and change nothing.
            let farBack = record.lastTimestamp - timestamp > maximumTimeJump
                && record.lastTimestamp - (now ?? streamTime) > maximumTimeJump
            let confirmed = farBack && (record.suspectTimestamp.map { timestamp >= $0 && timestamp - $0 <= maximumTimeJump } ?? false)
            guard confirmed else {
                if farBack { cells.values[index].suspectTimestamp = timestamp }
                throw Rejection(
                    .timeBackwards,
                    "cell \"\(cell)\" ts \(timestamp) is before its last ts \(record.lastTimestamp)"
                        + (farBack ? " (more than \(formatSeconds((maximumTimeJump).rounded())) s: the cell restarts from it once its next sample confirms it)" : ""))
            }
            clockReset = true
        }
        // Both are in [0, 2^63), so the difference cannot overflow.
        let jump = sequence - record.lastSequence - 1
        // A jump far beyond the messages the time since the cell's last could have held
        // is the publisher renumbering its stream, not loss (one message with `seq` 2^63-1
        // would otherwise pin the loss count for every cell): counted as a restart.
        let renumbered = jump > Self.mostPlausibleGap(interval: interval, spacing: record.spacing)
        let restarted = sequence < record.lastSequence || renumbered
        let gap = restarted || clockReset ? 0 : jump
        advanceClock(timestamp)
        var updated = CellRecord(lastSequence: sequence, lastTimestamp: timestamp, lastSeen: clock)
        if !clockReset { updated.learnSpacing(from: record, interval: interval, longest: maximumTimeJump, repeatShare: repeatShare) }
        cells.values[index] = updated
        if clockReset { latestTimestamp = cells.values.map(\.lastTimestamp).max() ?? timestamp }
        if sweepsOnAdmission && clock - lastSweep >= min(idleEviction, 3600) {
            unreported += sweep().map(\.cell)
        }
        return (Admission(isNewCell: false, gap: gap, publisherRestarted: restarted, clockReset: clockReset), takeEvicted())
    }

    private mutating func takeEvicted() -> [String] {
        guard !unreported.isEmpty else { return [] }
        defer { unreported = [] }
        return unreported
    }

    /// Moves the stream clock with an accepted `ts`.
    private mutating func advanceClock(_ timestamp: Double) {
        if timestamp > latestTimestamp { latestTimestamp = timestamp }
        if recent.count < Self.recentCount {
            recent.append(timestamp)
        } else {
            recent[recentNext] = timestamp
            recentNext = (recentNext + 1) % Self.recentCount
        }
        admissionsSinceClock += 1
        // The median of a handful of values, every few samples: cheap, and one outlier
        // (or a few, fewer than half the window) cannot move it.
        if admissionsSinceClock >= 4 || recent.count < Self.recentCount {
            admissionsSinceClock = 0
            let median = recent.sorted()[(recent.count - 1) / 2]
            if median > streamTime { streamTime = median }
        }
    }

    /// The most messages a `seq` jump may count as lost: twice what the time since the
    /// cell's last sample could have held at its reporting period, and 10,000 more (a
    /// million while the period is not yet known).
    static func mostPlausibleGap(interval: Double, spacing: Double) -> Int64 {
        guard spacing > 0, interval.isFinite, interval >= 0 else { return 1_000_000 }
        return Int64(min(2 * interval / spacing, 1e15)) + 10_000  // checked: at most 1e15
    }

    /// Forgets every cell silent for longer than ``idleEviction`` on ``clock``.
    /// - Returns: the evicted cells, sorted by id.
    public mutating func sweep() -> [Eviction] {
        let clock = self.clock
        lastSweep = clock
        let horizon = clock - idleEviction
        var evicted: [Eviction] = []
        for (cell, record) in cells where record.lastSeen < horizon {
            evicted.append(Eviction(
                cell: cell.id, reason: .idle, lastTimestamp: record.lastTimestamp,
                detail: "silent for \(formatSeconds((clock - record.lastSeen).rounded())) s (cells.idle_eviction_s \(formatSeconds(idleEviction)))"))
        }
        for eviction in evicted { cells[ExactKey(eviction.cell)] = nil }
        return evicted.sorted { ExactKey($0.cell) < ExactKey($1.cell) }
    }

    /// Forgets idle cells; returns their ids (kept for callers of earlier versions).
    public mutating func evictIdle() -> [String] {
        sweep().map(\.cell)
    }

    /// Forgets cells whose last `ts` cannot be right (a checkpoint written before such
    /// times were refused): they start afresh.
    public mutating func evictImplausible() -> [Eviction] {
        var evicted: [Eviction] = []
        for (cell, record) in cells {
            if let problem = absoluteProblem(record.lastTimestamp) {
                evicted.append(Eviction(cell: cell.id, reason: .implausibleTime, lastTimestamp: record.lastTimestamp, detail: problem))
            }
        }
        for eviction in evicted { cells[ExactKey(eviction.cell)] = nil }
        if !evicted.isEmpty { latestTimestamp = cells.values.map(\.lastTimestamp).max() ?? 0 }
        return evicted.sorted { ExactKey($0.cell) < ExactKey($1.cell) }
    }

    /// Counts every cell as seen at `time` on the tracker's clock (after a restore: the
    /// daemon was not listening while it was down, so nobody has been silent yet).
    public mutating func markAllSeen(at time: Double) {
        for index in cells.values.indices { cells.values[index].lastSeen = time }
        lastSweep = time
    }

    /// Restores records from a checkpoint.
    public mutating func restore(_ records: [ExactKey: CellRecord]) {
        cells = records
        latestTimestamp = records.values.map(\.lastTimestamp).max() ?? 0
        restoreClock()
    }

    private mutating func restoreClock() {
        let times = cells.values.map(\.lastTimestamp).sorted()
        streamTime = times.isEmpty ? 0 : times[(times.count - 1) / 2]
        recent = []
        recentNext = 0
        for index in cells.values.indices { cells.values[index].lastSeen = streamTime }
        lastSweep = streamTime
    }
}

private func formatSeconds(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
