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
            F1 there is used. Generated scenarios have realism on by default (--realism); \
            alerts count from each cell's first sample (--learning-hours 0). --seeds scores \
            several generated scenarios with per-seed and mean figures. Scoring rules: \
            docs/evaluation.md.
            """)

    @Argument(help: "Labelled fixtures: JSON Lines, or CSV (by extension; a `label` column labels rows). Without any, a scenario is generated (--seed).")
    var files: [String] = []

    @Option(help: "Seed of the generated test scenario when no files are given.")
    var seed: UInt64 = 7
    @Option(help: "Several generated test scenarios at once: a range (21-25) or a list (21,23); per-seed and mean figures.")
    var seeds: String?
    @Option(help: "Cells of the generated scenarios (1 to 100000).")
    var cells = 16
    @Option(help: "Days of the generated scenarios (more than 0, at most 366).")
    var days = 4.0
    @Option(help: "Generated scenarios: on, each cell's realism phenomena drawn from the seed (docs/telemetry.md); off, the plain generator. Tuning data too.")
    var realism: RealismOptions.Switch = .on
    @Option(help: "Generated scenarios: hours at the start of each cell without injected faults (0 to 8784).")
    var faultFreeHours = 24.0
    @Option(help: "Tuning fixtures; default: a generated scenario with seed 1000.")
    var tune: [String] = []
    @Option(help: "Seconds after a fault's end in which an alert still counts as detecting it (0 to 86400).")
    var grace = 900.0
    @Option(help: "Hours at the start of each cell whose alerts are not scored (0: every alert counts, warm-up included; at most 8784).")
    var learningHours = 0.0
    @Option(help: "A fault-class model from `spikewatch train`.")
    var model: String?
    @Option(help: "Only these detectors (comma-separated: spiking, static_threshold, rolling_zscore, ewma).")
    var detectors: String?
    @Option(help: timezoneHelp)
    var timezone = "UTC"
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Set a knob of the spiking detector (repeatable, as for replay). The search still chooses deadZone unless it is set here.",
        valueName: "KEY=VALUE"))
    var assignments: [String] = []
    @Flag(help: "Print the report as JSON.")
    var json = false
    @Flag(help: "List the faults each detector missed.")
    var showMissed = false
    @Option(help: "Print the learned features of this cell at the end (diagnostics).")
    var inspectCell: String?
    @Option(help: "With --inspect-cell: print its per-sample surprise from this epoch time for 40 samples.")
    var inspectFrom: Double?
    @Option(help: "With --inspect-from: print only this feature (a metric, or a ratio such as A/B) at each of those samples it was judged in (not warming up, present), whether or not it surprised.")
    var inspectFeature: String?

    /// One detector's result on one data set: its report, chosen sensitivity and replay.
    typealias Result = (report: EvaluationReport, threshold: Double, outcome: ReplayOutcome)

    func validate() throws {
        if seeds != nil && !files.isEmpty { throw ValidationError("--seeds generates the data; give no files with it") }
        _ = try seedList()
        try OptionBounds.check("--cells", cells, in: 1...OptionBounds.cells)
        try OptionBounds.check("--days", days, from: 0, lowerOpen: true, to: OptionBounds.days)
        try OptionBounds.check("--fault-free-hours", faultFreeHours, from: 0, to: OptionBounds.hours)
        try OptionBounds.check("--grace", grace, from: 0, to: 86_400)
        try OptionBounds.check("--learning-hours", learningHours, from: 0, to: OptionBounds.hours)
        try OptionBounds.check("--inspect-from", inspectFrom, from: -1e12, to: 1e12)
        if inspectFeature != nil && (inspectFrom == nil || inspectCell == nil) {
            throw ValidationError("--inspect-feature needs --inspect-cell and --inspect-from")
        }
        for name in wanted where !DetectorChoice.allValueStrings.contains(name) {
            throw ValidationError("--detectors: unknown detector \"\(name)\" (known: \(DetectorChoice.allValueStrings.joined(separator: ", ")))")
        }
    }

    var wanted: [String] {
        (detectors ?? "spiking,static_threshold,rolling_zscore,ewma").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The seeds of `--seeds`, or nil without it.
    func seedList() throws -> [UInt64]? {
        guard let seeds else { return nil }
        var list: [UInt64] = []
        for part in seeds.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1 where bounds[0] != nil: list.append(bounds[0]!)
            case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]! && bounds[1]! - bounds[0]! < 1000:
                list += Array(bounds[0]!...bounds[1]!)
            default: throw ValidationError("--seeds: expected a range like 21-25 or a list like 21,23, got \"\(seeds)\"")
            }
        }
        guard !list.isEmpty else { throw ValidationError("--seeds: no seed given") }
        return list
    }

    func run() throws {
        let tuning = try tune.isEmpty ? generated(seed: 1000, cells: 8, days: 3) : loadLabelled(tune)
        let learning = learningHours * 3600
        let classifier = try model.map { try FaultClassifier(json: Data(try readInput($0))) }
        var base: DetectorSettings
        do {
            base = try SettingsOverride.apply(assignments, to: DetectorSettings())
        } catch let failure as SettingsOverride.Failure {
            throw ValidationError("spiking detector: \(failure.description)")
        }
        base.localTime = try localTime(timezone)
        let deadZoneSet = assignments.contains {
            $0.split(separator: "=").first.map { $0.lowercased().replacingOccurrences(of: "_", with: "") == "deadzone" } ?? false
        }

        // The search, once: every detector's sensitivity on the tuning data.
        var thresholds: [String: Double] = [:]
        if wanted.contains("spiking") {
            thresholds["spiking"] = deadZoneSet ? base.deadZone
                : tuneThreshold(candidates: [2.5, 3, 3.5, 4, 4.5, 5, 6], on: tuning, grace: grace, learning: learning) {
                    var settings = base
                    settings.deadZone = $0
                    return SpikingDetector(settings: settings)
                }.threshold
        }
        // The static threshold learns over the learning period the scoring skips, or
        // over its first 24 hours (its default) when every alert counts.
        func baseline(_ method: BaselineDetector.Method, _ threshold: Double) -> BaselineDetector {
            var detector = BaselineDetector(method: method, threshold: threshold)
            if learning > 0 { detector.learningSeconds = learning }
            return detector
        }
        for method in BaselineDetector.Method.allCases where wanted.contains(method.rawValue) {
            thresholds[method.rawValue] = tuneThreshold(
                candidates: [2, 2.5, 3, 3.5, 4, 5, 6, 8, 10], on: tuning, grace: grace, learning: learning
            ) { baseline(method, $0) }.threshold
        }

        func score(_ data: LabelledData) -> [Result] {
            var results: [Result] = []
            if let threshold = thresholds["spiking"] {
                var settings = base
                settings.deadZone = threshold
                let result = data.evaluate(SpikingDetector(settings: settings, classifier: classifier), grace: grace, learning: learning)
                results.append((result.report, threshold, result.outcome))
            }
            for method in BaselineDetector.Method.allCases {
                guard let threshold = thresholds[method.rawValue] else { continue }
                let result = data.evaluate(baseline(method, threshold), grace: grace, learning: learning)
                results.append((result.report, threshold, result.outcome))
            }
            return results
        }

        if let list = try seedList() {
            var perSeed: [(seed: UInt64, results: [Result])] = []
            for seed in list {
                let data = generated(seed: seed)
                perSeed.append((seed, score(data)))
                if !json { FileHandle.standardError.write(Data("seed \(seed): \(data.windows.count) faults scored\n".utf8)) }
            }
            try printSeeds(perSeed, classifier: classifier != nil)
            return
        }

        let data = try files.isEmpty ? generated(seed: seed) : loadLabelled(files)
        let reports = score(data)
        if let inspectCell, let threshold = thresholds["spiking"] {
            var settings = base
            settings.deadZone = threshold
            inspect(cell: inspectCell, data: data, settings: settings, classifier: classifier)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(reports.map(EvaluationJSON.init)), as: UTF8.self))
            return
        }
        print("data: \(files.isEmpty ? "generated scenario seed \(seed), \(cells) cells x \(days) days, \(dataDescription)" : files.joined(separator: " ")); \(data.windows.count) faults; tuning: \(tune.isEmpty ? "generated seed 1000" : tune.joined(separator: " ")); alerts scored from hour \(learningHours.formatted())")
        print("detector           threshold  precision  recall     F1  false-alarms/cell-day  median-delay(samples)  class-acc  synops/sample  dense-MACs/sample")
        for (report, threshold, outcome) in reports {
            let delays = report.perKind.values.compactMap(\.medianDelaySamples).sorted()
            let median = delays.isEmpty ? "-" : String(format: "%.1f", delays[delays.count / 2])
            let name = report.detector + String(repeating: " ", count: max(0, 18 - report.detector.count))
            print(name + String(format: " %9.1f  %9.3f  %6.3f  %5.3f  %21.2f  ", threshold, report.precision, report.recall, report.f1,
                                report.falseAlarmsPerCellDay)
                  + pad(median, 21) + "  " + pad(classifier == nil || report.detector != "spiking" ? "-" : String(format: "%.3f", report.classAccuracy), 9)
                  + String(format: "  %13.2f  ", Double(outcome.synapticEvents) / Double(max(outcome.samples, 1)))
                  + pad(outcome.denseOperations == 0 ? "-" : String(format: "%.1f", Double(outcome.denseOperations) / Double(max(outcome.samples, 1))), 17))
        }
        printPerKind(reports.map(\.report))
        if classifier != nil { printConfusion(reports.map(\.report)) }
        if showMissed {
            for (report, _, _) in reports {
                print("\nmissed by \(report.detector): \(report.missed.count)")
                for miss in report.missed { print("  \(miss)") }
            }
        }
    }

    var dataDescription: String {
        realism == .on ? "realism on" : "realism off"
    }

    /// Per fault kind: recall, precision and F1 (of the alerts that named the kind; `-`
    /// when none did: a detector that names no kinds) and median delay of each report
    /// (reports of one data set), or pooled over several (counts summed; no delay).
    func printPerKind(_ reports: [EvaluationReport], pooled: Bool = false) {
        print("\nper fault kind (R recall; P precision of the alerts that named the kind, F its F1 with the recall by such alerts\(pooled ? "; over all seeds" : "; median delay in samples")):")
        let kinds = Array(Set(reports.flatMap { $0.perKind.keys })).sorted()
        var detectors: [String] = []
        for report in reports where !detectors.contains(report.detector) { detectors.append(report.detector) }
        let width = 25
        print("kind                  faults  " + detectors.map { ($0 as NSString).padding(toLength: width, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for kind in kinds {
            let faults = reports.filter { $0.detector == detectors[0] }.map { $0.perKind[kind]?.faults ?? 0 }.reduce(0, +)
            var line = (AlertPrinter.visible(kind) as NSString).padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%6d  ", faults)
            for detector in detectors {
                let mine = reports.filter { $0.detector == detector }.compactMap { $0.perKind[kind] }
                // The reports' counts summed: the figures are the pooled stats' own.
                var pooledStats = EvaluationReport.KindStats()
                for stats in mine {
                    pooledStats.faults += stats.faults
                    pooledStats.detected += stats.detected
                    pooledStats.correctlyClassified += stats.correctlyClassified
                    pooledStats.alertsNamed += stats.alertsNamed
                    pooledStats.alertsNamedInFault += stats.alertsNamedInFault
                }
                var cell = "R " + String(format: "%.2f", pooledStats.recall)
                if let precision = pooledStats.precision, let f1 = pooledStats.f1 {
                    cell += String(format: " P %.2f F %.2f", precision, f1)
                } else {
                    cell += " P -    F -   "
                }
                if !pooled { cell += " / " + (mine.first?.medianDelaySamples.map { String(format: "%.0f", $0) } ?? "-") }
                line += cell + String(repeating: " ", count: max(0, width - cell.count)) + " "
            }
            print(line)
        }
    }

    /// The per-seed lines and each detector's mean over the seeds.
    func printSeeds(_ perSeed: [(seed: UInt64, results: [Result])], classifier: Bool) throws {
        let detectorNames = perSeed.first?.results.map(\.report.detector) ?? []
        func mean(_ detector: String, _ value: (EvaluationReport) -> Double) -> Double {
            let values = perSeed.compactMap { $0.results.first { $0.report.detector == detector } }.map { value($0.report) }
            return values.reduce(0, +) / Double(max(values.count, 1))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let payload = SeedsJSON(
                seeds: perSeed.map { SeedsJSON.Seed(seed: $0.seed, detectors: $0.results.map(EvaluationJSON.init)) },
                mean: detectorNames.map { name in
                    SeedsJSON.Mean(
                        detector: name, precision: mean(name, \.precision), recall: mean(name, \.recall), f1: mean(name, \.f1),
                        falseAlarmsPerCellDay: mean(name, \.falseAlarmsPerCellDay), classAccuracy: mean(name, \.classAccuracy))
                })
            print(String(decoding: try encoder.encode(payload), as: UTF8.self))
            return
        }
        print("data: generated scenarios, seeds \(perSeed.map { String($0.seed) }.joined(separator: ",")), \(cells) cells x \(days) days each, \(dataDescription); tuning: \(tune.isEmpty ? "generated seed 1000" : tune.joined(separator: " ")); alerts scored from hour \(learningHours.formatted())")
        print("seed   detector           threshold  faults  precision  recall     F1  false-alarms/cell-day  class-acc")
        func line(_ seed: String, _ detector: String, _ threshold: String, _ faults: String, _ p: Double, _ r: Double, _ f1: Double, _ fa: Double, _ acc: Double) {
            func pad(_ text: String, _ width: Int, left: Bool = true) -> String {
                let fill = String(repeating: " ", count: max(0, width - text.count))
                return left ? text + fill : fill + text
            }
            print(pad(seed, 6) + " " + pad(detector, 18) + " " + pad(threshold, 9, left: false) + "  " + pad(faults, 6, left: false)
                  + String(format: "  %9.3f  %6.3f  %5.3f  %21.2f  ", p, r, f1, fa)
                  + pad(classifier && detector == "spiking" ? String(format: "%.3f", acc) : "-", 9, left: false))
        }
        for (seed, results) in perSeed {
            for (report, threshold, _) in results {
                line(String(seed), report.detector, String(format: "%.1f", threshold), String(report.faults), report.precision,
                     report.recall, report.f1, report.falseAlarmsPerCellDay, report.classAccuracy)
            }
        }
        for name in detectorNames {
            line("mean", name, "", "", mean(name, \.precision), mean(name, \.recall), mean(name, \.f1),
                 mean(name, \.falseAlarmsPerCellDay), mean(name, \.classAccuracy))
        }
        printPerKind(perSeed.flatMap { $0.results.map(\.report) }, pooled: true)
        if classifier { printConfusion(perSeed.flatMap { $0.results.map(\.report) }) }
    }

    /// The spiking detector's fault-class confusion matrix: for each labelled kind (rows)
    /// the detected faults by the kind their alert named (columns), summed over reports.
    func printConfusion(_ reports: [EvaluationReport]) {
        let spiking = reports.filter { $0.detector == "spiking" }
        var rows: [String: [String: Int]] = [:]
        for report in spiking {
            for (kind, stats) in report.perKind {
                for (named, count) in stats.namedAs { rows[kind, default: [:]][named, default: 0] += count }
            }
        }
        guard !rows.isEmpty else { return }
        let columns = Array(Set(rows.values.flatMap(\.keys))).sorted()
        func abbreviation(_ kind: String) -> String { String(kind.split(separator: "_").map { $0.prefix(4) }.joined(separator: "_").prefix(9)) }
        print("\nspiking fault kinds named (rows: labelled kind, columns: the alert's kind):")
        print(("" as NSString).padding(toLength: 22, withPad: " ", startingAt: 0)
              + columns.map { (abbreviation($0) as NSString).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
        for kind in rows.keys.sorted() {
            print((AlertPrinter.visible(kind) as NSString).padding(toLength: 22, withPad: " ", startingAt: 0)
                  + columns.map { (String(rows[kind]![$0] ?? 0) as NSString).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
        }
    }

    func inspect(cell inspectCell: String, data: LabelledData, settings: DetectorSettings, classifier: FaultClassifier?) {
        var detector = SpikingDetector(settings: settings, classifier: classifier)
        detector.probeCell = inspectCell
        var pipeline = Pipeline(detector: detector)
        _ = replay(data.records, names: data.names, pipeline: &pipeline, keepScores: false)
        for line in pipeline.detector.featureSummary(of: inspectCell) { print(line) }
        if let inspectFrom {
            for record in pipeline.detector.probeLog.filter({ $0.time >= inspectFrom }).prefix(40) {
                let active = record.features.filter { reading in
                    if let inspectFeature { return reading.name == inspectFeature }
                    return abs(reading.fast) > 2 || abs(reading.slow) > 3 || abs(reading.profile) > 3 || abs(reading.envelope) > 1
                        || abs(reading.drift) > 4 || reading.spikesOn + reading.spikesOff > 0
                }
                print(String(format: "%.0f %@ E=%.2f%@ score=%.2f %@ ", record.time, record.label ?? "-", record.evidencePotential,
                             record.evidenceFired ? "!" : "", record.score, record.alertActive ? "ALERT" : "")
                      + active.map { String(format: "%@ x=%.4g z=%.1f/%.1f/p%.1f/e%.1f/d%.1f s=%d/%d V=%.2f/%.2f", $0.name, $0.value, $0.fast, $0.slow, $0.profile, $0.envelope, $0.drift, $0.spikesOn, $0.spikesOff, $0.potentialOn, $0.potentialOff) }.joined(separator: " | ")
                      + " " + record.events.joined(separator: ","))
            }
        }
    }

    func generated(seed: UInt64, cells: Int? = nil, days: Double? = nil) -> LabelledData {
        var settings = ScenarioSettings()
        settings.seed = seed
        settings.cells = cells ?? self.cells
        settings.days = days ?? self.days
        settings.learningHours = faultFreeHours
        if realism == .on { settings.realism = .random }
        return LabelledData(scenario: settings)
    }
}

/// `text` right-aligned in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

struct SeedsJSON: Encodable {
    struct Seed: Encodable {
        var seed: UInt64
        var detectors: [EvaluationJSON]
    }

    struct Mean: Encodable {
        var detector: String
        var precision, recall, f1, falseAlarmsPerCellDay, classAccuracy: Double

        enum CodingKeys: String, CodingKey {
            case detector, precision, recall, f1, falseAlarmsPerCellDay = "false_alarms_per_cell_day", classAccuracy = "class_accuracy"
        }
    }

    var seeds: [Seed]
    var mean: [Mean]
}

struct EvaluationJSON: Encodable {
    var report: EvaluationReport
    var threshold: Double
    var synapticEventsPerSample: Double
    var denseOperationsPerSample: Double

    init(_ result: EvaluateCommand.Result) {
        report = result.report
        threshold = result.threshold
        synapticEventsPerSample = Double(result.outcome.synapticEvents) / Double(max(result.outcome.samples, 1))
        denseOperationsPerSample = Double(result.outcome.denseOperations) / Double(max(result.outcome.samples, 1))
    }

    enum CodingKeys: String, CodingKey {
        case report, threshold, synapticEventsPerSample = "synaptic_events_per_sample"
        case denseOperationsPerSample = "dense_macs_per_sample"
    }
}

/// Reads labelled fixtures (JSON Lines, or CSV by extension with a `label` column) into
/// one stream, naming the first malformed lines.
func loadLabelled(_ files: [String]) throws -> LabelledData {
    let (records, names) = try loadRecords(files, cell: nil)
    var rejected = 0
    var report = ""
    for record in records {
        guard case .failure(let rejection) = record.result else { continue }
        rejected += 1
        if rejected <= ReplayOutcome.rejectionsKept {
            report += "\(AlertPrinter.visible(record.source)): \(rejection.reason.rawValue): \(AlertPrinter.visible(String(rejection.detail.prefix(300))))\n"
        }
    }
    if rejected > 0 {
        // Named by file and line: a malformed line is skipped, and said so.
        if rejected > ReplayOutcome.rejectionsKept { report += "... and \(rejected - ReplayOutcome.rejectionsKept) more malformed lines\n" }
        FileHandle.standardError.write(Data((report + "\(rejected) of \(records.count) lines skipped as malformed\n").utf8))
    }
    return LabelledData(records: records, names: names)
}
