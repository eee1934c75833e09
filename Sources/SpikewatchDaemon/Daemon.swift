import Detection
import Foundation
public import Logging
import ServiceLifecycle
import Synchronization
import Systemd
import Telemetry
import UnixSignals
import ZeroMQ

/// Hooks a test injects into a daemon; production runs leave them empty.
public struct DaemonHooks: Sendable {
    /// Detection shard 0 stops making progress after this many samples (as a stuck loop
    /// would), so the watchdog stops pinging.
    public var stallDetectionAfter: Int?
    /// Every checkpoint takes this many seconds more to save, and a restored one to load
    /// (as a very large state would), so the extensions of systemd's timeouts can be seen.
    public var checkpointDelay: Double?

    public init(stallDetectionAfter: Int? = nil, checkpointDelay: Double? = nil) {
        self.stallDetectionAfter = stallDetectionAfter
        self.checkpointDelay = checkpointDelay
    }
}

/// The spikewatch daemon: telemetry in over ZeroMQ, per-cell spiking detection sharded
/// over threads, alerts out over ZeroMQ, under systemd's notify protocol.
///
/// It is put together from components, each owning its thread and its state (README,
/// "Architecture"): ``Ingest`` (the SUB socket), ``DetectionShards`` (the cells),
/// ``AlertPublisher`` (the XPUB socket, the alert `seq` and the open alerts),
/// ``Checkpointer`` (the checkpoint file), ``Reloader`` (SIGHUP), ``MetricsEndpoint``
/// (HTTP) and ``Supervisor`` (start, READY, the watchdog, timers and the stop).
public final class Daemon: Sendable {
    let shared: DaemonShared
    let configurationPath: String?
    let context: Context
    let curve: CurveSetup
    /// The fault-class model the daemon starts with.
    let classifier: FaultClassifier?
    let publisher: AlertPublisher
    let shards: DetectionShards
    let ingest: Ingest
    let checkpointer: Checkpointer
    /// The watchdog's view of the processing loops (the supervisor checks, `/healthz` reads).
    let loopWatch: LoopWatch
    /// Posts the transitions to Alertmanager (idle without `alertmanager.urls`).
    let forwarder: AlertmanagerForwarder
    let metricsEndpoint = Mutex<MetricsEndpoint?>(nil)
    /// The running service group, for ``stop()``.
    let group = Mutex<ServiceGroup?>(nil)
    let stopRequested = Atomic<Bool>(false)

    /// Creates a daemon and checks its configuration; nothing runs until ``run()``.
    /// - Parameter configurationPath: the file SIGHUP re-reads (nil: SIGHUP only acknowledges).
    public init(configuration: DaemonConfiguration, configurationPath: String?, logger: Logger, hooks: DaemonHooks = DaemonHooks()) throws {
        shared = DaemonShared(configuration: configuration, logger: logger)
        self.configurationPath = configurationPath
        context = try Context()
        classifier = try Reloader.loadModel(configuration.modelPath)
        try configuration.validate()
        if let directory = configuration.stateDirectory, let problem = StateStore(directory: directory).problem() {
            throw ConfigurationError(problem)
        }
        curve = try CurveSetup(configuration, context: context)
        forwarder = AlertmanagerForwarder(shared: shared)
        publisher = try AlertPublisher(shared: shared, forwarder: forwarder)
        shards = try DetectionShards(
            count: configuration.workers, shared: shared, publisher: publisher, stallAfter: hooks.stallDetectionAfter)
        ingest = Ingest(shared: shared, shards: shards)
        checkpointer = Checkpointer(shared: shared, shards: shards, publisher: publisher, delay: hooks.checkpointDelay)
        loopWatch = LoopWatch([ingest.health, publisher.health] + shards.health)
    }

    /// Runs until SIGTERM, SIGINT or ``stop()``: restores state, starts the threads, tells
    /// systemd READY=1, keeps the watchdog fed, reloads on SIGHUP, and on shutdown drains,
    /// checkpoints and returns.
    public func run() async throws {
        let reloader = Reloader(shared: shared, shards: shards, configurationPath: configurationPath, forwarder: forwarder)
        let supervisor = Supervisor(daemon: self)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: supervisor, successTerminationBehavior: .gracefullyShutdownGroup,
                          failureTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: reloader),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: shared.logger))
        self.group.withLock { $0 = group }
        if stopRequested.load(ordering: .relaxed) { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    /// Stops the daemon as SIGTERM would: drain, checkpoint, return from ``run()``.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        guard let group = group.withLock({ $0 }) else { return }
        Task { await group.triggerGracefulShutdown() }
    }

    /// Restores the checkpoint (if any) and starts every component's thread.
    func start() throws {
        let config = shared.current
        let logger = shared.logger
        let limits = CellLimits(config, shards: shards.count)
        var parts: [Checkpoint] = (0..<shards.count).map { _ in
            var tracker = SequenceTracker()
            limits.apply(to: &tracker)
            return Checkpoint(tracker: tracker, detector: SpikingDetector(settings: config.detector, classifier: classifier))
        }
        var initialSequence: Int64 = 0
        if let directory = config.stateDirectory {
            let lock: StateLock
            do { lock = try StateStore(directory: directory).claim() } catch { throw ConfigurationError(error.description) }
            checkpointer.lock.withLock { $0 = lock }
            // Restoring a large state takes a while (about 3 s per 1,000 cells of 20
            // metrics): meanwhile systemd's start timeout is extended every few seconds.
            let restored = Signal()
            let extender = Thread { [shared] in
                while !restored.block(timeout: Checkpointer.extensionStep) {
                    shared.notifier.notify(.extendTimeout(.seconds(3 * Checkpointer.extensionStep)))
                }
            }
            extender.name = "spikewatch-restore-extend"
            extender.start()
            let stored = StateStore(directory: directory).load()
            if let delay = checkpointer.delay, delay > 0, case .loaded = stored { Thread.sleep(forTimeInterval: min(delay, 3600)) }
            restored.fire()
            switch stored {
            case .none:
                logger.info("no checkpoint yet; learning from scratch", metadata: ["state.directory": "\(directory)"])
            case .refused(let message):
                checkpointer.keepRefused.store(true, ordering: .relaxed)
                logger.error("checkpoint refused, starting fresh: \(message)")
                shared.notifier.notify(.status("checkpoint refused, starting fresh: \(message)"))
            case .loaded(let checkpoint):
                parts = checkpoint.partitioned(into: shards.count) { self.shards.shard(of: $0) }
                let now = Date().timeIntervalSince1970
                for index in parts.indices {
                    limits.apply(to: &parts[index].tracker)
                    parts[index].detector.reconfigure(settings: config.detector, classifier: classifier)
                    // A checkpoint written before implausible times were refused may hold
                    // one: that cell starts afresh rather than refusing its samples.
                    parts[index].tracker.now = now
                    for eviction in parts[index].tracker.evictImplausible() {
                        parts[index].detector.forget(cell: eviction.cell)
                        shared.metrics.evicted(eviction.reason)
                        logger.warning("cell evicted with what it learned: its checkpointed time cannot be right: \(eviction.detail)", metadata: [
                            "cell": "\(loggable(eviction.cell))", "reason": "\(eviction.reason.rawValue)",
                        ])
                    }
                    // Nobody was listening while the daemon was down: idleness counts from
                    // now (the telemetry time that resumes, as live telemetry keeps up with
                    // the wall clock).
                    parts[index].tracker.markAllSeen(at: now)
                }
                initialSequence = checkpoint.alertSequence
                logger.info(
                    "restored learned state of \(checkpoint.tracker.cells.count) cells",
                    metadata: ["state.path": "\(directory)/state.json", "alert.seq": "\(checkpoint.alertSequence)"])
            }
        }
        if let authenticator = curve.authenticator, let keys = curve.keys {
            do { try authenticator.start() } catch {
                throw ConfigurationError("cannot start the CURVE authenticator: \(error)")
            }
            logger.info("CURVE on: telemetry and alerts are encrypted", metadata: [
                "curve.public_key": "\(keys.publicKey.z85)",
                "curve.publishers": "\(config.allowedPublishersFile ?? "any with the key")",
                "curve.subscribers": "\(config.allowedSubscribersFile ?? "any with the key")",
            ])
        }
        if let listen = config.metricsListen {
            let endpoint = try MetricsEndpoint(
                listen: listen, metrics: shared.metrics, logger: logger,
                exposition: { [weak self] in self?.exposition() ?? [] }, stalled: { [loopWatch] in loopWatch.stalled })
            metricsEndpoint.withLock { $0 = endpoint }
        }
        for (index, part) in parts.enumerated() { shards.setCellCount(part.detector.cellCount, of: index) }
        forwarder.start()
        publisher.start(context: context, curve: curve, initialSequence: initialSequence)
        checkpointer.start()
        if shards.runsInline {
            ingest.start(context: context, curve: curve, inline: parts[0])
        } else {
            shards.startWorkers(parts)
            ingest.start(context: context, curve: curve, inline: nil)
        }
    }

    /// What the start-up line says of the metrics listener: the bound address, or "off".
    var metricsAddress: String {
        metricsEndpoint.withLock { endpoint in
            endpoint?.boundAddress ?? "off"
        }
    }

    /// The text exposition served at `/metrics`: the registry's counters, then the
    /// build, the per-cell and the process families.
    func exposition() -> [UInt8] {
        var text = shared.metrics.exposition()
        text += Array(SpikewatchBuild.exposition.utf8)
        text += Array(cellExposition(shards.cellFigures, now: Date().timeIntervalSince1970).utf8)
        text += Array(ProcessMetrics.exposition().utf8)
        return text
    }

    /// Waits until both sockets are attached; throws the startup error if one failed.
    func waitUntilReady() async throws {
        _ = await ingest.ready.wait(timeout: .infinity)
        if let message = ingest.startupError.withLock({ $0 }) { throw ConfigurationError(message) }
        _ = await publisher.ready.wait(timeout: .infinity)
        if let message = publisher.startupError.withLock({ $0 }) { throw ConfigurationError(message) }
    }

    /// Samples processed so far (benchmarks).
    public var processedCount: Int { shared.metrics.processedTotal.load(ordering: .relaxed) }

    /// Messages received so far (benchmarks).
    public var receivedCount: Int { shared.metrics.receivedTotal.load(ordering: .relaxed) }

    /// Counts for tests and STATUS.
    public var statusLine: String { shared.metrics.statusLine() }
}
