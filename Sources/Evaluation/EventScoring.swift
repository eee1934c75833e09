public import Telemetry

/// One labelled fault: a run of samples of one cell carrying the same label.
public struct FaultWindow: Sendable, Equatable {
    public init(cell: String, kind: String, start: Double, end: Double) {
        self.cell = cell
        self.kind = kind
        self.start = start
        self.end = end
    }

    public var cell: String
    public var kind: String
    /// Telemetry time of the first and last labelled sample.
    public var start: Double
    public var end: Double
}

/// An alert as the scorer sees it: when a cell's alert was raised, and the kind it
/// carried last.
public struct RaisedAlert: Sendable, Equatable {
    public var cell: String
    public var time: Double
    public var kind: String
    public var id: String

    public init(cell: String, time: Double, kind: String, id: String) {
        self.cell = cell
        self.time = time
        self.kind = kind
        self.id = id
    }
}

/// Collects fault windows from labelled samples: consecutive samples of a cell with the
/// same label form one window; an outage shorter than `maximumGap` seconds (a software
/// restart's) does not split it.
public struct FaultWindowBuilder: Sendable {
    public private(set) var windows: [FaultWindow] = []
    private var open: [ExactKey: Int] = [:]
    public let maximumGap: Double
    /// Per cell (byte for byte, as the detector keys cells): first and last sample time,
    /// for cell-days.
    public private(set) var spans: [ExactKey: (first: Double, last: Double)] = [:]
    /// The median reporting period seen.
    private var periods: [Double] = []

    public init(maximumGap: Double = 1800) {
        self.maximumGap = maximumGap
    }

    public mutating func add(cell id: String, time: Double, label: String?) {
        let cell = ExactKey(id)
        if let span = spans[cell] {
            if periods.count < 2000 && time > span.last { periods.append(time - span.last) }
            spans[cell] = (span.first, max(span.last, time))
        } else {
            spans[cell] = (time, time)
        }
        guard let label else {
            open[cell] = nil
            return
        }
        if let index = open[cell], windows[index].kind == label, time - windows[index].end <= maximumGap {
            windows[index].end = time
        } else {
            windows.append(FaultWindow(cell: id, kind: label, start: time, end: time))
            open[cell] = windows.count - 1
        }
    }

    /// The typical seconds between a cell's samples.
    public var period: Double {
        guard !periods.isEmpty else { return 60 }
        return periods.sorted()[periods.count / 2]
    }
}

/// Event-level scores for one detector.
public struct EvaluationReport: Sendable, Codable {
    public struct KindStats: Sendable, Codable {
        public var faults = 0
        public var detected = 0
        public var recall: Double { faults == 0 ? 0 : Double(detected) / Double(faults) }
        /// Median delay of the detected faults, seconds and samples.
        public var medianDelaySeconds: Double?
        public var medianDelaySamples: Double?
        /// Detected faults whose alert named this kind.
        public var correctlyClassified = 0
        /// Detected faults by the kind their alert named (the confusion matrix's row).
        public var namedAs: [String: Int] = [:]
        /// Counted alerts that named this kind, and those of them raised inside a fault of
        /// this kind (plus the grace): what this kind's precision is made of.
        public var alertsNamed = 0
        public var alertsNamedInFault = 0
        /// Of the alerts that named this kind, the share raised inside a fault of this
        /// kind; nil when no alert named it (a detector that names no kinds: baselines,
        /// or the spiking detector without a fault-class model).
        public var precision: Double? { alertsNamed == 0 ? nil : Double(alertsNamedInFault) / Double(alertsNamed) }
        /// Share of this kind's faults detected by an alert that named this kind (the
        /// recall that goes with ``precision``).
        public var namedRecall: Double { faults == 0 ? 0 : Double(correctlyClassified) / Double(faults) }
        /// F1 of this kind's precision and its named recall (both about alerts that named
        /// the kind); nil with the precision.
        public var f1: Double? {
            guard let precision else { return nil }
            return precision + namedRecall == 0 ? 0 : 2 * precision * namedRecall / (precision + namedRecall)
        }

        enum CodingKeys: String, CodingKey {
            case faults, detected, medianDelaySeconds, medianDelaySamples, correctlyClassified, namedAs, alertsNamed
            case alertsNamedInFault, precision, recall, namedRecall, f1
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            faults = try c.decode(Int.self, forKey: .faults)
            detected = try c.decode(Int.self, forKey: .detected)
            medianDelaySeconds = try c.decodeIfPresent(Double.self, forKey: .medianDelaySeconds)
            medianDelaySamples = try c.decodeIfPresent(Double.self, forKey: .medianDelaySamples)
            correctlyClassified = try c.decodeIfPresent(Int.self, forKey: .correctlyClassified) ?? 0
            namedAs = try c.decodeIfPresent([String: Int].self, forKey: .namedAs) ?? [:]
            alertsNamed = try c.decodeIfPresent(Int.self, forKey: .alertsNamed) ?? 0
            alertsNamedInFault = try c.decodeIfPresent(Int.self, forKey: .alertsNamedInFault) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(faults, forKey: .faults)
            try c.encode(detected, forKey: .detected)
            try c.encodeIfPresent(medianDelaySeconds, forKey: .medianDelaySeconds)
            try c.encodeIfPresent(medianDelaySamples, forKey: .medianDelaySamples)
            try c.encode(correctlyClassified, forKey: .correctlyClassified)
            try c.encode(namedAs, forKey: .namedAs)
            try c.encode(alertsNamed, forKey: .alertsNamed)
            try c.encode(alertsNamedInFault, forKey: .alertsNamedInFault)
            try c.encode(recall, forKey: .recall)
            try c.encode(namedRecall, forKey: .namedRecall)
            try c.encodeIfPresent(precision, forKey: .precision)
            try c.encodeIfPresent(f1, forKey: .f1)
        }
    }

    public var detector: String
    public var faults = 0
    public var detected = 0
    public var alerts = 0
    public var truePositiveAlerts = 0
    public var falseAlarms = 0
    public var cellDays = 0.0
    public var perKind: [String: KindStats] = [:]
    /// Faults that ended before the data did, undetected, by kind (for reading misses).
    public var missed: [String] = []

    public var precision: Double { alerts == 0 ? 0 : Double(truePositiveAlerts) / Double(alerts) }
    public var recall: Double { faults == 0 ? 0 : Double(detected) / Double(faults) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    public var falseAlarmsPerCellDay: Double { cellDays == 0 ? 0 : Double(falseAlarms) / cellDays }
    /// Share of detected faults whose alert named the right kind (meaningful with a model).
    public var classAccuracy: Double {
        detected == 0 ? 0 : Double(perKind.values.map(\.correctlyClassified).reduce(0, +)) / Double(detected)
    }

    enum CodingKeys: String, CodingKey {
        case detector, faults, detected, alerts, truePositiveAlerts = "true_positive_alerts"
        case falseAlarms = "false_alarms", cellDays = "cell_days", perKind = "per_kind", precision, recall, f1
        case falseAlarmsPerCellDay = "false_alarms_per_cell_day", classAccuracy = "class_accuracy"
    }

    public init(detector: String) {
        self.detector = detector
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        detector = try c.decode(String.self, forKey: .detector)
        faults = try c.decode(Int.self, forKey: .faults)
        detected = try c.decode(Int.self, forKey: .detected)
        alerts = try c.decode(Int.self, forKey: .alerts)
        truePositiveAlerts = try c.decode(Int.self, forKey: .truePositiveAlerts)
        falseAlarms = try c.decode(Int.self, forKey: .falseAlarms)
        cellDays = try c.decode(Double.self, forKey: .cellDays)
        perKind = try c.decode([String: KindStats].self, forKey: .perKind)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(detector, forKey: .detector)
        try c.encode(faults, forKey: .faults)
        try c.encode(detected, forKey: .detected)
        try c.encode(alerts, forKey: .alerts)
        try c.encode(truePositiveAlerts, forKey: .truePositiveAlerts)
        try c.encode(falseAlarms, forKey: .falseAlarms)
        try c.encode(cellDays, forKey: .cellDays)
        try c.encode(perKind, forKey: .perKind)
        try c.encode(precision, forKey: .precision)
        try c.encode(recall, forKey: .recall)
        try c.encode(f1, forKey: .f1)
        try c.encode(falseAlarmsPerCellDay, forKey: .falseAlarmsPerCellDay)
        try c.encode(classAccuracy, forKey: .classAccuracy)
    }
}

/// The scoring rules (docs/evaluation.md):
/// - Per fault kind: recall over its faults (by any alert); precision over the counted
///   alerts that named the kind (inside a fault of that kind, plus grace, or not); F1 of
///   that precision and the recall by alerts that named the kind.
/// - A fault is detected when an alert for its cell is raised between its first labelled
///   sample and `grace` seconds after its last; the delay is from its first sample.
/// - A raised alert is a true positive when it falls in any fault window (plus grace) of
///   its cell, a false alarm otherwise; alerts in a cell's first `learning` seconds are
///   not counted either way (no faults are injected there).
/// - False alarms per cell-day divide by the cell-days observed after the learning period.
public func scoreEvents(
    detector: String, windows: [FaultWindow], alerts: [RaisedAlert], spans: [ExactKey: (first: Double, last: Double)],
    period: Double, grace: Double, learning: Double
) -> EvaluationReport {
    var report = EvaluationReport(detector: detector)
    // Cells byte for byte, as the detector keys them: two look-alike ids are two cells.
    var alertsByCell: [ExactKey: [RaisedAlert]] = [:]
    for alert in alerts { alertsByCell[ExactKey(alert.cell), default: []].append(alert) }
    var windowsByCell: [ExactKey: [FaultWindow]] = [:]
    for window in windows { windowsByCell[ExactKey(window.cell), default: []].append(window) }
    var delays: [String: [Double]] = [:]
    for window in windows {
        report.faults += 1
        report.perKind[window.kind, default: .init()].faults += 1
        let hit = alertsByCell[ExactKey(window.cell)]?.first { $0.time >= window.start && $0.time <= window.end + grace }
        if let hit {
            report.detected += 1
            report.perKind[window.kind]!.detected += 1
            delays[window.kind, default: []].append(hit.time - window.start)
            if hit.kind == window.kind { report.perKind[window.kind]!.correctlyClassified += 1 }
            report.perKind[window.kind]!.namedAs[hit.kind, default: 0] += 1
        } else {
            report.missed.append("\(window.cell) \(window.kind) \(window.start)")
        }
    }
    for (kind, values) in delays {
        let sorted = values.sorted()
        let median = sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        report.perKind[kind]!.medianDelaySeconds = median
        report.perKind[kind]!.medianDelaySamples = median / period
    }
    for (cell, cellAlerts) in alertsByCell {
        let first = spans[cell]?.first ?? 0
        for alert in cellAlerts where alert.time >= first + learning {
            report.alerts += 1
            let inFault = windowsByCell[cell]?.contains { alert.time >= $0.start && alert.time <= $0.end + grace } ?? false
            if inFault { report.truePositiveAlerts += 1 } else { report.falseAlarms += 1 }
            // A kind's precision: the alerts that named it (a kind the data holds faults of).
            if report.perKind[alert.kind] != nil {
                report.perKind[alert.kind]!.alertsNamed += 1
                let inKind = windowsByCell[cell]?.contains {
                    $0.kind == alert.kind && alert.time >= $0.start && alert.time <= $0.end + grace
                } ?? false
                if inKind { report.perKind[alert.kind]!.alertsNamedInFault += 1 }
            }
        }
    }
    report.cellDays = spans.values.map { max(0, $0.last - $0.first - learning) / 86_400 }.reduce(0, +)
    return report
}
