import Detection
import Foundation
public import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import Systemd
import Telemetry
import UnixSignals
import ZeroMQ

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The spikewatch daemon: telemetry in over ZeroMQ, per-cell spiking detection sharded
/// over worker threads, alerts out over ZeroMQ, under systemd's notify protocol.
///
/// Each ZeroMQ socket belongs to one dedicated thread (not the cooperative pool): the
/// ingest thread owns the SUB socket, the publisher thread the XPUB socket. Detection
/// threads own their shard of the cells.
public final class Daemon: Sendable {
    let configuration: Mutex<DaemonConfiguration>
    let configurationPath: String?
    let logger: Logger
    let notifier = SystemdNotifier()
    let metrics = DaemonMetrics()
    let context: Context
    let shardQueues: [BlockingQueue<WorkItem>]
    let alertQueue = BlockingQueue<PublisherItem>()
    /// A pipe that wakes the publisher's poll when alerts are queued: [read, write].
    let alertWake: (read: Int32, write: Int32)
    /// The alert `seq` the publisher starts from (the checkpoint's).
    let initialSequence = Atomic<Int64>(0)
    let stopping = Atomic<Bool>(false)
    let ingestReady = Atomic<Int>(0)  // 0 pending, 1 ready, -1 failed
    let publisherReady = Atomic<Int>(0)
    let startupError = Mutex<String?>(nil)
    let ingestHealth = LoopHealth(name: "ingest")
    /// Input has stopped (the telemetry socket is closed); with one shard the ingest
    /// thread may still be serving its queue.
    let ingestStopped = Atomic<Bool>(false)
    let publisherHealth = LoopHealth(name: "publisher")
    let workerHealth: [LoopHealth]
    let shardCells: [AtomicCount]
    let startedAt = ContinuousClock.now
    let classifier: Mutex<FaultClassifier?>
    /// CURVE: this daemon's keys and the ZAP handler, when security is on.
    let curveKeys: CurveKeyPair?
    let authenticator: ZAPAuthenticator?

    /// Creates a daemon; nothing runs until ``run()``.
    /// - Parameter configurationPath: the file SIGHUP re-reads (nil: SIGHUP only acknowledges).
    public init(configuration: DaemonConfiguration, configurationPath: String?, logger: Logger) throws {
        self.configuration = Mutex(configuration)
        self.configurationPath = configurationPath
        self.logger = logger
        context = try Context()
        let workers = max(1, configuration.workers)
        shardQueues = (0..<workers).map { _ in BlockingQueue<WorkItem>(capacity: 65_536) }
        workerHealth = (0..<workers).map { LoopHealth(name: "worker-\($0)") }
        shardCells = (0..<workers).map { _ in AtomicCount() }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ConfigurationError("cannot create a wake-up pipe: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        alertWake = (fds[0], fds[1])
        classifier = Mutex(try Self.loadModel(configuration.modelPath))
        try configuration.validate()
        if let secret = configuration.secretKeyFile {
            curveKeys = try DaemonConfiguration.readSecretKey(secret)
            authenticator = ZAPAuthenticator(context: context, allowLists: [
                "telemetry": try configuration.allowedPublishersFile.map { try DaemonConfiguration.readKeyList($0) },
                "alerts": try configuration.allowedSubscribersFile.map { try DaemonConfiguration.readKeyList($0) },
            ])
        } else {
            curveKeys = nil
            authenticator = nil
        }
    }

    /// Sets a socket's CURVE role: server (it binds; clients checked by ZAP in `domain`)
    /// or client (it connects to a server whose public key is `serverKey`).
    func applyCurve(_ socket: borrowing Socket, endpoints: [Endpoint], serverKey: CurveKey?, domain: String) throws(ZMQError) {
        guard let keys = curveKeys else { return }
        if endpoints.first?.action == .bind {
            try socket.setZAPDomain(domain)
            try socket.makeCurveServer(secretKey: keys.secretKey)
        } else if let serverKey {
            try socket.makeCurveClient(serverKey: serverKey, keyPair: keys)
        }
    }

    deinit {
        close(alertWake.read)
        close(alertWake.write)
    }

    static func loadModel(_ path: String?) throws -> FaultClassifier? {
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("model: cannot read \(path)")
        }
        do {
            return try FaultClassifier(json: data)
        } catch {
            throw ConfigurationError("model: \(path): \(error)")
        }
    }

    /// The shard of a cell: a stable hash of its id.
    func shard(of cell: String) -> Int {
        var cell = cell
        let hash = cell.withUTF8 { bytes in
            bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        }
        return Int(hash % UInt64(shardQueues.count))
    }

    // MARK: Running

    /// Runs until SIGTERM or SIGINT: restores state, starts the threads, tells systemd
    /// READY=1, keeps the watchdog fed, reloads on SIGHUP, and on shutdown drains,
    /// checkpoints and returns.
    public func run() async throws {
        let reload = ReloadService(daemon: self)
        let main = MainService(daemon: self)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: main, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: reload),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        try await group.run()
    }

    /// Restores the checkpoint (if any) and starts every thread.
    func start() throws {
        let config = configuration.withLock { $0 }
        var parts: [Checkpoint]
        let classifier = self.classifier.withLock { $0 }
        let limits = CellLimits(config, shards: shardQueues.count)
        func fresh() -> [Checkpoint] {
            shardQueues.indices.map { _ in
                var tracker = SequenceTracker()
                limits.apply(to: &tracker)
                return Checkpoint(tracker: tracker, detector: SpikingDetector(settings: config.detector, classifier: classifier))
            }
        }
        parts = fresh()
        if let directory = config.stateDirectory {
            switch StateStore(directory: directory).load() {
            case .none:
                logger.info("no checkpoint yet; learning from scratch", metadata: ["state.directory": "\(directory)"])
            case .refused(let message):
                logger.error("checkpoint refused, starting fresh: \(message)")
                notifier.notify(.status("checkpoint refused, starting fresh: \(message)"))
            case .loaded(let checkpoint):
                parts = checkpoint.partitioned(into: shardQueues.count) { self.shard(of: $0) }
                let now = Date().timeIntervalSince1970
                for index in parts.indices {
                    limits.apply(to: &parts[index].tracker)
                    parts[index].detector.reconfigure(settings: config.detector, classifier: classifier)
                    // A checkpoint written before implausible times were refused may hold
                    // one: that cell starts afresh rather than refusing its samples.
                    parts[index].tracker.now = now
                    for eviction in parts[index].tracker.evictImplausible() {
                        parts[index].detector.forget(cell: eviction.cell)
                        metrics.evicted(eviction.reason)
                        logger.warning("cell evicted with what it learned: its checkpointed time cannot be right: \(eviction.detail)", metadata: [
                            "cell": "\(loggable(eviction.cell))", "reason": "\(eviction.reason.rawValue)",
                        ])
                    }
                    // Nobody was listening while the daemon was down: idleness counts from now.
                    parts[index].tracker.markAllSeen(at: now)
                }
                initialSequence.store(checkpoint.alertSequence, ordering: .relaxed)
                logger.info(
                    "restored learned state of \(checkpoint.tracker.cells.count) cells",
                    metadata: ["state.path": "\(directory)/state.json", "alert.seq": "\(checkpoint.alertSequence)"])
            }
        }
        if let authenticator {
            do { try authenticator.start() } catch {
                throw ConfigurationError("cannot start the CURVE authenticator: \(error)")
            }
            logger.info("CURVE on: telemetry and alerts are encrypted", metadata: [
                "curve.public_key": "\(curveKeys!.publicKey.z85)",
                "curve.publishers": "\(config.allowedPublishersFile ?? "any with the key")",
                "curve.subscribers": "\(config.allowedSubscribersFile ?? "any with the key")",
            ])
        }
        if let listen = config.metricsListen {
            let server = try MetricsServer(listen: listen, metrics: metrics, logger: logger)
            server.start()
            metricsServer.withLock { $0 = server }
        }
        startPublisher(config)
        if parts.count == 1 {
            // One shard: detection runs on the ingest thread, saving a hand-off and a
            // wake-up per message (latency and throughput on small boxes).
            startIngest(config, inline: parts[0])
        } else {
            for (index, part) in parts.enumerated() { startWorker(index, initial: part) }
            startIngest(config, inline: nil)
        }
    }

    let metricsServer = Mutex<MetricsServer?>(nil)
    /// Samples processed when the last checkpoint was written.
    let checkpointedAt = Atomic<Int>(0)

    /// Waits until the sockets are attached; throws the startup error if one failed.
    func waitUntilReady() async throws {
        while ingestReady.load(ordering: .acquiring) == 0 || publisherReady.load(ordering: .acquiring) == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        if ingestReady.load(ordering: .acquiring) < 0 || publisherReady.load(ordering: .acquiring) < 0 {
            throw ConfigurationError(startupError.withLock { $0 } ?? "startup failed")
        }
    }

    // MARK: Ingest

    func startIngest(_ config: DaemonConfiguration, inline: Checkpoint?) {
        let thread = Thread { [self] in ingestLoop(config, inline: inline) }
        thread.name = "spikewatch-ingest"
        thread.start()
    }

    private func makeSubscriber(_ config: DaemonConfiguration) throws(ZMQError) -> Socket {
        let socket = try Socket(context, type: .subscriber)
        try socket.setLinger(milliseconds: 0)
        try socket.setReceiveHighWaterMark(100_000)
        // The socket's own hard cap sits far above the payload limit, so an oversized
        // payload is read and rejected by this loop while its sender stays connected.
        try socket.setMaximumMessageSize(Int64(max(config.maximumPayloadBytes * 16, 64 << 20)))
        try socket.setHeartbeat(intervalMilliseconds: 5000, timeoutMilliseconds: 15_000)
        try socket.subscribe(config.topicPrefix)
        try applyCurve(socket, endpoints: config.telemetryEndpoints, serverKey: config.telemetryServerKey, domain: "telemetry")
        for endpoint in config.telemetryEndpoints { try socket.attach(endpoint) }
        return socket
    }

    /// - Parameter inline: with one shard, its initial state: this thread then runs the
    ///   detection itself, and after input stops it serves the shard's queue (the final
    ///   snapshot) until shutdown closes it.
    private func ingestLoop(_ config: DaemonConfiguration, inline: Checkpoint?) {
        var shard = inline.map { Shard(index: 0, initial: $0, daemon: self) }
        defer {
            ingestStopped.store(true, ordering: .releasing)
            if var shard {
                while let batch = shardQueues[0].takeAll(timeout: 0.1) {
                    for item in batch where !shard.handle(item, daemon: self) { break }
                }
                workerHealth[0].finished.store(true, ordering: .releasing)
            }
            ingestHealth.finished.store(true, ordering: .releasing)
        }
        let socket: Socket
        switch Result(catching: { () throws(ZMQError) -> Socket in try makeSubscriber(config) }) {
        case .success(let made): socket = made
        case .failure(let error):
            startupError.withLock { $0 = "telemetry socket: \(error) (endpoints \(config.telemetryEndpoints))" }
            ingestReady.store(-1, ordering: .releasing)
            return
        }
        logger.info("subscribed to telemetry", metadata: [
            "zmq.endpoints": "\(config.telemetryEndpoints.map(\.description).joined(separator: ","))",
            "zmq.topic_prefix": "\(config.topicPrefix)",
        ])
        ingestReady.store(1, ordering: .releasing)
        var decoder = TelemetryDecoder()
        var namesSent = [Int](repeating: -1, count: shardQueues.count)
        var limiter = RejectionLogLimiter()
        let prefix = Array(config.topicPrefix.utf8)
        var items = [socket.pollItem()]
        var pending = [[WorkItem]](repeating: [], count: shardQueues.count)
        var pendingCount = 0
        while !stopping.load(ordering: .relaxed) {
            ingestHealth.idle.store(true, ordering: .relaxed)
            do {
                _ = try poll(&items, timeoutMilliseconds: 100)
            } catch {
                break
            }
            ingestHealth.idle.store(false, ordering: .relaxed)
            ingestHealth.tick()
            if shard != nil, let control = shardQueues[0].takeAll(timeout: 0) {
                for item in control where shard?.handle(item, daemon: self) == false { return }
            }
            // With detection threads, samples are handed over in small batches (one lock
            // and one wake-up per batch): a batch goes when it holds 64 samples or the
            // socket has nothing more, so a quiet stream waits for nothing.
            func flush() {
                for index in pending.indices where !pending[index].isEmpty {
                    shardQueues[index].append(contentsOf: pending[index])
                    pending[index].removeAll(keepingCapacity: true)
                }
                pendingCount = 0
            }
            defer { flush() }
            var budget = 4096
            while budget > 0, !stopping.load(ordering: .relaxed) {
                budget -= 1
                if pendingCount >= 64 { flush() }
                guard let frames = try? socket.receiveMultipart(dontWait: true) else { break }
                let receivedAt = ContinuousClock.now
                metrics.received.increment()
                metrics.receivedTotal.add(1, ordering: .relaxed)
                let maximumPayload = config.maximumPayloadBytes
                let outcome: Result<TelemetrySample, Rejection> = {
                    guard frames.count == 2 else {
                        return .failure(Rejection(.badFrames, "expected 2 frames [topic][payload], got \(frames.count)"))
                    }
                    let topicOK = frames[0].withUnsafeBytes { bytes in
                        bytes.count > prefix.count && bytes.starts(with: prefix) && String(validating: bytes, as: UTF8.self) != nil
                    }
                    guard topicOK else { return .failure(Rejection(.badTopic, "topic \"\(frames[0].string)\"")) }
                    guard frames[1].count <= maximumPayload else {
                        return .failure(Rejection(.oversized, "\(frames[1].count) bytes > \(maximumPayload)"))
                    }
                    let decoded = frames[1].withUnsafeBytes { bytes in
                        Result { () throws(Rejection) in try decoder.decode(bytes) }
                    }
                    // The topic names the payload's cell: `<prefix><cell>`, byte for byte.
                    if case .success(let sample) = decoded {
                        var cell = sample.cell
                        let matches = cell.withUTF8 { cellBytes in
                            frames[0].withUnsafeBytes { topic in
                                topic.count == prefix.count + cellBytes.count && topic.dropFirst(prefix.count).elementsEqual(cellBytes)
                            }
                        }
                        if !matches {
                            return .failure(Rejection(
                                .topicMismatch,
                                "payload of cell \"\(loggable(sample.cell))\" under topic \"\(loggable(frames[0].string))\" (expected \"\(loggable(config.topicPrefix + sample.cell))\")"))
                        }
                    }
                    return decoded
                }()
                switch outcome {
                case .failure(let rejection):
                    metrics.reject(rejection.reason)
                    limiter.log(
                        rejection, cell: rejection.reason > .oversized ? payloadCell(frames[1], decoder.lastCellRange) : nil,
                        topic: frames.isEmpty ? nil : frames[0].string, logger: logger)
                case .success(let sample):
                    let index = self.shard(of: sample.cell)
                    var names: MetricNames?
                    if namesSent[index] != decoder.metricNames.count {
                        names = decoder.metricNames
                        namesSent[index] = decoder.metricNames.count
                    }
                    let item = WorkItem.sample(sample, names: names, receivedAt: receivedAt)
                    if shard != nil {
                        if shard?.handle(item, daemon: self) == false { return }
                    } else {
                        pending[index].append(item)
                        pendingCount += 1
                    }
                }
            }
        }
    }

    // MARK: Detection

    func startWorker(_ index: Int, initial: Checkpoint) {
        let thread = Thread { [self] in workerLoop(index, initial: initial) }
        thread.name = "spikewatch-worker-\(index)"
        thread.start()
    }

    private func workerLoop(_ index: Int, initial: Checkpoint) {
        let health = workerHealth[index]
        defer { health.finished.store(true, ordering: .releasing) }
        var shard = Shard(index: index, initial: initial, daemon: self)
        while true {
            health.idle.store(true, ordering: .relaxed)
            guard let batch = shardQueues[index].takeAll(timeout: 0.1) else { return }
            health.idle.store(false, ordering: .relaxed)
            health.tick()
            for item in batch {
                guard shard.handle(item, daemon: self) else { return }
            }
        }
    }

    func wakePublisher() {
        var one: UInt8 = 1
        _ = write(alertWake.write, &one, 1)
    }

    // MARK: Alerts

    func startPublisher(_ config: DaemonConfiguration) {
        let thread = Thread { [self] in publisherLoop(config) }
        thread.name = "spikewatch-publisher"
        thread.start()
    }

    private func makePublisher(_ config: DaemonConfiguration) throws(ZMQError) -> Socket {
        let socket = try Socket(context, type: .extendedPublisher)
        try socket.setNoDrop(true)
        try socket.setSendHighWaterMark(config.alertHighWaterMark)
        try socket.setLinger(milliseconds: 2000)
        try applyCurve(socket, endpoints: [config.alertsEndpoint], serverKey: config.alertsServerKey, domain: "alerts")
        try socket.attach(config.alertsEndpoint)
        return socket
    }

    private func publisherLoop(_ config: DaemonConfiguration) {
        defer { publisherHealth.finished.store(true, ordering: .releasing) }
        let socket: Socket
        switch Result(catching: { () throws(ZMQError) -> Socket in try makePublisher(config) }) {
        case .success(let made): socket = made
        case .failure(let error):
            startupError.withLock { $0 = "alerts socket: \(error) (endpoint \(config.alertsEndpoint))" }
            publisherReady.store(-1, ordering: .releasing)
            return
        }
        logger.info("publishing alerts", metadata: ["zmq.endpoint": "\(config.alertsEndpoint)"])
        publisherReady.store(1, ordering: .releasing)
        var ledger = AlertLedger(nextSequence: initialSequence.load(ordering: .relaxed))
        var lastHeartbeat = ContinuousClock.now
        var lastResend = ContinuousClock.now
        var items = [socket.pollItem(), PollItem.fileDescriptor(alertWake.read)]
        func publish(_ alert: Alert) -> Bool {
            do {
                return try socket.send(topic: alert.topic, payload: alert.json(), dontWait: true)
            } catch {
                return false
            }
        }
        while true {
            let (resendInterval, heartbeatInterval) = configuration.withLock { ($0.resendInterval, $0.heartbeatInterval) }
            publisherHealth.idle.store(true, ordering: .relaxed)
            _ = try? poll(&items, timeoutMilliseconds: 50)
            publisherHealth.idle.store(false, ordering: .relaxed)
            publisherHealth.tick()
            var drained = [UInt8](repeating: 0, count: 256)
            while read(alertWake.read, &drained, drained.count) > 0 {}
            // Subscriptions arrive as messages on an XPUB; read them so its queue never fills.
            while let _ = try? socket.receiveMultipart(dontWait: true) {}
            let closed = stopping.load(ordering: .relaxed) && ingestHealth.finished.load(ordering: .acquiring)
                && workerHealth.allSatisfy { $0.finished.load(ordering: .acquiring) }
            let batch = alertQueue.takeAll(timeout: 0) ?? []
            for item in batch {
                switch item {
                case .sequence(let barrier):
                    barrier.deliver(ledger.nextSequence)
                case .transition(let transition):
                    // Numbered here, once; a repeated `cleared` is not published at all.
                    guard let alert = ledger.admit(transition) else { continue }
                    if publish(alert) {
                        metrics.alertsPublished[alert.state]!.increment()
                        if alert.state == .raised { metrics.raisedTotal.add(1, ordering: .relaxed) }
                    } else {
                        metrics.droppedSubscriberFull.increment()
                        metrics.droppedTotal.add(1, ordering: .relaxed)
                    }
                }
            }
            metrics.activeCount.store(ledger.open.count, ordering: .relaxed)
            metrics.cellCount.store(shardCells.reduce(0) { $0 + $1.current }, ordering: .relaxed)
            let now = ContinuousClock.now
            if now - lastResend >= .seconds(resendInterval) {
                lastResend = now
                for alert in ledger.resends {
                    if !publish(alert) {
                        metrics.droppedSubscriberFull.increment()
                        metrics.droppedTotal.add(1, ordering: .relaxed)
                    }
                }
            }
            if now - lastHeartbeat >= .seconds(heartbeatInterval) {
                lastHeartbeat = now
                var writer = JSONWriter()
                writer.raw("{\"v\":1")
                writer.key("ts")
                writer.number((Date().timeIntervalSince1970 * 1000).rounded() / 1000)
                writer.key("uptime_s")
                writer.number(Double((now - startedAt).components.seconds))
                writer.key("cells")
                writer.number(Int64(metrics.cellCount.load(ordering: .relaxed)))
                writer.key("active_alerts")
                writer.number(Int64(ledger.open.count))
                writer.byte(UInt8(ascii: "}"))
                _ = try? socket.send(topic: "heartbeat", payload: writer.bytes, dontWait: true)
            }
            if closed && alertQueue.count == 0 { break }
        }
    }

    // MARK: Checkpoints

    /// Collects every shard's state and writes the checkpoint atomically. The workers
    /// hand over copies of their state (copy-on-write, no pause); encoding and writing
    /// happen here, off the detection threads.
    func checkpoint() async {
        guard let directory = configuration.withLock({ $0.stateDirectory }) else { return }
        // Nothing new since the last one: keep the file as it is (a refused checkpoint of
        // another version, say, is not overwritten by an empty state).
        let processed = metrics.processedTotal.load(ordering: .relaxed)
        guard processed != checkpointedAt.load(ordering: .relaxed) else { return }
        let collector = SnapshotCollector(count: shardQueues.count)
        for queue in shardQueues {
            guard queue.append(.snapshot(collector)) else { return }
        }
        // Bounded, so shutdown (drain + this + publisher flush) stays within the unit's
        // 20 s stop timeout.
        let deadline = ContinuousClock.now + .seconds(8)
        while collector.complete == nil {
            if ContinuousClock.now > deadline {
                logger.error("checkpoint skipped: a detection thread did not answer within 8 s")
                return
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        guard collector.complete != nil else { return }
        // The publisher answers behind every transition queued before the snapshot, so the
        // `seq` saved is past every one of them.
        let barrier = SequenceBarrier()
        guard alertQueue.append(.sequence(barrier)) else { return }
        wakePublisher()
        while barrier.value == nil {
            if ContinuousClock.now > deadline {
                logger.error("checkpoint skipped: the publisher did not answer within 8 s")
                return
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        writeCheckpoint(collector.take(), alertSequence: barrier.value ?? 0, to: directory, processed: processed)
        // The snapshot is gone now, and with it the copies the detection threads made of
        // every cell they touched meanwhile; hand that memory back.
        releaseFreeMemory()
    }

    /// Merges the shards' snapshots and writes them; the snapshot dies with this call.
    private func writeCheckpoint(_ parts: [Checkpoint], alertSequence: Int64, to directory: String, processed: Int) {
        let merged = Checkpoint.merging(parts, alertSequence: alertSequence)
        do {
            try StateStore(directory: directory).save(merged)
            checkpointedAt.store(processed, ordering: .relaxed)
            logger.debug("checkpoint written", metadata: ["state.cells": "\(merged.tracker.cells.count)"])
        } catch {
            logger.error("checkpoint failed: \(error)")
            notifier.notify(.status("checkpoint failed: \(error)"))
        }
    }

    // MARK: Reload

    /// Re-reads the configuration file; applies it if valid, keeps the old one if not.
    func reload() {
        notifier.notify(.reloading)
        defer { notifier.notify(.ready) }
        guard let path = configurationPath else {
            logger.info("SIGHUP: no configuration file to re-read; nothing changes")
            notifier.notify(.status("reload: no configuration file; nothing changed"))
            return
        }
        let current = configuration.withLock { $0 }
        do {
            var next = try DaemonConfiguration.fromFile(path)
            try next.apply(environment: ProcessInfo.processInfo.environment)
            // Command-line overrides stay in force across reloads.
            next.applyPinned(from: current)
            try next.validate()
            let model = try Self.loadModel(next.modelPath)
            if next.telemetryEndpoints != current.telemetryEndpoints || next.alertsEndpoint != current.alertsEndpoint
                || next.topicPrefix != current.topicPrefix || next.workers != current.workers
                || next.metricsListen != current.metricsListen || next.stateDirectory != current.stateDirectory
            {
                logger.warning("SIGHUP: endpoints, topic prefix, workers, metrics.listen and state.directory change on restart only")
            }
            configuration.withLock { $0 = next }
            classifier.withLock { $0 = model }
            for queue in shardQueues {
                queue.append(.reconfigure(next.detector, model, limits: CellLimits(next, shards: shardQueues.count)))
            }
            logger.info("configuration reloaded", metadata: ["config.path": "\(path)"])
            notifier.notify(.status("configuration reloaded from \(path); " + metrics.statusLine()))
        } catch {
            logger.error("reload refused, keeping the running configuration: \(error)")
            notifier.notify(.status("reload refused, keeping the running configuration: \(error)"))
        }
    }

    /// Stops the daemon as SIGTERM would: drain, checkpoint, return from ``run()``.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    /// Samples processed so far (benchmarks).
    public var processedCount: Int { metrics.processedTotal.load(ordering: .relaxed) }

    /// Messages received so far (benchmarks).
    public var receivedCount: Int { metrics.receivedTotal.load(ordering: .relaxed) }

    /// Counts for tests and STATUS.
    public var statusLine: String { metrics.statusLine() }
}

/// The `cell` of a payload the decoder read (its raw bytes), when it found one.
func payloadCell(_ payload: Message, _ range: Range<Int>?) -> String? {
    guard let range else { return nil }
    return payload.withUnsafeBytes { bytes in
        range.lowerBound >= 0 && range.upperBound <= bytes.count
            ? String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) : nil
    }
}

/// glibc's `malloc_trim(0)`: returns free heap memory to the system. Glibc's Swift module
/// does not export it, so it is looked up once; elsewhere it is a no-op.
func releaseFreeMemory() {
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
}

/// One shard of the cells and what it has learned, driven by a detection thread (or, with
/// one shard, by the ingest thread itself): samples in, transitions to the publisher.
struct Shard {
    let index: Int
    var pipeline: Pipeline<SpikingDetector>
    var names = MetricNames()
    var limiter = RejectionLogLimiter()
    let stallAfter: Int?
    var processed = 0
    let topicPrefix: String
    var lastCapSweep = ContinuousClock.now

    init(index: Int, initial: Checkpoint, daemon: Daemon) {
        self.index = index
        pipeline = Pipeline(detector: initial.detector, tracker: initial.tracker)
        topicPrefix = daemon.configuration.withLock { $0.topicPrefix }
        stallAfter = index == 0 ? ProcessInfo.processInfo.environment["SPIKEWATCH_TEST_STALL_AFTER"].flatMap(Int.init) : nil
        daemon.shardCells[index].value.store(pipeline.detector.cellCount, ordering: .relaxed)
    }

    /// Handles one work item; false when the thread should stop (the stall hook).
    mutating func handle(_ item: WorkItem, daemon: Daemon) -> Bool {
        let metrics = daemon.metrics
        switch item {
        case .sample(let sample, let newNames, let receivedAt):
            if let newNames { names = newNames }
            if let stallAfter, processed >= stallAfter {
                // Test-only fault hook: a stalled loop, so the watchdog stops pinging.
                daemon.logger.warning("SPIKEWATCH_TEST_STALL_AFTER: detection stalls on purpose")
                while !daemon.stopping.load(ordering: .relaxed) { usleep(50_000) }
                return false
            }
            let gapsBefore = pipeline.gaps
            let restartsBefore = pipeline.restarts
            // The daemon's clock: plausibility of `ts` and idleness are judged on it.
            pipeline.tracker.now = Date().timeIntervalSince1970
            switch pipeline.process(sample, names: names) {
            case .failure(let rejection):
                metrics.reject(rejection.reason)
                limiter.log(rejection, cell: sample.cell, topic: topicPrefix + sample.cell, logger: daemon.logger)
                if rejection.reason == .tooManyCells && ContinuousClock.now - lastCapSweep >= .seconds(1) {
                    // At the cap: make room now if idle cells can go (at most once a second).
                    lastCapSweep = ContinuousClock.now
                    sweep(daemon: daemon)
                }
            case .success(let output):
                processed += 1
                daemon.shardCells[index].value.store(pipeline.detector.cellCount, ordering: .relaxed)
                metrics.processed.increment()
                metrics.processedTotal.add(1, ordering: .relaxed)
                if output.synapticEvents > 0 { metrics.synapticEvents.increment(by: Int64(output.synapticEvents)) }
                if !output.transitions.isEmpty {
                    daemon.alertQueue.append(contentsOf: output.transitions.map { PublisherItem.transition($0) })
                }
                if !output.transitions.isEmpty { daemon.wakePublisher() }
                metrics.processing.record(ContinuousClock.now - receivedAt)
            }
            if pipeline.gaps != gapsBefore {
                // Both are in [0, Int64.max] (the pipeline saturates), so this cannot overflow.
                let missing = pipeline.gaps - gapsBefore
                metrics.gaps.increment(by: missing)
                let total = metrics.gapsTotal.load(ordering: .relaxed)
                metrics.gapsTotal.store(Int(total.addingReportingOverflow(Int(missing)).overflow ? .max : total + Int(missing)), ordering: .relaxed)
            }
            if pipeline.restarts != restartsBefore {
                metrics.publisherRestarts.increment()
                metrics.restartsTotal.add(1, ordering: .relaxed)
            }
        case .snapshot(let collector):
            collector.deliver(index, Checkpoint(tracker: pipeline.tracker, detector: pipeline.detector))
        case .reconfigure(let settings, let classifier, let limits):
            pipeline.detector.reconfigure(settings: settings, classifier: classifier)
            limits.apply(to: &pipeline.tracker)
        case .sweep:
            sweep(daemon: daemon)
        case .clearAlerts(let reason):
            let active = pipeline.detector.activeAlerts
            for alert in active {
                let time = pipeline.tracker.cells[alert.cell]?.lastTimestamp ?? alert.startedAt
                clear(cell: alert.cell, startedAt: alert.startedAt, severity: alert.severity, kind: alert.kind, at: time, daemon: daemon)
            }
            if !active.isEmpty {
                daemon.logger.notice("cleared \(active.count) active alerts: \(reason)", metadata: ["shard": "\(index)"])
            }
        }
        return true
    }

    /// Evicts the cells silent longer than the idle limit on the daemon's clock.
    mutating func sweep(daemon: Daemon) {
        pipeline.tracker.now = Date().timeIntervalSince1970
        let evictions = pipeline.tracker.sweep()
        guard !evictions.isEmpty else { return }
        var active: [String: (cell: String, startedAt: Double, severity: Alert.Severity, kind: String)] = [:]
        for alert in pipeline.detector.activeAlerts { active[alert.cell] = alert }
        for eviction in evictions {
            var cleared = false
            if let alert = active[eviction.cell] {
                clear(cell: eviction.cell, startedAt: alert.startedAt, severity: alert.severity, kind: alert.kind,
                      at: eviction.lastTimestamp, daemon: daemon)
                cleared = true
            }
            pipeline.detector.forget(cell: eviction.cell)
            daemon.metrics.evicted(eviction.reason)
            daemon.logger.notice("cell evicted with what it learned: \(eviction.detail)", metadata: [
                "cell": "\(loggable(eviction.cell))", "reason": "\(eviction.reason.rawValue)", "alert_cleared": "\(cleared)",
            ])
        }
        daemon.shardCells[index].value.store(pipeline.detector.cellCount, ordering: .relaxed)
    }

    /// Publishes a `cleared` for an alert the detector will not clear itself (its cell is
    /// evicted, or the daemon stops without keeping what it learned); the publisher sends
    /// it on the topic of the alert's last severity.
    func clear(
        cell: String, startedAt: Double, severity: Alert.Severity, kind: String, at time: Double, daemon: Daemon
    ) {
        daemon.alertQueue.append(.transition(Alert(
            cell: cell, state: .cleared, severity: severity, kind: kind, score: 0, timestamp: time, startedAt: startedAt,
            sequence: 0, evidence: [])))
        daemon.wakePublisher()
    }
}
