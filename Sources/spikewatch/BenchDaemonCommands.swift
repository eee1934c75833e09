import ArgumentParser
import Benchmarks

// `spikewatch bench ingest` and `bench latency`: argument parsing only; the harness is
// in the Benchmarks module.

struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Messages/s through the whole daemon against a subscriber that only receives, over real ZeroMQ.",
        discussion: """
            Both are fed the same pre-built telemetry (1,000 cells of 20 metrics) by a \
            publisher sending as fast as it can over loopback TCP, in the same run: first a \
            null subscriber that receives and discards, then `spikewatch run` in this \
            process with the full model. The ratio is the figure (target >= 0.5). The same \
            messages are then decoded and detected in-process without ZeroMQ, which splits \
            the daemon's cost per message into transport and work.

            --telemetry scenario (the default) is what the scenario generator makes for \
            `synth`: believable cells with daily load, noise and injected faults. \
            --telemetry noise gives every metric of every message an unrelated value: \
            nothing is predictable, so the detector does its most work per sample.
            """)

    @Option(help: "Messages per run (1 to 100000000).")
    var messages = 200_000

    @Option(help: "Cells the messages cover (1 to 1000000).")
    var cells = 1000

    @Option(help: "Detection threads of the daemon (1 to 64).")
    var workers = 1

    @Option(help: "The messages: scenario (generated cells with faults) or noise (unrelated values).")
    var telemetry = "scenario"

    @Flag(help: "Only decode and detect in this thread, without ZeroMQ (for profiling).")
    var inProcessOnly = false

    func validate() throws {
        guard ["scenario", "noise"].contains(telemetry) else {
            throw ValidationError("--telemetry must be scenario or noise, got \"\(telemetry)\"")
        }
        try OptionBounds.check("--messages", messages, in: 1...100_000_000)
        try OptionBounds.check("--cells", cells, in: 1...1_000_000)
        try OptionBounds.check("--workers", workers, in: 1...64)
    }

    func run() async throws {
        try await IngestBenchmark(
            messages: messages, cells: cells, workers: workers, telemetry: IngestBenchmark.Telemetry(rawValue: telemetry) ?? .scenario,
            inProcessOnly: inProcessOnly
        ).run()
    }
}

struct LatencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Publish -> alert received latency through the daemon over real ZeroMQ, under background load.",
        discussion: """
            Warms up --probes cells of three metrics, then streams normal telemetry for them at \
            each --rates value while, spread over the run, one faulty sample per cell (every \
            metric x10) is published; the time from sending that sample to receiving its \
            `raised` alert is the latency. Percentiles over the probes.

            The baseline, in the same run and on the same sockets and load: a relay that \
            receives and decodes each message and answers a faulty one at once, instead of \
            the daemon. The ratio is what detection and the daemon's threads add. A second \
            relay hands its answer to another thread through a wake-up pipe, as the daemon \
            hands alerts to its publisher thread: the cost of that one hop.
            """)

    @Option(help: "Background rates, messages per second (comma-separated).")
    var rates = "10000,100000"

    @Option(help: "Probe cells (one alert each; 1 to 100000).")
    var probes = 2000

    @Option(help: ArgumentHelp(
        "Messages sent back to back between pauses (comma-separated: one run per value).",
        discussion: "A probe waits behind the messages of its burst that arrived before it, so latency grows with the burst."))
    var bursts = "8,64"

    @Flag(help: "Print the daemon's counts after each run.")
    var verbose = false

    func validate() throws {
        try OptionBounds.check("--probes", probes, in: 1...100_000)
        _ = try parsed()
    }

    func parsed() throws -> (rates: [Double], bursts: [Int]) {
        let rateValues = try rates.split(separator: ",").map { text in
            guard let rate = Double(text), rate.isFinite, rate > 0, rate <= 10_000_000 else {
                throw ValidationError("--rates must be comma-separated finite numbers in (0, 10000000], got \"\(text)\"")
            }
            return rate
        }
        let burstValues = try bursts.split(separator: ",").map { text in
            guard let burst = Int(text), (1...1_000_000).contains(burst) else {
                throw ValidationError("--bursts must be comma-separated integers in [1, 1000000], got \"\(text)\"")
            }
            return burst
        }
        return (rateValues, burstValues)
    }

    func run() async throws {
        let (rateValues, burstValues) = try parsed()
        try await LatencyBenchmark(rates: rateValues, probes: probes, bursts: burstValues, verbose: verbose).run()
    }
}
