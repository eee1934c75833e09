import Detection
import Foundation
import Logging
import Prometheus
import Synchronization
import Telemetry
import ZeroMQ

/// Ingest: owns the SUB socket and its thread. Socket -> frame checks -> decode -> the
/// topic names the payload's cell -> route to the cell's shard (or, with one shard, run
/// it here). The formats and checks themselves are Telemetry's (docs/telemetry.md).
final class Ingest: Sendable {
    /// Messages the SUB socket queues before libzmq drops (a burst of 5 s at 20,000 msg/s).
    static let receiveHighWaterMark = 100_000
    /// ZMTP heartbeats: a dead publisher's connection is noticed within 15 s.
    static let heartbeatMilliseconds = 5000
    static let heartbeatTimeoutMilliseconds = 15_000
    /// Samples handed to a detection thread in one batch (one lock and one wake-up).
    static let batchSize = 64
    /// Messages read per wake-up before control work (snapshots, sweeps) gets a turn.
    static let readBudget = 4096

    let shared: DaemonShared
    let shards: DetectionShards
    let health = LoopHealth(name: "ingest")
    /// Fired once the socket is attached, or its set-up failed (``startupError``).
    let ready = Signal()
    let startupError = Mutex<String?>(nil)
    /// Input has stopped (the socket is closed); with one shard the thread may still be
    /// serving that shard's queue.
    let stopped = Signal()
    private let stopRequested = Atomic<Bool>(false)

    init(shared: DaemonShared, shards: DetectionShards) {
        self.shared = shared
        self.shards = shards
    }

    /// Stops reading; queued samples are still processed.
    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        shards.inlineWake.notify()
    }

    /// - Parameter inline: with one shard, its initial state: this thread then runs the
    ///   detection itself, and after input stops it serves the shard's queue until the
    ///   shards are closed.
    func start(context: Context, curve: CurveSetup, inline: Checkpoint?) {
        let config = shared.current
        let thread = Thread { [self] in run(context: context, curve: curve, config: config, inline: inline) }
        thread.name = "spikewatch-ingest"
        thread.start()
    }

    private func makeSocket(_ context: Context, _ curve: CurveSetup, _ config: DaemonConfiguration) throws(ZMQError) -> Socket {
        let socket = try Socket(context, type: .subscriber)
        try socket.setLinger(milliseconds: 0)
        try socket.setReceiveHighWaterMark(Self.receiveHighWaterMark)
        // The socket's own hard cap sits far above the payload limit, so an oversized
        // payload is read and rejected by this loop while its sender stays connected.
        try socket.setMaximumMessageSize(Int64(max(config.maximumPayloadBytes * 16, 64 << 20)))
        try socket.setHeartbeat(intervalMilliseconds: Self.heartbeatMilliseconds, timeoutMilliseconds: Self.heartbeatTimeoutMilliseconds)
        try socket.subscribe(config.topicPrefix)
        try curve.apply(socket, endpoints: config.telemetryEndpoints, serverKey: config.telemetryServerKey, domain: "telemetry")
        for endpoint in config.telemetryEndpoints { try socket.attach(endpoint) }
        return socket
    }

    private func run(context: Context, curve: CurveSetup, config: DaemonConfiguration, inline: Checkpoint?) {
        var shard = inline.map { Shard(index: 0, initial: $0, shards: shards) }
        defer {
            stopped.fire()
            if var shard {
                // Serve the shard's queue (the final snapshot, clears) until it closes.
                let health = shards.health[0]
                while true {
                    health.idle.store(true, ordering: .relaxed)
                    guard let batch = shards.queues[0].takeAll(timeout: 3600) else { break }
                    health.idle.store(false, ordering: .relaxed)
                    health.tick()
                    if batch.contains(where: { !shard.handle($0) }) { break }
                }
                health.finished.fire()
            }
            self.health.finished.fire()
        }
        let socket: Socket
        switch Result(catching: { () throws(ZMQError) -> Socket in try makeSocket(context, curve, config) }) {
        case .success(let made): socket = made
        case .failure(let error):
            startupError.withLock { $0 = "telemetry socket: \(error) (endpoints \(config.telemetryEndpoints))" }
            ready.fire()
            return
        }
        shared.logger.info("subscribed to telemetry", metadata: [
            "zmq.endpoints": "\(config.telemetryEndpoints.map(\.description).joined(separator: ","))",
            "zmq.topic_prefix": "\(config.topicPrefix)",
        ])
        ready.fire()
        let metrics = shared.metrics
        let rules = TelemetryFrameRules(topicPrefix: config.topicPrefix, maximumPayloadBytes: config.maximumPayloadBytes)
        var decoder = TelemetryDecoder()
        var namesSent = [Int](repeating: -1, count: shards.count)
        var limiter = RejectionLogLimiter()
        var items = [socket.pollItem(), PollItem.fileDescriptor(shards.inlineWake.readEnd)]
        var pending = [[WorkItem]](repeating: [], count: shards.count)
        var pendingCount = 0
        /// With detection threads, samples go in small batches: a batch goes when it holds
        /// ``batchSize`` samples or the socket has nothing more, so a quiet stream waits for nothing.
        func flush() {
            for index in pending.indices where !pending[index].isEmpty {
                shards.queues[index].append(contentsOf: pending[index])
                pending[index].removeAll(keepingCapacity: true)
            }
            pendingCount = 0
        }
        while !stopRequested.load(ordering: .relaxed) {
            health.idle.store(true, ordering: .relaxed)
            // Sleeps until a message arrives or another thread wakes it (stop, control work).
            do { _ = try poll(&items, timeoutMilliseconds: -1) } catch { break }
            health.idle.store(false, ordering: .relaxed)
            health.tick()
            if !items[1].ready.isEmpty {
                // Woken by another thread (stop, or work for the shard this thread runs);
                // the hot path (a message) costs no extra system call.
                shards.inlineWake.drain()
                if shard != nil, let control = shards.queues[0].takeAll(timeout: 0) {
                    for item in control where shard?.handle(item) == false { return }
                }
            }
            defer { flush() }
            var budget = Self.readBudget
            while budget > 0, !stopRequested.load(ordering: .relaxed) {
                budget -= 1
                if pendingCount >= Self.batchSize { flush() }
                guard let frames = try? socket.receiveMultipart(dontWait: true) else { break }
                let receivedAt = ContinuousClock.now
                metrics.received.increment()
                metrics.receivedTotal.add(1, ordering: .relaxed)
                let outcome: Result<TelemetrySample, Rejection> = {
                    let early = frames.isEmpty
                        ? rules.check(frameCount: 0, topic: UnsafeRawBufferPointer(start: nil, count: 0), payloadCount: 0)
                        : frames[0].withUnsafeBytes { rules.check(frameCount: frames.count, topic: $0, payloadCount: frames.count > 1 ? frames[1].count : 0) }
                    if let early { return .failure(early) }
                    let decoded = frames[1].withUnsafeBytes { bytes in
                        Result { () throws(Rejection) in try decoder.decode(bytes) }
                    }
                    if case .success(let sample) = decoded,
                        let mismatch = frames[0].withUnsafeBytes({ rules.checkCell(sample.cell, topic: $0, printable: { loggable($0) }) })
                    {
                        return .failure(mismatch)
                    }
                    return decoded
                }()
                switch outcome {
                case .failure(let rejection):
                    // (Timed before it is counted: a reader who sees the count sees the time.)
                    metrics.processing.record(ContinuousClock.now - receivedAt)
                    metrics.reject(rejection.reason)
                    limiter.log(
                        rejection, cell: rejection.reason > .oversized ? payloadCell(frames[1], decoder.lastCellRange) : nil,
                        topic: frames.isEmpty ? nil : frames[0].string, logger: shared.logger)
                case .success(let sample):
                    let index = shards.shard(of: sample.cell)
                    var names: MetricNames?
                    if namesSent[index] != decoder.metricNames.count {
                        names = decoder.metricNames
                        namesSent[index] = decoder.metricNames.count
                    }
                    let item = WorkItem.sample(sample, names: names, receivedAt: receivedAt)
                    if shard != nil {
                        if shard?.handle(item) == false { return }
                    } else {
                        pending[index].append(item)
                        pendingCount += 1
                    }
                }
            }
        }
    }
}

/// The `cell` of a payload the decoder read (its raw bytes), when it found one.
func payloadCell(_ payload: Message, _ range: Range<Int>?) -> String? {
    guard let range else { return nil }
    return payload.withUnsafeBytes { bytes in
        range.lowerBound >= 0 && range.upperBound <= bytes.count
            ? String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) : nil
    }
}
