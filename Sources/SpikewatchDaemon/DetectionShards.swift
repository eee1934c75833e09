import Detection
import Foundation
import Logging
import Prometheus
import Synchronization
import Logging
import Telemetry

/// The detection shards: the cells, split by a hash of their id, each shard's learned
/// state owned by one thread (a detection thread, or the ingest thread itself when there
/// is one shard). Samples, snapshot requests, reconfiguration and sweeps reach a shard
/// through its queue; transitions leave for the ``AlertPublisher``.
final class DetectionShards: Sendable {
    /// Samples a shard's queue holds before the ingest thread waits (back-pressure
    /// instead of unbounded memory when detection falls behind).
    static let queueCapacity = 65_536

    let shared: DaemonShared
    let publisher: AlertPublisher
    let queues: [BlockingQueue<WorkItem>]
    let health: [LoopHealth]
    let cells: [AtomicCount]
    /// Each shard's per-cell figures, for the per-cell gauges (``CellFigures``).
    let cellFigures: [ShardCellFigures]
    /// Test hook: shard 0 stalls after this many samples.
    let stallAfter: Int?
    /// Wakes the ingest thread when work is queued for a shard it runs itself.
    let inlineWake: WakePipe

    init(count: Int, shared: DaemonShared, publisher: AlertPublisher, stallAfter: Int?) throws {
        let count = max(1, count)
        self.shared = shared
        self.publisher = publisher
        self.stallAfter = stallAfter
        queues = (0..<count).map { _ in BlockingQueue<WorkItem>(capacity: Self.queueCapacity) }
        health = (0..<count).map { LoopHealth(name: "worker-\($0)") }
        cells = (0..<count).map { _ in AtomicCount() }
        cellFigures = (0..<count).map { _ in ShardCellFigures() }
        inlineWake = try WakePipe()
    }

    var count: Int { queues.count }

    /// One shard: detection runs on the ingest thread, saving a hand-off and a wake-up per
    /// message (latency and throughput on small boxes).
    var runsInline: Bool { queues.count == 1 }

    /// Cells with learned state, over every shard.
    var cellTotal: Int { cells.reduce(0) { $0 + $1.current } }

    /// A shard's cell count changed: the `spikewatch_cells` gauge follows at once.
    func setCellCount(_ count: Int, of index: Int) {
        guard cells[index].current != count else { return }
        cells[index].value.store(count, ordering: .relaxed)
        shared.metrics.cellCount.store(cellTotal, ordering: .relaxed)
    }

    /// The shard of a cell: a stable hash (FNV-1a) of its id.
    func shard(of cell: String) -> Int {
        var cell = cell
        let hash = cell.withUTF8 { bytes in
            bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        }
        return Int(hash % UInt64(queues.count))
    }

    /// Queues an item for every shard; false once they are closed.
    @discardableResult
    func broadcast(_ item: WorkItem) -> Bool {
        var accepted = true
        for queue in queues { accepted = queue.append(item) && accepted }
        if runsInline { inlineWake.notify() }
        return accepted
    }

    /// No more work: each thread finishes its queue and ends.
    func close() {
        for queue in queues { queue.close() }
        if runsInline { inlineWake.notify() }
    }

    /// Starts a detection thread per shard (with more than one shard).
    func startWorkers(_ parts: [Checkpoint]) {
        for (index, part) in parts.enumerated() {
            let thread = Thread { [self] in work(index, initial: part) }
            thread.name = "spikewatch-worker-\(index)"
            thread.start()
        }
    }

    private func work(_ index: Int, initial: Checkpoint) {
        let health = self.health[index]
        defer { health.finished.fire() }
        var shard = Shard(index: index, initial: initial, shards: self)
        while true {
            health.idle.store(true, ordering: .relaxed)
            // Waits on the queue's condition; the timeout only bounds one wait.
            guard let batch = queues[index].takeAll(timeout: 3600) else { return }
            health.idle.store(false, ordering: .relaxed)
            health.tick()
            for item in batch {
                guard shard.handle(item) else { return }
            }
        }
    }
}

/// One shard of the cells and what it has learned: samples in, transitions out.
struct Shard {
    let index: Int
    let shards: DetectionShards
    var pipeline: Pipeline<SpikingDetector>
    var names = MetricNames()
    var limiter = RejectionLogLimiter()
    var processed = 0
    let topicPrefix: String
    var lastCapSweep = ContinuousClock.now
    /// The per-cell figures of this shard's cells (the same boxes as in
    /// `shards.cellFigures[index]`, found here without its lock).
    var figures: [ExactKey: CellFigures] = [:]
    /// At the cell cap, idle cells are swept at most this often (a sweep walks every cell).
    static let capSweepPeriod: Duration = .seconds(1)

    init(index: Int, initial: Checkpoint, shards: DetectionShards) {
        self.index = index
        self.shards = shards
        pipeline = Pipeline(detector: initial.detector, tracker: initial.tracker)
        topicPrefix = shards.shared.configuration.withLock { $0.topicPrefix }
        shards.setCellCount(pipeline.detector.cellCount, of: index)
        // Restored cells count as seen when the daemon starts (as for idle eviction).
        let open = Set(pipeline.detector.activeAlerts.map { ExactKey($0.cell) })
        for (cell, record) in pipeline.tracker.cells {
            figures[cell] = CellFigures(lastSample: record.lastSeen, alertOpen: open.contains(cell))
        }
        shards.cellFigures[index].keep(only: figures)
    }

    var logger: Logger { shards.shared.logger }

    /// Handles one work item; false when the thread should stop (the stall hook).
    mutating func handle(_ item: WorkItem) -> Bool {
        let metrics = shards.shared.metrics
        switch item {
        case .sample(let sample, let newNames, let receivedAt):
            if let newNames { names = newNames }
            if index == 0, let stallAfter = shards.stallAfter, processed >= stallAfter {
                // Test hook: a stalled loop, so the watchdog stops pinging.
                logger.warning("test hook: detection stalls on purpose after \(stallAfter) samples")
                _ = shards.shared.stopping.block(timeout: .infinity)
                return false
            }
            let gapsBefore = pipeline.gaps
            let restartsBefore = pipeline.restarts
            let resetsBefore = pipeline.clockResets
            // The wall clock: a `ts` far ahead of it is implausible, and the idleness clock
            // (telemetry time) never runs ahead of it.
            let now = Date().timeIntervalSince1970
            pipeline.tracker.now = now
            switch pipeline.process(sample, names: names) {
            case .failure(let rejection):
                // (Timed before it is counted: a reader who sees the count sees the time.)
                metrics.processing.record(ContinuousClock.now - receivedAt)
                metrics.reject(rejection.reason)
                figures[ExactKey(sample.cell)]?.rejections.add(1, ordering: .relaxed)
                limiter.log(rejection, cell: sample.cell, topic: topicPrefix + sample.cell, logger: logger)
                if rejection.reason == .tooManyCells && ContinuousClock.now - lastCapSweep >= Self.capSweepPeriod {
                    // At the cap: make room now if idle cells can go.
                    lastCapSweep = ContinuousClock.now
                    sweep()
                }
            case .success(let output):
                processed += 1
                acceptedCellFigures(sample.cell, now: now).accepted(score: output.score, at: now)
                for transition in output.transitions {
                    figures[ExactKey(sample.cell)]?.alertOpen.store(transition.state != .cleared, ordering: .relaxed)
                }
                shards.setCellCount(pipeline.detector.cellCount, of: index)
                metrics.processing.record(ContinuousClock.now - receivedAt)
                metrics.processed.increment()
                metrics.processedTotal.add(1, ordering: .relaxed)
                if output.synapticEvents > 0 { metrics.synapticEvents.increment(by: Int64(output.synapticEvents)) }
                shards.publisher.publish(output.transitions)
            }
            if pipeline.gaps != gapsBefore {
                // Both are in [0, Int64.max] (the pipeline saturates), so this cannot overflow.
                let missing = pipeline.gaps - gapsBefore
                metrics.gaps.increment(by: missing)
                let total = metrics.gapsTotal.load(ordering: .relaxed)
                metrics.gapsTotal.store(Int(total.addingReportingOverflow(Int(missing)).overflow ? .max : total + Int(missing)), ordering: .relaxed)
            }
            if pipeline.clockResets != resetsBefore {
                logger.notice("cell restarted with nothing learned: its clock went back for good", metadata: [
                    "cell": "\(loggable(sample.cell))", "ts": "\(sample.timestamp)",
                ])
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
            sweep()
        case .clearAlerts(let reason):
            let active = pipeline.detector.activeAlerts
            for alert in active {
                let time = pipeline.tracker.cells[ExactKey(alert.cell)]?.lastTimestamp ?? alert.startedAt
                clear(cell: alert.cell, startedAt: alert.startedAt, severity: alert.severity, kind: alert.kind, at: time)
            }
            if !active.isEmpty {
                logger.notice("cleared \(active.count) active alerts: \(reason)", metadata: ["shard": "\(index)"])
            }
        }
        return true
    }

    /// The box of a cell that just had a sample accepted: made (and published for
    /// scrapes) the first time, found without a lock after that.
    mutating func acceptedCellFigures(_ cell: String, now: Double) -> CellFigures {
        if let box = figures[ExactKey(cell)] { return box }
        let box = CellFigures(lastSample: now, alertOpen: false)
        figures[ExactKey(cell)] = box
        shards.cellFigures[index].insert(cell, box)
        if figures.count > pipeline.tracker.cells.count {
            // A cell left the tracker some other way: its box goes too.
            figures = figures.filter { pipeline.tracker.cells[$0.key] != nil }
            shards.cellFigures[index].keep(only: figures)
        }
        return box
    }

    /// Evicts the cells silent longer than the idle limit of telemetry time (the stream's
    /// time as a whole, never ahead of the wall clock).
    mutating func sweep() {
        pipeline.tracker.now = Date().timeIntervalSince1970
        let evictions = pipeline.tracker.sweep()
        guard !evictions.isEmpty else { return }
        var active: [ExactKey: (cell: String, startedAt: Double, severity: Alert.Severity, kind: String)] = [:]
        for alert in pipeline.detector.activeAlerts { active[ExactKey(alert.cell)] = alert }
        for eviction in evictions {
            var cleared = false
            if let alert = active[ExactKey(eviction.cell)] {
                clear(cell: eviction.cell, startedAt: alert.startedAt, severity: alert.severity, kind: alert.kind, at: eviction.lastTimestamp)
                cleared = true
            }
            pipeline.detector.forget(cell: eviction.cell)
            figures[ExactKey(eviction.cell)] = nil
            shards.cellFigures[index].remove(eviction.cell)
            shards.shared.metrics.evicted(eviction.reason)
            logger.notice("cell evicted with what it learned: \(eviction.detail)", metadata: [
                "cell": "\(loggable(eviction.cell))", "reason": "\(eviction.reason.rawValue)", "alert_cleared": "\(cleared)",
            ])
        }
        shards.setCellCount(pipeline.detector.cellCount, of: index)
    }

    /// Publishes a `cleared` for an alert the detector will not clear itself (its cell is
    /// evicted, or the daemon stops without keeping what it learned); the publisher sends
    /// it on the topic of the alert's last severity.
    func clear(cell: String, startedAt: Double, severity: Alert.Severity, kind: String, at time: Double) {
        figures[ExactKey(cell)]?.alertOpen.store(false, ordering: .relaxed)
        shards.publisher.publish([Alert(
            cell: cell, state: .cleared, severity: severity, kind: kind, score: 0, timestamp: time, startedAt: startedAt,
            sequence: 0, evidence: [])])
    }
}
