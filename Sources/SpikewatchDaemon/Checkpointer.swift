import Detection
import Foundation
import Logging
import Synchronization
import Systemd
import Telemetry

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The checkpointer: owns the checkpoint file (docs/checkpoint.md) and a thread that
/// writes it. On request it collects a copy-on-write snapshot from every shard (queued
/// behind their samples), asks the publisher for the `seq` past every transition queued
/// before the snapshot, and writes the merged state atomically (``StateStore``), off the
/// detection threads and off the cooperative pool.
final class Checkpointer: Sendable {
    /// How long a shard or the publisher may take to answer a snapshot request (a stuck
    /// one must not hold a checkpoint, or a stop, for ever).
    static let answerTimeout = 8.0

    enum Request: Sendable {
        case periodic
        /// The last checkpoint of a stop; `done` fires when it is written (or skipped).
        case final(done: Signal)
    }

    let shared: DaemonShared
    let shards: DetectionShards
    let publisher: AlertPublisher
    let requests = BlockingQueue<Request>()
    /// Samples processed when the last checkpoint was written.
    let checkpointedAt = Atomic<Int>(0)
    /// Whether the last checkpoint write failed (the stop's decides the exit status).
    let lastWriteFailed = Atomic<Bool>(false)
    /// The checkpoint found at the start was refused (another version, damaged): before
    /// the first checkpoint replaces it, it is kept as `state.json.refused`, so a
    /// downgrade or a damaged file loses nothing an operator could still recover.
    let keepRefused = Atomic<Bool>(false)
    /// The lock on the state directory (taken at the start; taken again before a write
    /// if the directory was deleted or replaced meanwhile).
    let lock = Mutex<StateLock?>(nil)

    /// Test hook: seconds every checkpoint waits before it is saved (``DaemonHooks``).
    let delay: Double?

    init(shared: DaemonShared, shards: DetectionShards, publisher: AlertPublisher, delay: Double? = nil) {
        self.shared = shared
        self.shards = shards
        self.publisher = publisher
        self.delay = delay
    }

    func start() {
        let thread = Thread { [self] in
            // Waits on the request queue; the timeout only bounds one wait.
            while let batch = requests.takeAll(timeout: 3600) {
                var wrote = false
                for request in batch {
                    switch request {
                    case .periodic:
                        // Requests that queued up while one was written make one checkpoint.
                        if !wrote { checkpoint() }
                        wrote = true
                    case .final(let done):
                        checkpoint()
                        done.fire()
                    }
                }
            }
        }
        thread.name = "spikewatch-checkpoint"
        thread.start()
    }

    /// Asks for a checkpoint (the periodic timer).
    func request() { requests.append(.periodic) }

    /// The stop's checkpoint, after every queued sample; returns once it is written (or
    /// found unneeded), true, or after `limit` seconds, false (logged). A large state
    /// takes a while (about 2 s per 1,000 cells of 20 metrics): meanwhile systemd's stop
    /// timeout is extended every few seconds (`EXTEND_TIMEOUT_USEC`), so the write is not
    /// killed half-way.
    func final(limit: Double = Checkpointer.finalLimit) async -> Bool {
        let done = Signal()
        guard requests.append(.final(done: done)) else { return true }
        defer { requests.close() }
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(limit) {
            if await done.wait(timeout: Self.extensionStep) { return !lastWriteFailed.load(ordering: .relaxed) }
            shared.notifier.notify(.extendTimeout(.seconds(3 * Self.extensionStep)))
        }
        // Given up: a save still under way must not put a file in place as the process
        // exits, nor make the stop look successful.
        abandoned.store(true, ordering: .relaxed)
        shared.logger.error("the checkpoint at the stop did not finish within \(Int(limit)) s: what was learned since the last one is lost")
        lastWriteFailed.store(true, ordering: .relaxed)
        return false
    }

    /// The stop gave up on its checkpoint: none is saved any more.
    let abandoned = Atomic<Bool>(false)

    /// The longest the stop waits for its checkpoint (seconds).
    static let finalLimit = 600.0
    /// How often the stop's timeout is extended while its checkpoint is written (seconds).
    static let extensionStep = 5.0

    private func checkpoint() {
        let logger = shared.logger
        guard let directory = shared.configuration.withLock({ $0.stateDirectory }) else { return }
        // Nothing new since the last one: keep the file as it is (a refused checkpoint of
        // another version, say, is not overwritten by an empty state).
        let processed = shared.metrics.processedTotal.load(ordering: .relaxed)
        // Written again even with nothing new when the file is gone (its directory
        // deleted under the daemon): what was learned must not be lost at the stop.
        guard processed != checkpointedAt.load(ordering: .relaxed)
            || !FileManager.default.fileExists(atPath: StateStore(directory: directory).path)
        else { return }
        let collector = SnapshotCollector(count: shards.count)
        guard shards.broadcast(.snapshot(collector)) else { return }
        guard let parts = collector.take(timeout: Self.answerTimeout) else {
            logger.error("checkpoint skipped: a detection thread did not answer within \(Int(Self.answerTimeout)) s")
            lastWriteFailed.store(true, ordering: .relaxed)
            return
        }
        // Every transition a shard produced before its snapshot is queued at the publisher
        // by now; its answer comes after them, so the `seq` saved is past every one.
        guard let sequence = publisher.nextSequence(timeout: Self.answerTimeout) else {
            logger.error("checkpoint skipped: the publisher did not answer within \(Int(Self.answerTimeout)) s")
            lastWriteFailed.store(true, ordering: .relaxed)
            return
        }
        write(consume parts, alertSequence: sequence, to: directory, processed: processed)
        // The snapshot died with that call, and with it the copies the detection threads
        // made of every cell they touched meanwhile; hand that memory back.
        releaseFreeMemory()
    }

    /// Merges the shards' snapshots and writes them; the snapshot dies with this call.
    private func write(_ parts: consuming [Checkpoint], alertSequence: Int64, to directory: String, processed: Int) {
        let merged = Checkpoint.merging(parts, alertSequence: alertSequence)
        let store = StateStore(directory: directory)
        // The directory deleted or replaced under the daemon: lock it again first, or
        // write nothing if another daemon has taken it since.
        let locked = lock.withLock { held -> Bool in
            if let current = held, current.holds(store.lockPath) { return true }
            do {
                held = try store.claim()
                shared.logger.warning("the state directory was deleted or replaced; it is locked again", metadata: ["state.directory": "\(directory)"])
                return true
            } catch {
                shared.logger.error("checkpoint not written: \(error)")
                return false
            }
        }
        guard locked else {
            lastWriteFailed.store(true, ordering: .relaxed)
            return
        }
        if keepRefused.exchange(false, ordering: .relaxed) {
            if rename(store.path, store.refusedPath) == 0 {
                shared.logger.notice("the refused checkpoint is kept as \(store.refusedPath); a new one replaces it")
            }
        }
        if let delay, delay > 0 { Thread.sleep(forTimeInterval: min(delay, 3600)) }
        guard !abandoned.load(ordering: .relaxed) else { return }
        do {
            try store.save(merged)
            checkpointedAt.store(processed, ordering: .relaxed)
            lastWriteFailed.store(false, ordering: .relaxed)
            shared.logger.debug("checkpoint written", metadata: ["state.cells": "\(merged.tracker.cells.count)"])
        } catch {
            lastWriteFailed.store(true, ordering: .relaxed)
            shared.logger.error("checkpoint failed: \(error)")
            shared.notifier.notify(.status("checkpoint failed: \(error)"))
        }
    }
}

/// glibc's `malloc_trim(0)`: returns free heap memory to the system. Glibc's Swift module
/// does not export it, so it is looked up once; elsewhere it is a no-op.
func releaseFreeMemory() {
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
}
