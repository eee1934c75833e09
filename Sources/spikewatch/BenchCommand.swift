import ArgumentParser
import Benchmarks
import Detection
import Scenarios
import Foundation
import Logging
import SpikewatchDaemon
import Synchronization
import SpikeCore
import Systemd
import Telemetry
import ZeroMQ
import SpikeCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Release-mode benchmarks; every figure is a ratio against a baseline run in the same process.",
        discussion: "Build with `swift build -c release` first: debug builds are 10-50x slower.",
        subcommands: [EngineBench.self, DecodeBench.self, MemoryBench.self, SparsityBench.self, IngestBench.self, LatencyBench.self])
}

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Synaptic events per second of the event-driven engine in the dense and sparse regimes.")

    @Option(help: "Timed repetitions per measurement (the fastest counts; 1 to 1000).")
    var repetitions = 5

    @Option(help: "Seed of the Poisson inputs and connectivity.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp(
        "Also write each regime's network, input and output spikes and timing to <directory>/<regime>.json.",
        discussion: "benchmarks/brian2_engine.py runs Brian2 on these files and compares spike trains.",
        valueName: "directory"))
    var export: String?

    @Option(help: "Regimes to run (comma-separated): dense (100 inputs at 20 Hz -> 1,000 neurons), sparse (1,000 at 1 Hz -> 10,000).")
    var regimes = "dense,sparse"

    @Option(help: "Simulated seconds per regime.")
    var seconds = 10.0

    func validate() throws {
        try OptionBounds.check("--seconds", seconds, from: 0, lowerOpen: true, to: 3600)
        try OptionBounds.check("--repetitions", repetitions, in: 1...1000)
        for regime in regimes.split(separator: ",") where !["dense", "sparse"].contains(regime) {
            throw ValidationError("--regimes: unknown regime \"\(regime)\" (dense, sparse)")
        }
    }

    func run() throws {
        #if DEBUG
        print("warning: this is a debug build; figures are meaningless. Use `swift build -c release`.")
        #endif
        print("regime  synapses  input-spikes  syn-events  out-spikes  engine-s  events/s  baseline-events/s  ratio")
        let workloads = regimes.split(separator: ",").map {
            $0 == "dense" ? EngineWorkload.dense(seed: seed, seconds: seconds) : EngineWorkload.sparse(seed: seed, seconds: seconds)
        }
        for workload in workloads {
            let engine = fastest(of: repetitions) { workload.runEngine() }
            let baseline = fastest(of: repetitions) { workload.runBaseline() }
            let rate = Double(engine.result.events) / engine.seconds
            let baselineRate = Double(baseline.result.events) / baseline.seconds
            print(
                String(
                    format: "%-7@ %9d %13d %11d %11d %9.4f %9.3g %18.3g %6.2fx",
                    workload.name as NSString, workload.network.synapseCount, workload.inputSpikes.count,
                    engine.result.events, engine.result.spikes, engine.seconds, rate, baselineRate,
                    rate / baselineRate))
            if engine.result.spikes != baseline.result.spikes {
                print("  note: the baseline ignores same-instant summing, so its spike count differs (\(baseline.result.spikes))")
            }
            if let export {
                try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
                let path = export + "/" + workload.name + ".json"
                try workload.exportJSON(seconds: engine.seconds, events: engine.result.events)
                    .write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
    }
}

struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Nanoseconds per telemetry message: spikewatch's decoder against Foundation's JSONDecoder.")

    @Option(help: "Timed repetitions per measurement (the fastest counts; 1 to 1000).")
    var repetitions = 5

    @Option(help: "Messages per repetition (1 to 10000000).")
    var messages = 50_000

    func validate() throws {
        try OptionBounds.check("--repetitions", repetitions, in: 1...1000)
        try OptionBounds.check("--messages", messages, in: 1...10_000_000)
    }

    @Flag(help: "Time only spikewatch's decoder (for profiling).")
    var onlySpikewatch = false

    func run() throws {
        #if DEBUG
        print("warning: this is a debug build; figures are meaningless. Use `swift build -c release`.")
        #endif
        print("metrics  bytes/msg  spikewatch-ns/msg  JSONDecoder-ns/msg  speed-up")
        for metricCount in [3, 20, 100] {
            let payloads = DecodeBenchmark.payloads(count: messages, metricCount: metricCount)
            let bytes = payloads.map(\.count).reduce(0, +) / payloads.count
            let ours = fastest(of: repetitions) { DecodeBenchmark.runSpikewatch(payloads) }
            if onlySpikewatch {
                print(String(format: "%7d  %9d  %17.0f", metricCount, bytes, ours.seconds / Double(messages) * 1e9))
                continue
            }
            let theirs = fastest(of: repetitions) { DecodeBenchmark.runFoundation(payloads) }
            guard ours.result == theirs.result, ours.result == messages * metricCount else {
                throw CommandFailure("decoders disagree: \(ours.result) vs \(theirs.result) metrics")
            }
            let oursNs = ours.seconds / Double(messages) * 1e9
            let theirsNs = theirs.seconds / Double(messages) * 1e9
            print(String(format: "%7d  %9d  %17.0f  %18.0f  %7.1fx", metricCount, bytes, oursNs, theirsNs, theirsNs / oursNs))
        }
    }
}

struct MemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Resident memory and checkpoint size per cell, and work per sample, by cells and metrics.",
        discussion: "Each configuration runs in a fresh process (the command re-runs itself), so RSS figures do not mix.")

    @Option(help: "Cell counts to measure (comma-separated, 1 to 1000000).")
    var cells = "1000,10000"

    @Option(help: "Metric counts per cell (comma-separated, 1 to 256).")
    var metrics = "10"

    @Option(help: "Measure one configuration in this process (used by the command itself).")
    var single: String?

    func validate() throws {
        if let single {
            let parts = single.split(separator: "x", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--single CELLSxMETRICS, got \"\(single)\"") }
            _ = try OptionBounds.integerList("--single (cells)", parts[0], in: 1...1_000_000)
            _ = try OptionBounds.integerList("--single (metrics)", parts[1], in: 1...256)
        }
        _ = try OptionBounds.integerList("--cells", cells, in: 1...1_000_000)
        _ = try OptionBounds.integerList("--metrics", metrics, in: 1...256)
    }

    func run() throws {
        if let single {
            let parts = single.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--single CELLSxMETRICS") }
            let result = StateBenchmark.run(cells: parts[0], metrics: parts[1])
            print(String(format: "%6d  %7d  %12.1f  %11.1f  %12.2f  %15.1f  %8.2f  %9.1f  %6.2f",
                         result.cells, result.metrics, Double(result.residentBytesBefore) / 1_048_576,
                         Double(result.residentBytesAfter) / 1_048_576,
                         Double(result.residentBytesAfter - result.residentBytesBefore) / Double(result.cells) / 1024,
                         Double(result.checkpointBytes) / Double(result.cells) / 1024, result.synapticEventsPerSample,
                         result.denseOperationsPerSample, result.secondsPerSample * 1e6))
            return
        }
        #if DEBUG
        print("warning: this is a debug build; figures are meaningless. Use `swift build -c release`.")
        #endif
        print(" cells  metrics  RSS-before-MB  RSS-after-MB  KB/cell(RSS)  KB/cell(checkpoint)  synops/smp  dense/smp  µs/sample")
        flushStandardOutput()  // before the child processes print their rows
        for cellCount in cells.split(separator: ",") {
            for metricCount in metrics.split(separator: ",") {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
                process.arguments = ["bench", "memory", "--single", "\(cellCount)x\(metricCount)"]
                try process.run()
                process.waitUntilExit()
            }
        }
    }
}

struct SparsityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsity",
        abstract: "Synaptic operations per sample against the dense network of the same shape, by cells and metrics.",
        discussion: """
            Generated telemetry (the scenario generator: daily load, noise, injected faults \
            after a 12-hour learning period) goes through the detection pipeline in this \
            process. For each number of cells and of metrics per cell (the first N of the \
            generator's 20), it prints the per-cell network's size, the synaptic operations \
            (spike deliveries) per sample against the multiply-accumulates a dense network \
            of the same shape does per sample, and the time per sample.
            """)

    @Option(help: "Cell counts (comma-separated, 1 to 100000).")
    var cells = "10,100,1000"

    @Option(help: "Metrics per cell (comma-separated, at most 20).")
    var metrics = "5,10,20"

    @Option(help: "Days of telemetry per cell (one sample a minute; more than 0, at most 366).")
    var days = 2.0

    @Option(help: "Scenario seed.")
    var seed: UInt64 = 1

    func validate() throws {
        _ = try OptionBounds.integerList("--cells", cells, in: 1...OptionBounds.cells)
        _ = try OptionBounds.integerList("--metrics", metrics, in: 1...20)
        try OptionBounds.check("--days", days, from: 0, lowerOpen: true, to: OptionBounds.days)
    }

    func run() throws {
        #if DEBUG
        print("warning: this is a debug build; figures are meaningless. Use `swift build -c release`.")
        #endif
        let cellCounts = try OptionBounds.integerList("--cells", cells, in: 1...OptionBounds.cells)
        let metricCounts = try OptionBounds.integerList("--metrics", metrics, in: 1...20)
        print(" cells  metrics  neurons/cell  synapses/cell  samples    synops/sample  dense-MACs/sample  dense/synops  raised  µs/sample")
        for cellCount in cellCounts {
            var settings = ScenarioSettings()
            settings.seed = seed
            settings.cells = cellCount
            settings.days = days
            settings.learningHours = 12
            var generator = ScenarioGenerator(settings: settings)
            let all = generator.all()
            let names = generator.names
            for metricCount in metricCounts {
                let samples = all.map { sample in
                    var copy = sample
                    copy.metrics = sample.metrics.filter { $0.id < Int32(metricCount) }
                    return copy
                }
                var pipeline = Pipeline(detector: SpikingDetector(), tracker: SequenceTracker(maximumCells: cellCount + 1))
                var synops = 0
                var dense = 0
                var raised = 0
                var processed = 0
                let start = ContinuousClock.now
                for sample in samples {
                    guard case .success(let output) = pipeline.process(sample, names: names) else { continue }
                    processed += 1
                    synops += output.synapticEvents
                    dense += output.denseOperations
                    raised += output.transitions.filter { $0.state == Alert.State.raised }.count
                }
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                // The per-cell network: an ON and an OFF neuron per feature, one evidence
                // neuron; a synapse from each input to its neuron and from each to the evidence.
                let features = Double(dense) / Double(max(processed, 1)) / 4
                print(String(
                    format: "%6d  %7d  %12.1f  %13.1f  %8d  %15.3f  %17.1f  %12.0f  %6d  %9.2f",
                    cellCount, metricCount, 2 * features + 1, 4 * features, processed,
                    Double(synops) / Double(max(processed, 1)), Double(dense) / Double(max(processed, 1)),
                    Double(dense) / Double(max(synops, 1)), raised, seconds / Double(max(processed, 1)) * 1e6))
                flushStandardOutput()
            }
        }
    }
}
