import Detection
import Foundation
import Logging
import Scenarios
import SpikeCore
import SpikewatchDaemon
import Synchronization
import Systemd
import Telemetry
import ZeroMQ

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

// Benchmarks of the whole daemon over real ZeroMQ: ingest throughput and latency.

/// A benchmark that could not run.
public struct BenchmarkError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Messages/s through the whole daemon against a subscriber that only receives, over real
/// ZeroMQ (`spikewatch bench ingest`; BENCHMARKS.md). Both are fed the same pre-built
/// telemetry by a publisher sending as fast as it can over loopback TCP, in the same run;
/// the same messages are then decoded and detected in-process without ZeroMQ, which
/// splits the daemon's cost per message into transport and work.
public struct IngestBenchmark: Sendable {
    public enum Telemetry: String, Sendable {
        /// What the scenario generator makes for `synth`: believable cells with daily
        /// load, noise and injected faults.
        case scenario
        /// Every metric of every message an unrelated value: nothing is predictable, so
        /// the detector does its most work per sample.
        case noise
    }

    public var messages: Int
    public var cells: Int
    public var workers: Int
    public var telemetry: Telemetry
    public var inProcessOnly: Bool

    public init(messages: Int = 200_000, cells: Int = 1000, workers: Int = 1, telemetry: Telemetry = .scenario, inProcessOnly: Bool = false) {
        self.messages = messages
        self.cells = cells
        self.workers = workers
        self.telemetry = telemetry
        self.inProcessOnly = inProcessOnly
    }

    /// Runs the benchmark and prints its figures.
    public func run() async throws {
        #if DEBUG
        print("warning: this is a debug build; figures are meaningless. Use `swift build -c release`.")
        #endif
        let payloads = telemetry == .noise
            ? DecodeBenchmark.payloads(count: messages, metricCount: 20, cells: cells) : scenarioPayloads()
        if inProcessOnly {
            let inProcess = measureInProcess(payloads)
            print(String(format: "in-process without ZeroMQ: decode %.2f µs + detection %.2f µs per message",
                         inProcess.decode * 1e6, inProcess.detection * 1e6))
            return
        }
        let nullRate = try await measureNull(payloads)
        let daemonRate = try await measureDaemon(payloads)
        let inProcess = measureInProcess(payloads)
        print(String(format: "%@ telemetry: messages %d, cells %d, 20 metrics, %d detection thread(s): null subscriber %.0f msg/s, spikewatch run %.0f msg/s, ratio %.3g",
                     telemetry.rawValue as NSString, payloads.count, cells, workers, nullRate, daemonRate, daemonRate / nullRate))
        print(String(format: "per message: null subscriber %.2f µs, daemon %.2f µs; in-process without ZeroMQ: decode %.2f µs + detection %.2f µs",
                     1e6 / nullRate, 1e6 / daemonRate, inProcess.decode * 1e6, inProcess.detection * 1e6))
    }

    /// Telemetry from the scenario generator (seed 1, faults on), `messages` of it.
    func scenarioPayloads() -> [[UInt8]] {
        var settings = ScenarioSettings()
        settings.seed = 1
        settings.cells = cells
        settings.days = Double(messages) / Double(cells) * settings.period / 86_400 + 0.1
        var generator = ScenarioGenerator(settings: settings)
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity(messages)
        while payloads.count < messages, let sample = generator.next() {
            payloads.append(sample.json(names: generator.names, includeLabel: false))
        }
        return payloads
    }

    /// Seconds per message to decode, and to run the pipeline, in this thread.
    func measureInProcess(_ payloads: [[UInt8]]) -> (decode: Double, detection: Double) {
        var decoder = TelemetryDecoder()
        var samples: [TelemetrySample] = []
        samples.reserveCapacity(payloads.count)
        let decodeStart = ContinuousClock.now
        for payload in payloads {
            if let sample = try? decoder.decode(payload) { samples.append(sample) }
        }
        let decode = seconds(ContinuousClock.now - decodeStart)
        var pipeline = Pipeline(detector: SpikingDetector(), tracker: SequenceTracker(maximumCells: cells + 1))
        let names = decoder.metricNames
        var processed = 0
        let detectStart = ContinuousClock.now
        for sample in samples {
            if case .success = pipeline.process(sample, names: names) { processed += 1 }
        }
        let detection = seconds(ContinuousClock.now - detectStart)
        return (decode / Double(payloads.count), detection / Double(max(processed, 1)))
    }

    /// A publisher thread sending every payload as fast as it can (waits for the subscription first).
    func publish(_ payloads: [[UInt8]], to endpoint: String, topics: [String]) async throws {
        let context = try Context()
        let socket = try Socket(context, type: .extendedPublisher)
        try socket.setSendHighWaterMark(0)
        try socket.setLinger(milliseconds: 10_000)
        try socket.connect(endpoint)
        var items = [socket.pollItem()]
        guard try poll(&items, timeoutMilliseconds: 10_000) > 0 else { throw BenchmarkError("no subscriber on \(endpoint)") }
        _ = try socket.receiveMultipart(dontWait: true)
        for (payload, topic) in zip(payloads, topics) {
            try socket.send(topic: topic, payload: payload)
        }
    }

    func measureNull(_ payloads: [[UInt8]]) async throws -> Double {
        let port = try freePort()
        let endpoint = "tcp://127.0.0.1:\(port)"
        let counter = Counter()
        let total = payloads.count
        let thread = Thread {
            do {
                let context = try Context()
                let socket = try Socket(context, type: .subscriber)
                try socket.setReceiveHighWaterMark(0)
                try socket.subscribe("telemetry.")
                try socket.bind(endpoint)
                var items = [socket.pollItem()]
                var received = 0
                var first: ContinuousClock.Instant?
                while received < total {
                    guard try poll(&items, timeoutMilliseconds: 10_000) > 0 else { break }
                    while let frames = try socket.receiveMultipart(dontWait: true) {
                        if first == nil { first = .now }
                        _ = frames.count
                        received += 1
                    }
                }
                counter.finish(received: received, seconds: first.map { seconds(ContinuousClock.now - $0) } ?? 0)
            } catch {
                counter.finish(received: 0, seconds: 0)
            }
        }
        thread.start()
        try await publish(payloads, to: endpoint, topics: topics(payloads))
        while !counter.done { try await Task.sleep(for: .milliseconds(10)) }
        return Double(counter.received) / counter.seconds
    }

    func measureDaemon(_ payloads: [[UInt8]]) async throws -> Double {
        let port = try freePort()
        let endpoint = "tcp://127.0.0.1:\(port)"
        let alertsPort = try freePort()
        var settings = DaemonConfiguration()
        try settings.set("telemetry.endpoints", text: "@" + endpoint, source: "bench")
        try settings.set("alerts.endpoint", text: "@tcp://127.0.0.1:\(alertsPort)", source: "bench")
        try settings.set("workers", text: String(workers), source: "bench")
        // A recording (or synthetic times), not live telemetry: its times are not compared
        // with the wall clock (the per-cell rules still apply).
        settings.maximumFutureLead = .infinity
        LoggingSystem.bootstrap { label in
            var handler = JournaldLogHandler(label: label, journalPrefixes: false)
            handler.logLevel = .error
            return handler
        }
        let daemon = try Daemon(configuration: settings, configurationPath: nil, logger: Logger(label: "spikewatch"))
        let running = Task { try await daemon.run() }
        let topics = topics(payloads)
        let publisher = Task { try await publish(payloads, to: endpoint, topics: topics) }
        while daemon.receivedCount == 0 { try await Task.sleep(for: .microseconds(200)) }
        let start = ContinuousClock.now
        while daemon.processedCount < payloads.count {
            try await Task.sleep(for: .milliseconds(1))
            if ContinuousClock.now - start > .seconds(300) { break }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        try await publisher.value
        daemon.stop()
        _ = try? await running.value
        return Double(daemon.processedCount) / elapsed
    }

    func topics(_ payloads: [[UInt8]]) -> [String] {
        payloads.map { payload in
            let text = String(decoding: payload.prefix(64), as: UTF8.self)
            let cell = text.split(separator: "\"")[5]  // {"v":1,"cell":"<cell>",...
            return "telemetry." + cell
        }
    }

    func freePort() throws -> Int {
        let context = try Context()
        let socket = try Socket(context, type: .pull)
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try socket.lastEndpoint
        return Int(endpoint.split(separator: ":").last ?? "0") ?? 0
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    final class Counter: Sendable {
        private let state = Mutex<(done: Bool, received: Int, seconds: Double)>((false, 0, 0))
        func finish(received: Int, seconds: Double) { state.withLock { $0 = (true, received, seconds) } }
        var done: Bool { state.withLock { $0.done } }
        var received: Int { state.withLock { $0.received } }
        var seconds: Double { state.withLock { $0.seconds } }
    }
}

/// Publish -> alert received latency through the daemon over real ZeroMQ, under
/// background load (`spikewatch bench latency`; BENCHMARKS.md), against relays on the
/// same sockets and load: one that answers a faulty sample at once (transport and
/// decoding alone), one that hands its answer to another thread through a wake-up pipe
/// (the cost of that hop).
public struct LatencyBenchmark: Sendable {
    /// Background rates, messages per second: one run per rate and burst.
    public var rates: [Double]
    /// Probe cells (one alert each).
    public var probes: Int
    /// Messages sent back to back between pauses: a probe waits behind the messages of
    /// its burst that arrived before it, so latency grows with the burst.
    public var bursts: [Int]
    /// Print the daemon's counts after each run.
    public var verbose: Bool

    public init(rates: [Double] = [10_000, 100_000], probes: Int = 2000, bursts: [Int] = [8, 64], verbose: Bool = false) {
        self.rates = rates
        self.probes = probes
        self.bursts = bursts
        self.verbose = verbose
    }

    /// Runs every rate and burst and prints a table.
    public func run() async throws {
        #if DEBUG
        print("warning: this is a debug build; figures are meaningless. Use `swift build -c release`.")
        #endif
        LoggingSystem.bootstrap { label in
            var handler = JournaldLogHandler(label: label, journalPrefixes: false)
            handler.logLevel = .error
            return handler
        }
        print("rate msg/s  burst  through    probes  received  p50 µs  p99 µs  p99.9 µs  max µs")
        for rate in rates {
            for burst in bursts {
                try await measure(rate: rate, burst: burst)
            }
        }
    }

    func measure(rate: Double, burst: Int) async throws {
        let transport = try await measureRetrying(rate: rate, burst: burst, relay: .direct)
        let hop = try await measureRetrying(rate: rate, burst: burst, relay: .threadHop)
        let daemon = try await measureRetrying(rate: rate, burst: burst, relay: nil)
        func row(_ name: String, _ latencies: [Double]) -> String {
            func percentile(_ p: Double) -> Double {
                latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
            }
            return String(format: "%10.0f  %5d  %-9@  %6d  %8d  %6.0f  %6.0f  %8.0f  %6.0f", rate, burst, name as NSString, probes, latencies.count,
                          percentile(0.5), percentile(0.99), percentile(0.999), latencies.last ?? .nan)
        }
        print(row("relay", transport))
        print(row("relay+hop", hop))
        print(row("daemon", daemon))
        if let a = daemon.isEmpty ? nil : daemon[daemon.count / 2], let b = transport.isEmpty ? nil : transport[transport.count / 2] {
            print(String(format: "                   p50 daemon / relay %.2fx; p99 %.2fx", a / b,
                         daemon[min(daemon.count - 1, daemon.count * 99 / 100)] / transport[min(transport.count - 1, transport.count * 99 / 100)]))
        }
    }

    /// A stand-in for the daemon that only receives, decodes and answers each faulty sample.
    enum Relay {
        /// Answers from the receiving thread: the transport and decoding alone.
        case direct
        /// Hands the answer to a second thread that owns the answering socket, woken
        /// through a pipe, as the daemon hands alerts to its publisher thread.
        case threadHop
    }

    /// A port found free was taken before a relay could bind it (another process, or a
    /// test running beside this one, got there first).
    struct PortTaken: Error {}

    /// ``measure(rate:burst:relay:)``, on new ports when one it picked was taken meanwhile
    /// (at most three tries).
    func measureRetrying(rate: Double, burst: Int, relay: Relay?) async throws -> [Double] {
        for attempt in 1... {
            do {
                return try await measure(rate: rate, burst: burst, relay: relay)
            } catch let error where attempt < 3 && (error is PortTaken || (error as? ZMQError) == .addressInUse) {
                continue
            }
        }
        fatalError("unreachable")
    }

    /// One run: the latencies (µs, sorted) of the probes through the daemon, or through
    /// a relay (same sockets, same load). A relay thread that fails, a daemon that stops,
    /// or a wait that lasts `waitLimit` seconds ends the run with an error, never a hang.
    func measure(rate: Double, burst: Int, relay: Relay?) async throws -> [Double] {
        let ingest = IngestBenchmark()
        let telemetryPort = try ingest.freePort()
        var freeAlertsPort = try ingest.freePort()
        while freeAlertsPort == telemetryPort { freeAlertsPort = try ingest.freePort() }
        let alertsPort = freeAlertsPort
        var daemon: Daemon?
        var running: Task<Void, any Error>?
        let relayed = Atomic<Int>(0)
        let relayDone = Atomic<Bool>(false)
        let relayFailure = Mutex<(any Error & Sendable)?>(nil)
        let daemonEnded = Flag()
        let received = ReceiptLog()
        defer {
            received.done.store(true, ordering: .releasing)
            relayDone.store(true, ordering: .releasing)
            daemon?.stop()
        }
        /// Records why a relay thread stopped.
        @Sendable func relayFailed(_ error: any Error) {
            let failure: any Error & Sendable = (error as? ZMQError) == .addressInUse
                ? PortTaken() : BenchmarkError("relay failed: \(error)")
            relayFailure.withLock { if $0 == nil { $0 = failure } }
        }
        /// Waits until `condition` holds; throws what stopped a relay or the daemon, or
        /// after `waitLimit` seconds.
        func wait(for what: String, _ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(Self.waitLimit)
            while !condition() {
                if let failure = relayFailure.withLock({ $0 }) { throw failure }
                if daemonEnded.isSet {
                    try await running?.value
                    throw BenchmarkError("the daemon stopped while the benchmark waited for \(what)")
                }
                guard ContinuousClock.now < deadline else {
                    throw BenchmarkError("waited \(Int(Self.waitLimit)) s for \(what)")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        if let relay {
            let relayReady = Atomic<Int>(0)
            var pipeEnds: [Int32] = [0, 0]
            guard pipe(&pipeEnds) == 0 else { throw BenchmarkError("pipe: \(String(cString: strerror(errno)))") }
            _ = fcntl(pipeEnds[0], F_SETFL, O_NONBLOCK)
            let wake = (read: pipeEnds[0], write: pipeEnds[1])
            let handed = Mutex<[[UInt8]]>([])
            let context = try Context()
            if relay == .threadHop {
                Thread {
                    do {
                        let output = try Socket(context, type: .publisher)
                        try output.bind("tcp://127.0.0.1:\(alertsPort)")
                        relayReady.add(1, ordering: .releasing)
                        var items = [PollItem.fileDescriptor(wake.read)]
                        var drained = [UInt8](repeating: 0, count: 256)
                        while !relayDone.load(ordering: .acquiring) {
                            guard try poll(&items, timeoutMilliseconds: 50) > 0 else { continue }
                            while read(wake.read, &drained, drained.count) > 0 {}
                            for cell in handed.withLock({ list in defer { list = [] }; return list }) {
                                try output.send(topic: "alert.relay", payload: cell)
                            }
                        }
                    } catch {
                        relayFailed(error)
                    }
                }.start()
            }
            Thread {
                do {
                    let input = try Socket(context, type: .subscriber)
                    try input.setReceiveHighWaterMark(100_000)
                    try input.subscribe("telemetry.")
                    try input.bind("tcp://127.0.0.1:\(telemetryPort)")
                    let output = relay == .direct ? SocketBox(try Socket(context, type: .publisher)) : nil
                    try output?.socket.bind("tcp://127.0.0.1:\(alertsPort)")
                    relayReady.add(1, ordering: .releasing)
                    var decoder = TelemetryDecoder()
                    var items = [input.pollItem()]
                    var primed = Set<String>()  // cells whose first faulty sample has arrived
                    while !relayDone.load(ordering: .acquiring) {
                        guard try poll(&items, timeoutMilliseconds: 50) > 0 else { continue }
                        while let frames = try input.receiveMultipart(dontWait: true) {
                            relayed.add(1, ordering: .relaxed)
                            guard frames.count == 2, let sample = try? decoder.decode(frames[1].bytes) else { continue }
                            guard sample.metrics.contains(where: { $0.value > 300 }) else { continue }  // a faulty sample (x10)
                            // Like the daemon, answer a probe's second faulty sample.
                            guard !primed.insert(sample.cell).inserted else { continue }
                            if let output {
                                try output.socket.send(topic: "alert.relay", payload: Array(sample.cell.utf8))
                            } else {
                                handed.withLock { $0.append(Array(sample.cell.utf8)) }
                                var one: UInt8 = 1
                                _ = write(wake.write, &one, 1)
                            }
                        }
                    }
                } catch {
                    relayFailed(error)
                }
            }.start()
            let threads = relay == .threadHop ? 2 : 1
            try await wait(for: "the relay's sockets") { relayReady.load(ordering: .acquiring) >= threads }
        } else {
            var settings = DaemonConfiguration()
            try settings.set("telemetry.endpoints", text: "@tcp://127.0.0.1:\(telemetryPort)", source: "bench")
            try settings.set("alerts.endpoint", text: "@tcp://127.0.0.1:\(alertsPort)", source: "bench")
            try settings.set("alerts.resend_interval_s", text: "3600", source: "bench")
            settings.maximumFutureLead = .infinity  // synthetic times, not live telemetry
            let made = try Daemon(configuration: settings, configurationPath: nil, logger: Logger(label: "spikewatch"))
            daemon = made
            running = Task {
                defer { daemonEnded.set() }
                try await made.run()
            }
        }
        func processed() -> Int { daemon?.processedCount ?? relayed.load(ordering: .relaxed) }
        let subscriberThread = Thread {
            do {
                let context = try Context()
                let socket = try Socket(context, type: .subscriber)
                try socket.subscribe("alert.")
                try socket.connect("tcp://127.0.0.1:\(alertsPort)")
                received.ready.store(true, ordering: .releasing)
                var items = [socket.pollItem()]
                while !received.done.load(ordering: .acquiring) {
                    guard try poll(&items, timeoutMilliseconds: 50) > 0 else { continue }
                    while let frames = try socket.receiveMultipart(dontWait: true) {
                        let now = ContinuousClock.now
                        guard frames.count == 2 else { continue }
                        if relay != nil {
                            received.record(cell: String(decoding: frames[1].bytes, as: UTF8.self), at: now)
                            continue
                        }
                        guard let alert = try? Alert(json: frames[1].bytes), alert.state == .raised else { continue }
                        received.record(cell: alert.cell, at: now)
                    }
                }
            } catch {
                relayFailure.withLock { if $0 == nil { $0 = BenchmarkError("the alert subscriber failed: \(error)") } }
            }
        }
        subscriberThread.start()
        try await wait(for: "the alert subscriber") { received.ready.load(ordering: .acquiring) }
        try await Task.sleep(for: .milliseconds(300))  // the alert subscription's slow-joiner window

        let context = try Context()
        let publisher = try Socket(context, type: .extendedPublisher)
        try publisher.setSendHighWaterMark(0)
        try publisher.connect("tcp://127.0.0.1:\(telemetryPort)")
        var items = [publisher.pollItem()]
        guard try poll(&items, timeoutMilliseconds: 10_000) > 0 else { throw BenchmarkError("the daemon did not subscribe") }
        _ = try publisher.receiveMultipart(dontWait: true)

        var rng = SeededGenerator(seed: 5)
        var step = [Int](repeating: 0, count: probes)
        func payload(_ cell: Int, faulty: Bool) -> [UInt8] {
            let scale = faulty ? 10.0 : 1.0
            let a = (100 + rng.nextGaussian()) * scale
            let b = (50 + rng.nextGaussian()) * scale
            let c = (20 + rng.nextGaussian() * 0.5) * scale
            defer { step[cell] += 1 }
            return Array(#"{"v":1,"cell":"p\#(cell)","ts":\#(1_793_923_200 + step[cell] * 300),"seq":\#(step[cell]),"metrics":{"a":\#(a),"b":\#(b),"c":\#(c)}}"#.utf8)
        }
        // Warm-up: every cell learns its normal (100 samples each, as fast as it goes; a metric
        // may spike from its 80th sample: 20 to tell counter from level, 60 of warm-up).
        // Samples are 5 minutes apart in telemetry time: two cover the 3 minutes a raise's
        // evidence must (at one minute apart a probe would need a third).
        for _ in 0..<100 {
            for cell in 0..<probes { try publisher.send(topic: "telemetry.p\(cell)", payload: payload(cell, faulty: false)) }
        }
        try await wait(for: "\(probes * 100) warm-up samples to be processed") { processed() >= probes * 100 }

        // The run: background load at `rate`, one probe per cell spread evenly.
        let total = max(Int(rate * 3), probes * 20)
        let probeEvery = total / probes
        var sentAt: [String: ContinuousClock.Instant] = [:]
        let start = ContinuousClock.now
        var nextProbe = 0
        for index in 0..<total {
            if index % burst == 0 {
                let due = start + .seconds(Double(index) / rate)
                let wait = due - ContinuousClock.now
                if wait > .microseconds(200) { try await Task.sleep(for: wait) }
            }
            if index % probeEvery == probeEvery / 2 && nextProbe < probes {
                // A probe is two faulty samples back to back (one sample's feature spikes
                // alone cannot raise); the clock starts at the second, which raises.
                let cell = nextProbe
                nextProbe += 1
                try publisher.send(topic: "telemetry.p\(cell)", payload: payload(cell, faulty: true))
                sentAt["p\(cell)"] = ContinuousClock.now
                try publisher.send(topic: "telemetry.p\(cell)", payload: payload(cell, faulty: true))
            } else {
                // Background: cells that have not been probed yet (probed ones stay alerting).
                let cell = nextProbe + Int(rng.next() % UInt64(max(probes - nextProbe, 1)))
                guard cell < probes else { continue }
                try publisher.send(topic: "telemetry.p\(cell)", payload: payload(cell, faulty: false))
            }
        }
        try await Task.sleep(for: .seconds(1))
        received.done.store(true, ordering: .releasing)
        relayDone.store(true, ordering: .releasing)
        daemon?.stop()
        _ = try? await running?.value
        if let failure = relayFailure.withLock({ $0 }) { throw failure }
        if verbose, let daemon { print("  daemon: \(daemon.statusLine)") }
        return sentAt.compactMap { cell, sent in received.time(of: cell).map { ingest.seconds($0 - sent) * 1e6 } }.sorted()
    }

    /// A flag one task sets and another reads.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// Seconds any one wait of a run (sockets ready, warm-up processed) may last.
    static let waitLimit = 300.0

    /// A socket held by reference, so an optional one can be used without consuming it.
    final class SocketBox {
        let socket: Socket
        init(_ socket: consuming Socket) { self.socket = socket }
    }

    final class ReceiptLog: Sendable {
        let ready = Atomic<Bool>(false)
        let done = Atomic<Bool>(false)
        private let times = Mutex<[String: ContinuousClock.Instant]>([:])
        func record(cell: String, at time: ContinuousClock.Instant) { times.withLock { if $0[cell] == nil { $0[cell] = time } } }
        func time(of cell: String) -> ContinuousClock.Instant? { times.withLock { $0[cell] } }
    }
}
