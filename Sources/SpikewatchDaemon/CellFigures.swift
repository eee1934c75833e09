import Foundation
import Synchronization
import Telemetry

/// One cell's figures for the per-cell gauges (README.md, "Metrics").
///
/// The design: each cell a shard keeps state for has one of these boxes of atomics. The
/// shard's thread, the only writer, finds the box in its own dictionary (no lock; one
/// hash lookup of the cell id per sample, next to the several the pipeline already does)
/// and stores with relaxed atomics, which cost about as much as plain stores on x86-64
/// and arm64. A scrape reads the boxes at any time, so the figures are never stale and
/// nothing is published on a timer. The shard's table of boxes (``ShardCellFigures``)
/// takes its lock only when a cell appears or is evicted, and for a scrape's copy, never
/// per sample. Boxes exist only for cells the shard keeps state for, so they are bounded
/// by `cells.max_cells`, and an evicted cell's box (with its label) goes with it.
final class CellFigures: Sendable {
    /// Samples of this cell accepted since the daemon started.
    let samples = Atomic<Int>(0)
    /// Samples of this cell refused by its `seq` or `ts` record (duplicate, time
    /// backwards, implausible time) since the daemon started.
    let rejections = Atomic<Int>(0)
    /// The spiking detector's score of the last accepted sample (a Double's bits; NaN
    /// until the first one since the daemon started).
    let lastScoreBits = Atomic<UInt64>(Double.nan.bitPattern)
    /// Wall-clock time (seconds since the epoch) of the last accepted sample; for a cell
    /// restored from a checkpoint, the daemon's start until its first sample.
    let lastSampleBits: Atomic<UInt64>
    /// An alert is open for the cell.
    let alertOpen: Atomic<Bool>

    init(lastSample: Double, alertOpen: Bool) {
        lastSampleBits = Atomic(lastSample.bitPattern)
        self.alertOpen = Atomic(alertOpen)
    }

    /// An accepted sample (the shard thread only).
    func accepted(score: Double, at time: Double) {
        samples.add(1, ordering: .relaxed)
        lastScoreBits.store(score.bitPattern, ordering: .relaxed)
        lastSampleBits.store(time.bitPattern, ordering: .relaxed)
    }
}

/// The boxes of one shard's cells, for scrapes (the shard thread keeps its own
/// dictionary of the same boxes for the hot path).
final class ShardCellFigures: Sendable {
    private let table = Mutex<[ExactKey: CellFigures]>([:])

    func insert(_ cell: String, _ figures: CellFigures) {
        table.withLock { $0[ExactKey(cell)] = figures }
    }

    func remove(_ cell: String) {
        table.withLock { _ = $0.removeValue(forKey: ExactKey(cell)) }
    }

    /// Keeps only the boxes of `cells`.
    func keep(only cells: [ExactKey: CellFigures]) {
        table.withLock { $0 = cells }
    }

    var snapshot: [(cell: String, figures: CellFigures)] {
        table.withLock { $0.map { ($0.key.id, $0.value) } }
    }
}

/// The per-cell families of the exposition, from every shard's boxes, ages computed
/// against the wall clock `now`.
func cellExposition(_ shards: [ShardCellFigures], now: Double) -> String {
    let cells = shards.flatMap(\.snapshot).sorted { $0.cell < $1.cell }
    var text = ""
    func family(_ name: String, _ type: String, _ help: String, _ value: (CellFigures) -> Double?) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (cell, figures) in cells {
            guard let value = value(figures) else { continue }
            text += "\(name){cell=\"\(escapeLabelValue(cell))\"} \(formatSample(value))\n"
        }
    }
    family("spikewatch_cell_last_score", "gauge", "The spiking detector's score (0 to 1) of the cell's last accepted sample.") {
        let score = Double(bitPattern: $0.lastScoreBits.load(ordering: .relaxed))
        return score.isNaN ? nil : score
    }
    family("spikewatch_cell_last_sample_age_seconds", "gauge", "Wall-clock seconds since the cell's last accepted sample (since the daemon started, for a restored cell not heard from since).") {
        max(0, now - Double(bitPattern: $0.lastSampleBits.load(ordering: .relaxed)))
    }
    family("spikewatch_cell_alert_open", "gauge", "1 while an alert is open for the cell, else 0.") {
        $0.alertOpen.load(ordering: .relaxed) ? 1 : 0
    }
    family("spikewatch_cell_samples_total", "counter", "Samples of the cell accepted since the daemon started.") {
        Double($0.samples.load(ordering: .relaxed))
    }
    family("spikewatch_cell_rejections_total", "counter", "Samples of the cell refused by its seq or ts record (duplicate, time_backwards, implausible_time) since the daemon started.") {
        Double($0.rejections.load(ordering: .relaxed))
    }
    return text
}

/// A label value in the text format: backslash, double quote and line feed escaped.
func escapeLabelValue(_ value: String) -> String {
    var result = ""
    result.reserveCapacity(value.utf8.count)
    for character in value.unicodeScalars {
        switch character {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        case "\n": result += "\\n"
        default: result.unicodeScalars.append(character)
        }
    }
    return result
}

/// A sample value in the text format (integers without a fraction).
func formatSample(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}
