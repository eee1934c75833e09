import Foundation
public import Telemetry

/// What a detector says about one sample.
public struct DetectorOutput: Sendable {
    /// Anomaly score in 0...1.
    public var score: Double
    /// Alert transitions this sample caused (raised, updated, cleared).
    public var transitions: [Alert]
    /// Synaptic operations this sample cost (spike deliveries).
    public var synapticEvents: Int
    /// Multiply-accumulates a dense network of the same shape would do for this sample.
    public var denseOperations: Int
    /// Surprise spikes the encoders sent.
    public var surpriseSpikes: Int

    public init(score: Double, transitions: [Alert], synapticEvents: Int = 0, denseOperations: Int = 0, surpriseSpikes: Int = 0) {
        self.score = score
        self.transitions = transitions
        self.synapticEvents = synapticEvents
        self.denseOperations = denseOperations
        self.surpriseSpikes = surpriseSpikes
    }
}

/// The Detection facade: a sample in, a score and alert transitions out. The daemon,
/// replay and evaluation all drive detectors through it, so they agree exactly.
public protocol AnomalyDetector: Sendable {
    /// A short name for reports.
    var name: String { get }
    /// Processes one accepted sample (sequence checks already passed).
    mutating func process(_ sample: TelemetrySample, names: MetricNames) -> DetectorOutput
    /// Drops a cell's learned state (idle eviction).
    mutating func forget(cell: String)
    /// Drops a cell's learned state and returns the `cleared` of its open alert, if any,
    /// stamped `time` (nil: the cell's last sample). For a cell evicted, or whose clock
    /// went back (what it learned is stale).
    mutating func restart(cell: String, at time: Double?) -> [Alert]
}

extension AnomalyDetector {
    public mutating func restart(cell: String, at time: Double?) -> [Alert] {
        forget(cell: cell)
        return []
    }
}

/// The spiking anomaly model: per cell, features -> expectations -> surprise spikes ->
/// feature neurons -> an evidence neuron -> alerts; an optional fault-class readout.
public struct SpikingDetector: AnomalyDetector, Codable {
    enum CodingKeys: String, CodingKey {
        case settings, classifier, cells
    }

    public var name: String { "spiking" }
    public var settings: DetectorSettings
    /// The trained fault-class readout; without one every alert's kind is `anomaly`.
    public var classifier: FaultClassifier?
    /// The cells' models, by id byte for byte (``ExactKey``).
    var cells: [ExactKey: CellModel] = [:]
    /// Record every sample of this cell in ``probeLog`` (traces, diagnostics).
    public var probeCell: String?
    public var probeLog: [ProbeRecord] = []

    public init(settings: DetectorSettings = DetectorSettings(), classifier: FaultClassifier? = nil) {
        self.settings = settings
        self.classifier = classifier
    }

    /// Cells are written as an object keyed by id, as before ``ExactKey``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        settings = try container.decode(DetectorSettings.self, forKey: .settings)
        classifier = try container.decodeIfPresent(FaultClassifier.self, forKey: .classifier)
        let models = try container.decodeIfPresent([String: CellModel].self, forKey: .cells) ?? [:]
        cells = Dictionary(stringKeyed: models)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(settings, forKey: .settings)
        try container.encodeIfPresent(classifier, forKey: .classifier)
        try container.encode(cells.stringKeyed, forKey: .cells)
    }

    /// Cells with learned state.
    public var cellCount: Int { cells.count }

    /// Cells with an active alert, and their current alert (a routine one, never
    /// published, is not listed).
    public var activeAlerts: [(cell: String, startedAt: Double, severity: Alert.Severity, kind: String)] {
        cells.values.compactMap { model in
            model.alert.flatMap { $0.routine == true ? nil : (model.cell, $0.startedAt, $0.severity, $0.kind) }
        }.sorted { $0.cell < $1.cell }
    }

    public mutating func process(_ sample: TelemetrySample, names: MetricNames) -> DetectorOutput {
        // One hash lookup, the model mutated in place.
        let settings = self.settings
        let classifier = self.classifier
        let step: CellStep
        if let probeCell, sample.cell.utf8.elementsEqual(probeCell.utf8) {
            step = withUnsafeMutablePointer(to: &probeLog) { probe in
                cells[ExactKey(sample.cell), default: CellModel(cell: sample.cell, settings: settings)].process(
                    sample, names: names, settings: settings, classifier: classifier, probe: probe)
            }
        } else {
            step = cells[ExactKey(sample.cell), default: CellModel(cell: sample.cell, settings: settings)].process(
                sample, names: names, settings: settings, classifier: classifier)
        }
        return DetectorOutput(
            score: step.score, transitions: step.transitions, synapticEvents: step.synapticEvents,
            denseOperations: step.denseOperations, surpriseSpikes: step.surpriseSpikes)
    }

    /// A cell's model, for tests and diagnostics.
    func cellModel(_ cell: String) -> CellModel? { cells[ExactKey(cell)] }

    public mutating func forget(cell: String) {
        cells[ExactKey(cell)] = nil
    }

    public mutating func restart(cell: String, at time: Double?) -> [Alert] {
        defer { cells[ExactKey(cell)] = nil }
        guard let model = cells[ExactKey(cell)], let alert = model.alert, alert.routine != true else { return [] }
        return [Alert(
            cell: cell, state: .cleared, severity: alert.severity, kind: alert.kind, score: 0,
            timestamp: time ?? model.lastTime ?? alert.startedAt, startedAt: alert.startedAt, sequence: 0, evidence: [])]
    }

    /// The current episode's spike counts of a cell as the class readout sees them
    /// (frozen once the episode is `classWindowSamples` old).
    public func spikeCounts(of cell: String) -> [String: Int] {
        cells[ExactKey(cell)]?.classificationCounts() ?? [:]
    }

    /// The features a cell has learned, with their current expectation (for docs and traces).
    public func features(of cell: String) -> [String] {
        cells[ExactKey(cell)]?.features.map(\.name) ?? []
    }

    /// A one-line view of each feature of a cell: name, source, level, scale (diagnostics).
    public func featureSummary(of cell: String) -> [String] {
        guard let model = cells[ExactKey(cell)] else { return [] }
        return model.features.map { feature in
            "\(feature.name) \(feature.source) samples=\(feature.samples) level=\(feature.inverse(feature.level)) mae=\(feature.meanAbsoluteError) scale=\(feature.scale) last=\(feature.lastValue) range=\(feature.normalRange(deadZone: settings.deadZone)) profile-days=\(feature.profile.days.map(String.init).joined(separator: ",")) profile-deviation-samples=\(feature.profile.deviationSamples)"
        } + model.tracks.map { "track \($0.name) \($0.behaviour)" }
    }
}

/// Sequence checks then a detector: the one path every sample takes.
public struct Pipeline<Detector: AnomalyDetector>: Sendable {
    public var tracker: SequenceTracker
    public var detector: Detector
    /// Messages missing by `seq` gaps, summed.
    public private(set) var gaps: Int64 = 0
    /// Publisher restarts seen (`seq` dropped).
    public private(set) var restarts = 0
    /// Cells restarted because their clock went back for good.
    public private(set) var clockResets = 0

    public init(detector: Detector, tracker: SequenceTracker = SequenceTracker()) {
        self.detector = detector
        self.tracker = tracker
    }

    /// Checks and processes a decoded sample.
    public mutating func process(_ sample: TelemetrySample, names: MetricNames) -> Result<DetectorOutput, Rejection> {
        do {
            let (admission, evicted) = try tracker.admit(cell: sample.cell, sequence: sample.sequence, timestamp: sample.timestamp)
            // Evicted for idleness (replay: the daemon sweeps on its own): an open alert
            // gets its `cleared`, at the cell's last sample.
            var closed: [Alert] = []
            for cell in evicted { closed += detector.restart(cell: cell, at: nil) }
            gaps = gaps.addingReportingOverflow(admission.gap).overflow ? .max : gaps + admission.gap
            if admission.publisherRestarted { restarts += 1 }
            if admission.clockReset {
                // The cell's clock went back for good: it starts afresh, its open alert cleared.
                clockResets += 1
                closed += detector.restart(cell: sample.cell, at: sample.timestamp)
            }
            var output = detector.process(sample, names: names)
            guard !closed.isEmpty else { return .success(output) }
            output.transitions.insert(contentsOf: closed, at: 0)
            return .success(output)
        } catch {
            return .failure(error)
        }
    }
}
