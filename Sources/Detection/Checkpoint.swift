public import Foundation
public import Telemetry

/// Everything a daemon has learned, in a versioned file: the per-cell sequence records,
/// the detector's per-cell state and the alert sequence counter. Restoring it and
/// replaying the rest of a stream gives the same alerts as never having stopped.
public struct Checkpoint: Codable, Sendable {
    /// The format version this build writes and reads.
    public static let formatVersion = 1
    /// Identifies the file type.
    public var format = "spikewatch-checkpoint"
    public var version = Checkpoint.formatVersion
    /// Telemetry time of the newest sample learned from.
    public var latestTimestamp: Double
    public var tracker: SequenceTracker
    public var detector: SpikingDetector

    public init(tracker: SequenceTracker, detector: SpikingDetector) {
        self.tracker = tracker
        self.detector = detector
        latestTimestamp = tracker.latestTimestamp
    }

    /// The checkpoint as bytes (JSON; doubles round-trip exactly).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Reads a checkpoint, refusing another format or version with a clear message.
    public static func decode(_ data: Data) throws(CheckpointError) -> Checkpoint {
        struct Header: Decodable {
            var format: String?
            var version: Int?
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let header = try? decoder.decode(Header.self, from: data) else {
            throw CheckpointError("not a spikewatch checkpoint (unreadable or corrupted JSON, \(data.count) bytes)")
        }
        guard header.format == "spikewatch-checkpoint" else {
            throw CheckpointError("not a spikewatch checkpoint (format \(header.format.map { "\"\($0)\"" } ?? "missing"))")
        }
        guard header.version == formatVersion else {
            throw CheckpointError(
                "checkpoint format version \(header.version.map(String.init) ?? "missing"); this build reads version \(formatVersion)")
        }
        do {
            return try decoder.decode(Checkpoint.self, from: data)
        } catch {
            throw CheckpointError("corrupted checkpoint: \(error)")
        }
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
        var records: [String: SequenceTracker.CellRecord] = [:]
        var detector = parts.first?.detector ?? SpikingDetector()
        detector.cells = [:]
        for part in parts {
            records.merge(part.tracker.cells) { a, _ in a }
            detector.cells.merge(part.detector.cells) { a, _ in a }
        }
        tracker.restore(records)
        detector.nextSequence = alertSequence
        return Checkpoint(tracker: tracker, detector: detector)
    }

    /// Splits a checkpoint into `count` shards; `shard` names the shard of a cell.
    public func partitioned(into count: Int, shard: (String) -> Int) -> [Checkpoint] {
        (0..<count).map { index in
            var tracker = self.tracker
            tracker.restore(self.tracker.cells.filter { shard($0.key) == index })
            var detector = self.detector
            detector.cells = self.detector.cells.filter { shard($0.key) == index }
            return Checkpoint(tracker: tracker, detector: detector)
        }
    }

    /// The alert `seq` to continue from.
    public var alertSequence: Int64 { detector.nextSequence }
}

extension SpikingDetector {
    /// Replaces the settings and the class readout, keeping every cell's learned state.
    public mutating func reconfigure(settings: DetectorSettings, classifier: FaultClassifier?) {
        self.settings = settings
        self.classifier = classifier
    }
}
