/// The per-cell checks of INTERFACES.md section 1 that need memory: duplicates, time
/// going backwards, publisher restarts, sequence gaps, the cap on cells and idle eviction.
///
/// Pure: "now" is the latest telemetry time seen, never the wall clock.
public struct SequenceTracker: Sendable, Codable {
    /// What the tracker knows of one cell.
    public struct CellRecord: Sendable, Equatable, Codable {
        public var lastSequence: Int64
        public var lastTimestamp: Double
    }

    /// What an accepted sample meant for its stream.
    public struct Admission: Sendable, Equatable {
        /// The cell was not known before.
        public var isNewCell: Bool
        /// Messages missing before this one (a forward `seq` jump), 0 if none.
        public var gap: Int64
        /// `seq` dropped: the publisher restarted.
        public var publisherRestarted: Bool
    }

    /// New cells beyond this many are rejected as `too_many_cells`.
    public var maximumCells: Int
    /// Cells silent this many telemetry seconds are forgotten.
    public var idleEviction: Double
    public private(set) var cells: [String: CellRecord] = [:]
    /// The latest telemetry time seen on any cell.
    public private(set) var latestTimestamp: Double = 0
    private var lastSweep: Double = 0

    public init(maximumCells: Int = 10_000, idleEviction: Double = 86_400) {
        self.maximumCells = maximumCells
        self.idleEviction = idleEviction
    }

    /// Checks and records a decoded sample.
    /// - Returns: the admission, and the cells evicted for idleness on the way (their
    ///   learned state should go too).
    /// - Throws: ``Rejection`` for `too_many_cells`, `duplicate` or `time_backwards`.
    public mutating func admit(cell: String, sequence: Int64, timestamp: Double) throws(Rejection)
        -> (admission: Admission, evicted: [String])
    {
        var evicted: [String] = []
        if timestamp > latestTimestamp { latestTimestamp = timestamp }
        if latestTimestamp - lastSweep >= min(idleEviction, 3600) {
            evicted = evictIdle()
        }
        guard let index = cells.index(forKey: cell) else {
            if cells.count >= maximumCells {
                evicted += evictIdle()
                if cells.count >= maximumCells {
                    throw Rejection(.tooManyCells, "cell \"\(cell)\" would exceed the cap of \(maximumCells) cells")
                }
            }
            cells[cell] = CellRecord(lastSequence: sequence, lastTimestamp: timestamp)
            return (Admission(isNewCell: true, gap: 0, publisherRestarted: false), evicted)
        }
        // A known cell: one hash lookup, the record updated in place.
        let record = cells.values[index]
        if sequence == record.lastSequence {
            throw Rejection(.duplicate, "cell \"\(cell)\" seq \(sequence) was already received")
        }
        if timestamp < record.lastTimestamp {
            throw Rejection(
                .timeBackwards, "cell \"\(cell)\" ts \(timestamp) is before its last ts \(record.lastTimestamp)")
        }
        let restarted = sequence < record.lastSequence
        let gap = restarted ? 0 : sequence - record.lastSequence - 1
        cells.values[index] = CellRecord(lastSequence: sequence, lastTimestamp: timestamp)
        return (Admission(isNewCell: false, gap: gap, publisherRestarted: restarted), evicted)
    }

    /// Forgets cells silent for longer than ``idleEviction``; returns their ids.
    public mutating func evictIdle() -> [String] {
        lastSweep = latestTimestamp
        let horizon = latestTimestamp - idleEviction
        let idle = cells.filter { $0.value.lastTimestamp < horizon }.map(\.key)
        for cell in idle { cells[cell] = nil }
        return idle.sorted()
    }

    /// Restores records from a checkpoint.
    public mutating func restore(_ records: [String: CellRecord]) {
        cells = records
        latestTimestamp = records.values.map(\.lastTimestamp).max() ?? 0
        lastSweep = latestTimestamp
    }
}
