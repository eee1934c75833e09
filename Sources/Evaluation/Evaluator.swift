public import Detection
public import Scenarios
public import Telemetry

/// The result of replaying samples through one detector.
public struct ReplayOutcome: Sendable {
    /// Per input record, in order: the score, or nil for a rejected sample.
    public var scores: [Double?] = []
    /// Every alert transition, in order.
    public var transitions: [Alert] = []
    /// Rejections by reason.
    public var rejected: [RejectionReason: Int] = [:]
    /// The first few rejected records, where they came from (`file:line`) and why.
    public var firstRejections: [(source: String, rejection: Rejection)] = []
    /// How many rejections ``firstRejections`` keeps.
    public static let rejectionsKept = 5
    public var samples = 0
    public var synapticEvents = 0
    public var denseOperations = 0
    public var surpriseSpikes = 0

    public init() {}

    /// Counts a rejection, and keeps it with its source while fewer than
    /// ``rejectionsKept`` are kept.
    mutating func reject(_ rejection: Rejection, source: String) {
        rejected[rejection.reason, default: 0] += 1
        if firstRejections.count < Self.rejectionsKept { firstRejections.append((source, rejection)) }
    }

    /// Raised alerts with the kind each carried last, for scoring.
    public var raisedAlerts: [RaisedAlert] {
        var latestKind: [String: String] = [:]
        for transition in transitions { latestKind[transition.id] = transition.kind }
        return transitions.filter { $0.state == .raised }.map {
            RaisedAlert(cell: $0.cell, time: $0.timestamp, kind: latestKind[$0.id] ?? $0.kind, id: $0.id)
        }
    }
}

extension ReplayOutcome {
    /// Runs one record through `pipeline` and counts what the detector said (not its
    /// score, which it returns: nil for a rejected record).
    public mutating func feed<Detector: AnomalyDetector>(
        _ record: RecordedSample, names: MetricNames, pipeline: inout Pipeline<Detector>
    ) -> Double? {
        switch record.result {
        case .failure(let rejection):
            reject(rejection, source: record.source)
            return nil
        case .success(let sample):
            switch pipeline.process(sample, names: names) {
            case .failure(let rejection):
                reject(rejection, source: record.source)
                return nil
            case .success(let output):
                samples += 1
                synapticEvents += output.synapticEvents
                denseOperations += output.denseOperations
                surpriseSpikes += output.surpriseSpikes
                transitions += output.transitions
                return output.score
            }
        }
    }
}

/// Runs records through a pipeline and collects what the detector said.
public func replay<Detector: AnomalyDetector>(
    _ records: [RecordedSample], names: MetricNames, pipeline: inout Pipeline<Detector>,
    keepScores: Bool = true, progress: ((Int) -> Void)? = nil
) -> ReplayOutcome {
    var outcome = ReplayOutcome()
    if keepScores { outcome.scores.reserveCapacity(records.count) }
    for (index, record) in records.enumerated() {
        if let progress, index % 4096 == 0 { progress(index) }
        let score = outcome.feed(record, names: names, pipeline: &pipeline)
        if keepScores { outcome.scores.append(score) }
    }
    return outcome
}

/// Labelled data ready for scoring: records, names and the fault windows in them.
public struct LabelledData: Sendable {
    public var records: [RecordedSample]
    public var names: MetricNames
    public var windows: [FaultWindow]
    public var spans: [ExactKey: (first: Double, last: Double)]
    public var period: Double

    public init(records: [RecordedSample], names: MetricNames) {
        self.records = records
        self.names = names
        var builder = FaultWindowBuilder()
        // Windows, spans and the period come from the samples the detectors are given: a
        // sample the contract refuses (a repeat, a time gone back) is in no one's data.
        var tracker = SequenceTracker(maximumCells: 1_000_000, idleEviction: .infinity)
        for record in records {
            if case .success(let sample) = record.result,
                (try? tracker.admit(cell: sample.cell, sequence: sample.sequence, timestamp: sample.timestamp)) != nil
            {
                builder.add(cell: sample.cell, time: sample.timestamp, label: sample.label)
            }
        }
        windows = builder.windows
        spans = builder.spans
        period = builder.period
    }

    /// A generated scenario, samples in time order with their labels.
    public init(scenario settings: ScenarioSettings) {
        var generator = ScenarioGenerator(settings: settings)
        var records: [RecordedSample] = []
        while let sample = generator.next() {
            records.append(RecordedSample(source: "synth", timestampText: "", cellText: sample.cell, result: .success(sample)))
        }
        self.init(records: records, names: generator.names)
    }

    /// Scores one detector on this data.
    public func evaluate<Detector: AnomalyDetector>(
        _ detector: Detector, grace: Double, learning: Double
    ) -> (report: EvaluationReport, outcome: ReplayOutcome) {
        var pipeline = Pipeline(detector: detector, tracker: SequenceTracker(maximumCells: 1_000_000, idleEviction: .infinity))
        let outcome = replay(records, names: names, pipeline: &pipeline, keepScores: false)
        let report = scoreEvents(
            detector: detector.name, windows: windows, alerts: outcome.raisedAlerts, spans: spans, period: period,
            grace: grace, learning: learning)
        return (report, outcome)
    }
}

/// The documented threshold search: each candidate is scored on the tuning data and the
/// one with the best event F1 kept (ties: the stricter). Applied alike to every detector.
public func tuneThreshold<Detector: AnomalyDetector>(
    candidates: [Double], on data: LabelledData, grace: Double, learning: Double, make: (Double) -> Detector
) -> (threshold: Double, f1: Double) {
    var best = (threshold: candidates[0], f1: -1.0)
    for candidate in candidates {
        let f1 = data.evaluate(make(candidate), grace: grace, learning: learning).report.f1
        if f1 > best.f1 || (f1 == best.f1 && candidate > best.threshold) { best = (candidate, f1) }
    }
    return best
}
