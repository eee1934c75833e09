import ArgumentParser
import Detection
import Evaluation
import Foundation
import Scenarios
import Telemetry

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit the fault-class readout from labelled telemetry and write a model file.",
        discussion: """
            Replays labelled fixtures (or generated scenarios) through the detector; during \
            each labelled fault that raised an alert, the spike counts of the cell's feature \
            neurons (which features surprised, in which direction, gaps and resets) are \
            sampled with the fault's kind. One readout LIF neuron per kind is trained on \
            them with a rate-based delta rule. Give the model to `run`, `replay` or \
            `evaluate` with --model; without one, alerts are of kind `anomaly`.
            """)

    @Argument(help: "Labelled fixtures (JSON Lines, or CSV with a `label` column), each replayed through its own fresh detector. Without any, scenarios are generated (--seeds).")
    var files: [String] = []

    @Option(help: "Seeds of generated training scenarios (comma-separated).")
    var seeds = "101,102,103"
    @Option(help: "Cells of each generated scenario (1 to 100000).")
    var cells = 16
    @Option(help: "Days of each generated scenario (more than 0, at most 366).")
    var days = 4.0
    @Option(help: "Training epochs (1 to 10000).")
    var epochs = 60
    @Option(help: "Where to write the model (JSON).")
    var out: String
    @Option(help: timezoneHelp)
    var timezone = "UTC"
    @Option(name: .customLong("set"), help: ArgumentHelp("Set a knob of the detector the examples are collected with (repeatable, as for replay); train with the settings the model will run with.", valueName: "KEY=VALUE"))
    var assignments: [String] = []

    func validate() throws {
        try OptionBounds.check("--cells", cells, in: 1...OptionBounds.cells)
        try OptionBounds.check("--days", days, from: 0, lowerOpen: true, to: OptionBounds.days)
        try OptionBounds.check("--epochs", epochs, in: 1...OptionBounds.epochs)
        try refuseOverwrite(outputs: [("--out", out)], inputs: files)
    }

    func run() throws {
        var datasets: [LabelledData] = []
        if files.isEmpty {
            for seed in try seeds.split(separator: ",").map({ (text: Substring) -> UInt64 in
                guard let value = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--seeds: \"\(text)\" is not a seed")
                }
                return value
            }) {
                var settings = ScenarioSettings()
                settings.seed = seed
                settings.cells = cells
                settings.days = days
                datasets.append(LabelledData(scenario: settings))
            }
        } else {
            // Each file is its own recording, replayed through a fresh detector: files of
            // different scenarios may carry the same cells and times.
            for file in files { datasets.append(try loadLabelled([file])) }
        }
        var settings: DetectorSettings
        do {
            settings = try SettingsOverride.apply(assignments, to: DetectorSettings())
        } catch let failure as SettingsOverride.Failure {
            throw ValidationError(failure.description)
        }
        settings.localTime = try localTime(timezone)
        // A label becomes a kind alerts carry: it must be a name (no spaces, no control
        // characters), or the model it goes into could not be read back.
        for data in datasets {
            for window in data.windows where !FaultClassifier.isKindName(window.kind) {
                throw CommandFailure(
                    "label \"\(AlertPrinter.visible(window.kind))\" (cell \(AlertPrinter.visible(window.cell))) is not a fault kind name: "
                        + "1 to 64 letters, digits, '_', '-' or '.'")
            }
        }
        var examples: [(counts: [String: Int], kind: String)] = []
        for data in datasets { examples += collectClassExamples(data, settings: settings) }
        guard !examples.isEmpty else {
            throw CommandFailure("no labelled fault raised an alert in the training data; nothing to learn from")
        }
        let model = FaultClassifier.train(examples: examples, epochs: epochs)
        let correct = examples.filter { model.classify($0.counts) == $0.kind }.count
        try writeFile(out, model.json())
        let kinds = Dictionary(grouping: examples, by: \.kind).mapValues(\.count).sorted { $0.key < $1.key }
        print("trained on \(examples.count) snapshots (\(kinds.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
        print(String(format: "training accuracy %.3f; %d inputs x %d kinds; wrote %@", Double(correct) / Double(examples.count),
                     model.keys.count, model.kinds.count, out))
    }
}
