import ArgumentParser
import Detection
import Evaluation
import Foundation
import Scenarios
import Telemetry

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score the spiking detector and three baselines on labelled telemetry.",
        discussion: """
            Replays labelled fixtures (or a generated scenario) through each detector and \
            reports event-level precision, recall and F1 per fault kind and overall, the \
            median detection delay, and false alarms per cell-day. Every detector's \
            sensitivity is chosen by the same search on separate tuning data (a generated \
            scenario, seed 1000, unless --tune names files): the candidate with the best \
            F1 there is used. Scoring rules: docs/evaluation.md.
            """)

    @Argument(help: "Labelled fixtures (JSON Lines). Without any, a scenario is generated (--seed).")
    var files: [String] = []

    @Option(help: "Seed of the generated test scenario when no files are given.")
    var seed: UInt64 = 7
    @Option(help: "Cells of the generated scenarios.")
    var cells = 16
    @Option(help: "Days of the generated scenarios.")
    var days = 4.0
    @Option(help: "Tuning fixtures; default: a generated scenario with seed 1000.")
    var tune: [String] = []
    @Option(help: "Seconds after a fault's end in which an alert still counts as detecting it.")
    var grace = 900.0
    @Option(help: "Hours at the start of each cell not scored (the learning period).")
    var learningHours = 24.0
    @Option(help: "A fault-class model from `spikewatch train`.")
    var model: String?
    @Option(help: "Only these detectors (comma-separated: spiking, static_threshold, rolling_zscore, ewma).")
    var detectors: String?
    @Flag(help: "Print the report as JSON.")
    var json = false
    @Flag(help: "List the faults each detector missed.")
    var showMissed = false
    @Option(help: "Print the learned features of this cell at the end (diagnostics).")
    var inspectCell: String?
    @Option(help: "With --inspect-cell: print its per-sample surprise from this epoch time for 40 samples.")
    var inspectFrom: Double?

    func run() throws {
        let data = try files.isEmpty
            ? generated(seed: seed) : loadLabelled(files)
        let tuning = try tune.isEmpty ? generated(seed: 1000, cells: 8, days: 3) : loadLabelled(tune)
        let learning = learningHours * 3600
        let classifier = try model.map { try FaultClassifier(json: Data(try readInput($0))) }
        let wanted = Set((detectors ?? "spiking,static_threshold,rolling_zscore,ewma").split(separator: ",").map(String.init))
        var reports: [(EvaluationReport, Double, ReplayOutcome)] = []
        if wanted.contains("spiking") {
            let tuned = tuneThreshold(candidates: [2.5, 3, 3.5, 4, 4.5, 5, 6], on: tuning, grace: grace, learning: learning) {
                var settings = DetectorSettings()
                settings.deadZone = $0
                return SpikingDetector(settings: settings)
            }
            var settings = DetectorSettings()
            settings.deadZone = tuned.threshold
            let result = data.evaluate(SpikingDetector(settings: settings, classifier: classifier), grace: grace, learning: learning)
            reports.append((result.report, tuned.threshold, result.outcome))
            if let inspectCell {
                var detector = SpikingDetector(settings: settings, classifier: classifier)
                detector.probeCell = inspectCell
                var pipeline = Pipeline(detector: detector)
                _ = replay(data.records, names: data.names, pipeline: &pipeline, keepScores: false)
                for line in pipeline.detector.featureSummary(of: inspectCell) { print(line) }
                if let inspectFrom {
                    for record in pipeline.detector.probeLog.filter({ $0.time >= inspectFrom }).prefix(40) {
                        let active = record.features.filter { abs($0.fast) > 2 || abs($0.slow) > 3 || $0.spikesOn + $0.spikesOff > 0 }
                        print(String(format: "%.0f %@ E=%.2f%@ score=%.2f %@ ", record.time, record.label ?? "-", record.evidencePotential,
                                     record.evidenceFired ? "!" : "", record.score, record.alertActive ? "ALERT" : "")
                              + active.map { String(format: "%@ x=%.4g z=%.1f/%.1f s=%d/%d V=%.2f/%.2f", $0.name, $0.value, $0.fast, $0.slow, $0.spikesOn, $0.spikesOff, $0.potentialOn, $0.potentialOff) }.joined(separator: " | ")
                              + " " + record.events.joined(separator: ","))
                    }
                }
            }
        }
        for method in BaselineDetector.Method.allCases where wanted.contains(method.rawValue) {
            // The static threshold learns over the same learning period the scoring skips.
            func baseline(_ threshold: Double) -> BaselineDetector {
                var detector = BaselineDetector(method: method, threshold: threshold)
                detector.learningSeconds = learning
                return detector
            }
            let tuned = tuneThreshold(candidates: [2, 2.5, 3, 3.5, 4, 5, 6, 8, 10], on: tuning, grace: grace, learning: learning) {
                baseline($0)
            }
            let result = data.evaluate(baseline(tuned.threshold), grace: grace, learning: learning)
            reports.append((result.report, tuned.threshold, result.outcome))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let payload = reports.map {
                EvaluationJSON(
                    report: $0.0, threshold: $0.1, synapticEventsPerSample: Double($0.2.synapticEvents) / Double(max($0.2.samples, 1)),
                    denseOperationsPerSample: Double($0.2.denseOperations) / Double(max($0.2.samples, 1)))
            }
            print(String(decoding: try encoder.encode(payload), as: UTF8.self))
            return
        }
        print("data: \(files.isEmpty ? "generated scenario seed \(seed), \(cells) cells x \(days) days" : files.joined(separator: " ")); \(data.windows.count) faults; tuning: \(tune.isEmpty ? "generated seed 1000" : tune.joined(separator: " "))")
        print("detector           threshold  precision  recall     F1  false-alarms/cell-day  median-delay(samples)  class-acc  synops/sample  dense-MACs/sample")
        for (report, threshold, outcome) in reports {
            let delays = report.perKind.values.compactMap(\.medianDelaySamples).sorted()
            let median = delays.isEmpty ? "-" : String(format: "%.1f", delays[delays.count / 2])
            print(String(format: "%-18@ %9.1f  %9.3f  %6.3f  %5.3f  %21.2f  %21@  %9@  %13.2f  %17@",
                         report.detector as NSString, threshold, report.precision, report.recall, report.f1,
                         report.falseAlarmsPerCellDay, median as NSString,
                         (classifier == nil || report.detector != "spiking" ? "-" : String(format: "%.3f", report.classAccuracy)) as NSString,
                         Double(outcome.synapticEvents) / Double(max(outcome.samples, 1)),
                         (outcome.denseOperations == 0 ? "-" : String(format: "%.1f", Double(outcome.denseOperations) / Double(max(outcome.samples, 1)))) as NSString))
        }
        print("\nper fault kind (recall, median delay in samples):")
        let kinds = Array(Set(reports.flatMap { $0.0.perKind.keys })).sorted()
        print("kind                  faults  " + reports.map { ($0.0.detector as NSString).padding(toLength: 18, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for kind in kinds {
            let faults = reports.first?.0.perKind[kind]?.faults ?? 0
            var line = (kind as NSString).padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%6d  ", faults)
            for (report, _, _) in reports {
                let stats = report.perKind[kind]
                let cell = String(format: "%.2f / %@", stats?.recall ?? 0, stats?.medianDelaySamples.map { String(format: "%.0f", $0) } ?? "-")
                line += (cell as NSString).padding(toLength: 18, withPad: " ", startingAt: 0) + " "
            }
            print(line)
        }
        if showMissed {
            for (report, _, _) in reports {
                print("\nmissed by \(report.detector): \(report.missed.count)")
                for miss in report.missed { print("  \(miss)") }
            }
        }
    }

    func generated(seed: UInt64, cells: Int? = nil, days: Double? = nil) throws -> LabelledData {
        var settings = ScenarioSettings()
        settings.seed = seed
        settings.cells = cells ?? self.cells
        settings.days = days ?? self.days
        settings.learningHours = learningHours
        return LabelledData(scenario: settings)
    }
}

struct EvaluationJSON: Encodable {
    var report: EvaluationReport
    var threshold: Double
    var synapticEventsPerSample: Double
    var denseOperationsPerSample: Double

    enum CodingKeys: String, CodingKey {
        case report, threshold, synapticEventsPerSample = "synaptic_events_per_sample"
        case denseOperationsPerSample = "dense_macs_per_sample"
    }
}

/// Reads labelled JSON Lines fixtures into one stream.
func loadLabelled(_ files: [String]) throws -> LabelledData {
    var reader = FixtureReader()
    var records: [RecordedSample] = []
    for file in files {
        let bytes = try readInput(file)
        reader.read(bytes, name: file) { records.append($0) }
    }
    return LabelledData(records: records, names: reader.decoder.metricNames)
}
