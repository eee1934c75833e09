public import Foundation
public import Telemetry

/// Everything a daemon has learned, in a versioned file: the per-cell sequence records,
/// the detector's per-cell state and the alert sequence counter. Restoring it and
/// replaying the rest of a stream gives the same alerts as never having stopped.
///
/// The file is one JSON object whose `cells` array holds a line per cell, written cell by
/// cell (``write(_:)``), so writing it never holds more than one cell's encoding in
/// memory. Versions 1 and 2 were written by the earlier detector and are refused with a
/// message that says so (docs/checkpoint.md).
public struct Checkpoint: Sendable {
    /// The format version this build writes and reads. Versions 1 and 2 were written by
    /// the earlier model (no context memory, no onset neuron): refused with a message.
    public static let formatVersion = 3
    /// Telemetry time of the newest sample learned from.
    public var latestTimestamp: Double
    public var tracker: SequenceTracker
    public var detector: SpikingDetector
    /// The next alert `seq`: the publisher's counter, so that it continues after a restart.
    public var alertSequence: Int64
    /// The alert seq a checkpoint may hold: below 2^62.
    public static let mostAlertSequence: Int64 = 1 << 62

    public init(tracker: SequenceTracker, detector: SpikingDetector, alertSequence: Int64 = 0) {
        self.tracker = tracker
        self.detector = detector
        self.alertSequence = alertSequence
        latestTimestamp = tracker.latestTimestamp
    }

    /// One cell's line: its `seq` record and its learned model.
    struct CellEntry: Codable {
        var cell: String
        var sequence: SequenceTracker.CellRecord?
        var model: CellModel?
    }

    /// The file's fields other than `cells`.
    struct Header: Encodable {
        var format = "spikewatch-checkpoint"
        var version = Checkpoint.formatVersion
        var latestTimestamp: Double
        var alertSequence: Int64
        var tracker: SequenceTracker
        var detector: SpikingDetector
    }

    /// Encodes the checkpoint in pieces, in order, handing each to `emit`: the header,
    /// then one line per cell (sorted by cell id, so equal states give equal files).
    public func write(_ emit: (Data) throws -> Void) throws {
        let encoder = Self.encoder()
        var bareTracker = tracker
        bareTracker.restore([:])
        var bareDetector = detector
        bareDetector.cells = [:]
        var header = try encoder.encode(
            Header(latestTimestamp: latestTimestamp, alertSequence: alertSequence, tracker: bareTracker, detector: bareDetector))
        header.removeLast()  // the closing brace; the cells follow
        header.append(contentsOf: Array(#","cells":["#.utf8))
        try emit(header)
        let ids = Set(tracker.cells.keys).union(detector.cells.keys).sorted()
        for (index, id) in ids.enumerated() {
            var line = Data(index == 0 ? "\n".utf8 : ",\n".utf8)
            line.append(try encoder.encode(CellEntry(cell: id.id, sequence: tracker.cells[id], model: detector.cells[id])))
            try emit(line)
        }
        try emit(Data("\n]}\n".utf8))
    }

    /// The checkpoint as bytes (tests and benchmarks; the daemon streams ``write(_:)``).
    public func encoded() throws -> Data {
        var data = Data()
        try write { data.append($0) }
        return data
    }

    /// Reads a checkpoint, refusing another format or version with a clear message.
    public static func decode(_ data: Data) throws(CheckpointError) -> Checkpoint {
        struct Header: Decodable {
            /// Where versions 1 and 2 kept the alert `seq`.
            struct LegacyDetector: Decodable { var nextSequence: Int64? }
            var format: String?
            var version: Int?
            var alertSequence: Int64?
            var detector: LegacyDetector?
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        func otherFormat(_ format: String?) -> CheckpointError {
            CheckpointError("not a spikewatch checkpoint (format \(format.map { "\"\($0)\"" } ?? "missing"))")
        }
        // One parse on the way in; the failure paths parse again to say what was wrong.
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            struct Format: Decodable { var format: String? }
            guard let format = try? decoder.decode(Format.self, from: data) else {
                throw CheckpointError("not a spikewatch checkpoint (unreadable or corrupted JSON, \(data.count) bytes)")
            }
            guard format.format == "spikewatch-checkpoint" else { throw otherFormat(format.format) }
            // Ours, a header field out of its range (an alert seq past 2^63 - 1): named.
            struct Loose: Decodable { var alertSequence: Double? }
            if let loose = try? decoder.decode(Loose.self, from: data), let sequence = loose.alertSequence {
                throw CheckpointError("corrupted checkpoint: alertSequence \(sequence) is not a whole number from 0 to 2^63 - 1")
            }
            throw CheckpointError("corrupted checkpoint: \(error)")
        }
        guard header.format == "spikewatch-checkpoint" else { throw otherFormat(header.format) }
        var checkpoint = try decodeVersion(header.version, data, decoder)
        let sequence = header.alertSequence ?? header.detector?.nextSequence ?? 0
        // A seq that cannot go on increasing (at a million transitions a second, 2^62 is
        // 146,000 years away) or below zero was not written by a daemon: corrupted.
        guard sequence >= 0 && sequence < Self.mostAlertSequence else {
            throw CheckpointError("corrupted checkpoint: alertSequence \(sequence) is not a whole number from 0 to 2^62 - 1")
        }
        checkpoint.alertSequence = sequence
        for (id, model) in checkpoint.detector.cells {
            guard ExactKey(model.cell) == id else { throw CheckpointError("corrupted checkpoint: cell \"\(id)\" holds the model of \"\(model.cell)\"") }
            if let problem = model.inconsistency { throw CheckpointError("corrupted checkpoint: cell \"\(id)\": \(problem)") }
        }
        return checkpoint
    }

    private static func decodeVersion(_ version: Int?, _ data: Data, _ decoder: JSONDecoder) throws(CheckpointError) -> Checkpoint {
        do {
            switch version {
            case 1, 2:
                throw CheckpointError(
                    "checkpoint format version \(version ?? 0) was written by an earlier detector whose learned state this build cannot use; it is left in place and replaced by the next checkpoint while the cells learn afresh")
            case formatVersion:
                let file = try decoder.decode(Streamed.self, from: data)
                var tracker = file.tracker
                var detector = file.detector
                var records: [ExactKey: SequenceTracker.CellRecord] = [:]
                for entry in file.cells {
                    if let record = entry.sequence { records[ExactKey(entry.cell)] = record }
                    if let model = entry.model { detector.cells[ExactKey(entry.cell)] = model }
                }
                tracker.restore(records)
                return Checkpoint(tracker: tracker, detector: detector)
            default:
                throw CheckpointError(
                    "checkpoint format version \(version.map(String.init) ?? "missing"); this build reads version \(formatVersion)")
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError("corrupted checkpoint: \(error)")
        }
    }

    /// The header's tracker and detector without their cells, then a line per cell.
    struct Streamed: Decodable {
        var tracker: SequenceTracker
        var detector: SpikingDetector
        var cells: [CellEntry]
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // equal states, equal files
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}

/// A checkpoint that cannot be used.
public struct CheckpointError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Checkpoint {
    /// One checkpoint from the shards of a daemon's workers (each holds distinct cells).
    public static func merging(_ parts: [Checkpoint], alertSequence: Int64) -> Checkpoint {
        var tracker = parts.first?.tracker ?? SequenceTracker()
        var records: [ExactKey: SequenceTracker.CellRecord] = [:]
        var detector = parts.first?.detector ?? SpikingDetector()
        detector.cells = [:]
        for part in parts {
            records.merge(part.tracker.cells) { a, _ in a }
            detector.cells.merge(part.detector.cells) { a, _ in a }
        }
        tracker.restore(records)
        return Checkpoint(tracker: tracker, detector: detector, alertSequence: alertSequence)
    }

    /// Splits a checkpoint into `count` shards; `shard` names the shard of a cell.
    public func partitioned(into count: Int, shard: (String) -> Int) -> [Checkpoint] {
        (0..<count).map { index in
            var tracker = self.tracker
            tracker.restore(self.tracker.cells.filter { shard($0.key.id) == index })
            var detector = self.detector
            detector.cells = self.detector.cells.filter { shard($0.key.id) == index }
            return Checkpoint(tracker: tracker, detector: detector, alertSequence: alertSequence)
        }
    }
}

extension SpikingDetector {
    /// Replaces the settings and the class readout, keeping every cell's learned state.
    public mutating func reconfigure(settings: DetectorSettings, classifier: FaultClassifier?) {
        self.settings = settings
        self.classifier = classifier
    }
}
