import ArgumentParser
import Foundation
import Plot
import SpikeCore

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Draw a neuron's membrane potential V(t), its threshold and its spikes as SVG.",
        discussion: """
            The picture that explains a spiking network: input spikes as a raster on top; \
            below, V(t) decaying towards its resting level between inputs, jumping at each \
            input, and firing (a vertical impulse) when it reaches the threshold.
            """,
        subcommands: [TraceNetwork.self, TraceIris.self])
}

struct TraceNetwork: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Trace one neuron of a network description.",
        discussion: """
            Give --tau-ms several times to draw the same input through different decay \
            constants, one panel each: the leak decides what a neuron remembers.
            """)

    @Argument(help: "The network description (JSON), or - for standard input.")
    var network: String

    @Option(help: "The neuron to trace (default: the first).")
    var neuron: String?

    @Option(name: .customLong("tau-ms"), help: "Override the neuron's tau_ms; repeat to compare panels.")
    var taus: [Double] = []

    @Option(help: "Where to write the SVG.")
    var out: String

    func run() throws {
        let bytes = try readInput(network)
        let description: NetworkDescription
        do { description = try NetworkDescription(json: bytes) } catch { throw CommandFailure("\(network): \(error)") }
        guard !description.neurons.isEmpty else { throw CommandFailure("\(network): the network has no neurons") }
        let id = neuron ?? description.neurons[0].id
        guard let position = description.neurons.firstIndex(where: { $0.id == id }) else {
            throw ValidationError("--neuron: no neuron with id \"\(id)\" in \(network)")
        }
        for tau in taus where !(tau > 0 && tau.isFinite) {
            throw ValidationError("--tau-ms must be > 0, got \(tau)")
        }
        var panels: [TraceFigure.Panel] = []
        var raster: [TraceFigure.RasterRow] = []
        for tau in taus.isEmpty ? [description.neurons[position].tauMs] : taus {
            var variant = description
            variant.neurons[position].tauMs = tau
            let compiled: NetworkDescription.Compiled
            do { compiled = try variant.compile() } catch { throw CommandFailure("\(network): \(error)") }
            let run = compiled.simulate(recordingVoltageOf: position)
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
