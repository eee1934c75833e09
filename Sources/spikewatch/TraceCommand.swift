import ArgumentParser
import Detection
import Evaluation
import Foundation
import Plot
import SpikeCore
import Telemetry

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Draw a neuron's membrane potential V(t), its threshold and its spikes as SVG.",
        discussion: """
            The picture that explains a spiking network: input spikes as a raster on top; \
            below, V(t) decaying towards its resting level between inputs, jumping at each \
            input, and firing (a vertical impulse) when it reaches the threshold.
            """,
        subcommands: [TraceNetwork.self, TraceIris.self, TraceReplay.self])
}

struct TraceNetwork: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Trace one neuron of a network description.",
        discussion: """
            Give --tau-ms several times to draw the same input through different decay \
            constants, one panel each: the leak decides what a neuron remembers. A panel \
            holds at most 100,000 spikes and voltage samples; a network that makes more \
            is refused.
            """)

    @Argument(help: "The network description (JSON), or - for standard input.")
    var network: String

    @Option(help: "The neuron to trace (default: the first).")
    var neuron: String?

    @Option(name: .customLong("tau-ms"), help: "Override the neuron's tau_ms (more than 0, at most 1e9); repeat to compare panels.")
    var taus: [Double] = []

    @Option(help: "Where to write the SVG.")
    var out: String

    /// Spikes and voltage samples per panel (keeps the SVG to a few MB).
    static let maximumRecords = 100_000

    func validate() throws {
        for tau in taus { try OptionBounds.check("--tau-ms", tau, from: 0, lowerOpen: true, to: NetworkDescription.maximumTauMs) }
        try refuseOverwrite(outputs: [("--out", out)], inputs: [network])
    }

    func run() throws {
        let bytes = try readInput(network)
        let description: NetworkDescription
        do { description = try NetworkDescription(json: bytes) } catch { throw CommandFailure("\(network): \(error)") }
        guard !description.neurons.isEmpty else { throw CommandFailure("\(network): the network has no neurons") }
        let id = neuron ?? description.neurons[0].id
        guard let position = description.neurons.firstIndex(where: { $0.id == id }) else {
            throw ValidationError("--neuron: no neuron with id \"\(id)\" in \(network)")
        }
        var panels: [TraceFigure.Panel] = []
        var raster: [TraceFigure.RasterRow] = []
        for tau in taus.isEmpty ? [description.neurons[position].tauMs] : taus {
            var variant = description
            variant.neurons[position].tauMs = tau
            let compiled: NetworkDescription.Compiled
            do { compiled = try variant.compile() } catch { throw CommandFailure("\(network): \(error)") }
            let run = compiled.simulate(recordingVoltageOf: position, maximumRecords: Self.maximumRecords)
            if let stoppedAt = run.stoppedAt {
                throw CommandFailure(
                    "\(network): more than \(Self.maximumRecords) spikes and voltage samples by \(formatMilliseconds(stoppedAt)) ms of \(formatMilliseconds(compiled.duration)) ms (tau_ms \(formatTick(tau))); trace draws at most that many: shorten duration_ms")
            }
            let parameters = compiled.network.parameters[position]
            let curve = membraneCurve(parameters: parameters, samples: run.voltages, until: compiled.duration)
            panels.append(
                TraceFigure.Panel(
                    title: "neuron \(id), tau = \(formatTick(tau)) ms",
                    points: curve.map { ($0.time.milliseconds, $0.v) }, vRest: parameters.vRest,
                    vThresh: parameters.vThresh,
                    spikes: run.spikes.filter { $0.neuron == Int32(position) }.map(\.time.milliseconds)))
            if raster.isEmpty {
                raster = presynapticRaster(variant, compiled: compiled, run: run, neuron: id)
            }
        }
        let figure = TraceFigure(
            title: "Membrane potential of \(id)", timeLabel: "time (ms)", start: 0, end: description.durationMs,
            raster: raster, panels: panels)
        try writeFile(out, figure.svg())
        print("wrote \(out)")
    }

    /// The spike trains of every source with a synapse onto `neuron`.
    func presynapticRaster(
        _ description: NetworkDescription, compiled: NetworkDescription.Compiled, run: NetworkDescription.Compiled.Run,
        neuron: String
    ) -> [TraceFigure.RasterRow] {
        var rows: [TraceFigure.RasterRow] = []
        var seen = Set<String>()
        for synapse in description.synapses where synapse.to == neuron && seen.insert(synapse.from).inserted {
            let sign = synapse.weight < 0 ? " (inhibitory)" : ""
            if let input = description.inputs.first(where: { $0.id == synapse.from }) {
                rows.append(.init(label: input.id + sign, times: input.spikesMs.sorted()))
            } else if let index = compiled.neuronIndex[synapse.from] {
                rows.append(.init(
                    label: synapse.from + sign,
                    times: run.spikes.filter { $0.neuron == Int32(index) }.map(\.time.milliseconds)))
            }
        }
        return rows
    }
}

struct TraceIris: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iris",
        abstract: "Train the Iris classifier, then trace the class neurons for one sample.")

    @Option(help: "The sample (row, 0-based) of the Iris data to present.")
    var sample = 0

    @Option(help: "Seed of the split, training and spike trains.")
    var seed: UInt64 = 1

    @Option(help: "Where to write the SVG.")
    var out: String

    func validate() throws {
        try refuseOverwrite(outputs: [("--out", out)], inputs: [])
    }

    func run() throws {
        let iris = try IrisData.load(path: nil)
        guard iris.features.indices.contains(sample) else {
            throw ValidationError("--sample must be 0..<\(iris.features.count), got \(sample)")
        }
        let (classifier, _, rng) = trainIris(iris, seed: seed)
        var generator = rng
        let spikes = classifier.inputSpikes(iris.features[sample], using: &generator)
        let network = classifier.network()
        var panels: [TraceFigure.Panel] = []
        var predicted = 0
        for output in 0..<classifier.classCount {
            let (response, simulator) = classifier.respond(to: spikes, network: network, recording: output)
            predicted = response.predicted
            let parameters = classifier.settings.neuron
            let curve = membraneCurve(parameters: parameters, samples: simulator.voltages, until: classifier.settings.window)
            let name = iris.classNames[output]
            panels.append(.init(
                title: "class neuron \"\(name)\"\(output == iris.labels[sample] ? " (true class)" : "")",
                points: curve.map { ($0.time.milliseconds, $0.v) }, vRest: parameters.vRest, vThresh: parameters.vThresh,
                spikes: simulator.spikes.filter { $0.neuron == Int32(output) }.map(\.time.milliseconds)))
        }
        let fields = classifier.settings.fieldsPerFeature
        let featureNames = ["sepal length", "sepal width", "petal length", "petal width"]
        let raster = spikes.enumerated().compactMap { index, times -> TraceFigure.RasterRow? in
            guard !times.isEmpty else { return nil }
            let label = index == spikes.count - 1
                ? "bias" : "\(featureNames[safe: index / fields] ?? "feature \(index / fields)") field \(index % fields)"
            return .init(label: label, times: times.map(\.milliseconds))
        }
        let figure = TraceFigure(
            title: "Iris sample \(sample) (\(iris.classNames[iris.labels[sample]])): predicted \(iris.classNames[predicted])",
            timeLabel: "time (ms)", start: 0, end: classifier.settings.window.milliseconds, raster: raster, panels: panels)
        try writeFile(out, figure.svg())
        print("wrote \(out): predicted \(iris.classNames[predicted]), true \(iris.classNames[iris.labels[sample]])")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

struct TraceReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a fixture and trace one cell's evidence neuron (and a feature neuron) over time.",
        discussion: """
            Draws the cell's evidence neuron V(t) with its threshold and spikes (an alert is \
            raised on its first spike), one feature's ON and OFF neurons, and a raster of \
            which feature neurons fired; the labelled fault windows are shaded and named by \
            fault kind, and each alert is drawn from its raise to its clear, named by the \
            kind the fault-class model gave it.
            """)

    @Argument(help: "Fixture files (JSON Lines, or CSV with --cell).")
    var files: [String]

    @Option(help: "The cell to trace (default: the first cell in the data).")
    var cell: String?

    @Option(help: "The feature whose neurons to draw (default: the one that spiked most).")
    var feature: String?

    @Option(help: "Start of the window (epoch seconds or ISO-8601; default: the first sample).")
    var from: String?

    @Option(help: "End of the window (default: the last sample).")
    var to: String?

    @Option(help: timezoneHelp)
    var timezone = "UTC"
    @Option(help: "Fault-class model naming the alerts' kinds (default: the one built into the binary).")
    var model: String?

    @Option(help: "Where to write the SVG.")
    var out: String

    func validate() throws {
        try refuseOverwrite(outputs: [("--out", out)], inputs: files + [model].compactMap { $0 })
    }

    func run() throws {
        let (records, names) = try loadRecords(files, cell: cell)
        let classifier: FaultClassifier
        do {
            classifier = try FaultClassifier(json: try model.map { Data(try readInput($0)) } ?? Data(embeddedFaultModel.utf8))
        } catch { throw CommandFailure("\(model ?? "the built-in model"): \(error)") }
        let samples = records.compactMap { if case .success(let sample) = $0.result { sample } else { nil } }
        guard let first = samples.first else { throw CommandFailure("no samples in \(files.joined(separator: " "))") }
        let target = cell ?? first.cell
        let exactTarget = ExactKey(target)  // the cell byte for byte, as the detector keys it
        var zoned = DetectorSettings()
        zoned.localTime = try localTime(timezone)
        var detector = SpikingDetector(settings: zoned, classifier: classifier)
        detector.probeCell = target
        var pipeline = Pipeline(detector: detector)
        let result = replay(records, names: names, pipeline: &pipeline, keepScores: false)
        let log = pipeline.detector.probeLog
        guard !log.isEmpty else {
            throw CommandFailure("no samples of cell \"\(AlertPrinter.visible(target))\" (cells: \(Set(samples.map(\.cell)).sorted().prefix(10).map(AlertPrinter.visible).joined(separator: ", ")))")
        }
        let start = try from.map { try parseTime($0, "--from") } ?? log.first!.time
        let end = try to.map { try parseTime($0, "--to") } ?? log.last!.time
        let window = log.filter { $0.time >= start && $0.time <= end }
        guard window.count >= 2 else { throw CommandFailure("fewer than two samples of \(AlertPrinter.visible(target)) between --from and --to") }
        let hours = { (t: Double) in (t - start) / 3600 }
        let settings = pipeline.detector.settings
        let period = zip(window, window.dropFirst()).map { $1.time - $0.time }.sorted()[window.count / 2]
        let evidenceTau = period * settings.evidenceTauPeriods
        let featureTau = period * settings.featureTauPeriods

        /// SpikeCore's membrane curve through the recorded updates (exact decay towards 0
        /// between them), in hours from the window's start.
        func curve(_ values: [(time: Double, peak: Double, fired: Bool)], tau: Double, reset: Double) -> [(time: Double, v: Double)] {
            guard let origin = values.first?.time else { return [] }
            let micros = { (t: Double) in Microseconds(((t - origin) * 1_000_000).rounded()) }
            let samples = values.map { VoltageSample(time: micros($0.time), neuron: 0, v: $0.fired ? reset : $0.peak, peak: $0.peak) }
            let parameters = LIFParameters(tau: tau * 1_000_000, vRest: 0, vReset: reset, vThresh: .infinity)
            return membraneCurve(parameters: parameters, samples: samples, until: samples[samples.count - 1].time)
                .map { (hours(origin + Double($0.time) / 1_000_000), $0.v) }
        }

        let faults = LabelledData(records: records, names: names).windows.filter { ExactKey($0.cell) == exactTarget }
            .map { TraceFigure.Window(start: hours($0.start), end: hours($0.end), label: $0.kind) }
        // Each alert of the cell from its raise to its clear, named by its last kind.
        var alerts: [TraceFigure.AlertSpan] = []
        var open: [ExactKey: Int] = [:]
        for transition in result.transitions where ExactKey(transition.cell) == exactTarget {
            switch transition.state {
            case .raised:
                open[ExactKey(transition.id)] = alerts.count
                alerts.append(.init(raised: hours(transition.timestamp), cleared: nil, label: transition.kind))
            case .updated:
                if let index = open[ExactKey(transition.id)] { alerts[index].label = transition.kind }
            case .cleared:
                if let index = open.removeValue(forKey: ExactKey(transition.id)) { alerts[index].cleared = hours(transition.timestamp) }
            }
        }
        let evidence = TraceFigure.Panel(
            title: "\(target): evidence neuron (an alert is raised on its first spike)",
            points: curve(window.map { ($0.time, $0.evidencePotential, $0.evidenceFired) }, tau: evidenceTau, reset: 0),
            vRest: 0, vThresh: settings.evidenceThreshold,
            spikes: window.filter(\.evidenceFired).map { hours($0.time) }, windows: faults)

        var counts: [String: Int] = [:]
        for record in window { for reading in record.features where reading.firedOn || reading.firedOff { counts[reading.name, default: 0] += 1 } }
        let chosen = feature ?? counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        var panels = [evidence]
        if let chosen {
            let readings = window.compactMap { record in record.features.first { $0.name == chosen }.map { (record.time, $0) } }
            guard !readings.isEmpty else { throw CommandFailure("cell \(AlertPrinter.visible(target)) has no feature \"\(chosen)\"") }
            for (direction, isOn) in [("ON (above expectation)", true), ("OFF (below expectation)", false)] {
                panels.append(TraceFigure.Panel(
                    title: "feature neuron \(chosen) \(direction)",
                    points: curve(readings.map { ($0.0, isOn ? $0.1.potentialOn : $0.1.potentialOff, isOn ? $0.1.firedOn : $0.1.firedOff) },
                                  tau: featureTau, reset: 0),
                    vRest: 0, vThresh: 1,
                    spikes: readings.filter { isOn ? $0.1.firedOn : $0.1.firedOff }.map { hours($0.0) }, windows: faults))
            }
        }
        let raster = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(16).map { name, _ in
            TraceFigure.RasterRow(label: name, times: window.filter { record in
                record.features.contains { $0.name == name && ($0.firedOn || $0.firedOff) }
            }.map { hours($0.time) })
        }
        var figure = TraceFigure(
            title: "\(target): feature-neuron spikes, the evidence neuron, faults and alerts",
            timeLabel: "time (hours since \(isoTime(start)))", voltageLabel: "V", start: 0, end: hours(end),
            raster: Array(raster), panels: panels)
        figure.formatTime = { formatTick($0) }
        figure.rasterLabel = "feature neurons"
        figure.labelledWindows = faults
        figure.alerts = alerts
        try writeFile(out, figure.svg())
        print("wrote \(out): \(window.count) samples of \(AlertPrinter.visible(target)), \(window.filter(\.evidenceFired).count) evidence spikes, \(faults.count) labelled faults, \(alerts.count) alerts")
    }

    func parseTime(_ text: String, _ flag: String) throws -> Double {
        guard let value = parseTimestamp(text) else { throw ValidationError("\(flag): \"\(text)\" is not epoch seconds or ISO-8601") }
        return value
    }
}
