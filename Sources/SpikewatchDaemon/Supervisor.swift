import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Systemd
import ZeroMQ

/// The supervisor: the daemon's main service. It starts the components, says READY=1,
/// then sleeps until the next timer is due: the watchdog ping, STATUS=, giving freed
/// memory back, the idle-cell sweep and the periodic checkpoint. On SIGTERM it stops the
/// components in order (README, "systemd").
struct Supervisor: Service {
    let daemon: Daemon

    /// STATUS= with live counts this often.
    static let statusPeriod: Duration = .seconds(5)
    /// Memory freed after a burst or a dropped connection goes back to the system this
    /// often, so RSS tracks what is in use (glibc keeps it otherwise).
    static let trimPeriod: Duration = .seconds(60)
    /// How long the components may take to finish their queues at a stop, after its
    /// checkpoint (which extends systemd's stop timeout as long as it takes).
    static let drainTimeout = 10.0
    /// How long the Alertmanager forwarder may take to deliver the last states at a stop.
    static let alertmanagerDrain = 5.0

    func run() async throws {
        let shared = daemon.shared
        try daemon.start()
        try await daemon.waitUntilReady()
        shared.notifier.notify(.ready, .status("ready; " + shared.metrics.statusLine()))
        shared.logger.notice("spikewatch ready", metadata: [
            "metrics.listen": "\(daemon.metricsAddress)", "model": "\(shared.current.modelPath ?? "none")",
        ])
        await supervise()
        let checkpointed = await shutDown()
        // What was learned since the last good checkpoint is lost: say so in the exit status.
        if !checkpointed {
            throw StateStoreError("the checkpoint at the stop could not be written (logged above); what was learned since the last one is lost")
        }
    }

    /// The timers, until a graceful shutdown (SIGTERM, SIGINT or ``Daemon/stop()``).
    private func supervise() async {
        let shared = daemon.shared
        let (checkpointInterval, idleEviction) = shared.configuration.withLock { ($0.checkpointInterval, $0.idleEviction) }
        let watchdog = shared.notifier.watchdogInterval
        // Idle cells (silent for the idle limit of telemetry time) are looked for a few
        // times per idle limit of wall-clock time (at most every minute, at least every
        // half second).
        let sweepPeriod = Duration.seconds(min(60, max(0.5, idleEviction / 4)))
        let pingPeriod = watchdog.map { $0 / 2 }
        // One decision for both the watchdog and `/healthz` (``LoopWatch``).
        let checkPeriod = pingPeriod ?? LoopWatch.defaultPeriod
        let watch = daemon.loopWatch
        let start = ContinuousClock.now
        var lastPing = start
        var nextCheck = start
        var nextStatus = start + Self.statusPeriod
        var nextTrim = start + Self.trimPeriod
        var nextSweep = start + sweepPeriod
        var nextCheckpoint: ContinuousClock.Instant? = checkpointInterval > 0 ? start + .seconds(checkpointInterval) : nil
        while !daemon.stopRequested.load(ordering: .relaxed) {
            let due = [nextCheck, nextStatus, nextTrim, nextSweep, nextCheckpoint].compactMap { $0 }.min()!
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: due, clock: .continuous) }
            } catch {
                break
            }
            let now = ContinuousClock.now
            if now >= nextCheck {
                // Ping only if every loop moved on or is idle in its wait.
                let stalled = watch.check()
                if stalled.isEmpty {
                    if pingPeriod != nil { shared.notifier.notify(.watchdog) }
                    lastPing = now
                } else if now - lastPing >= checkPeriod * 2 {
                    shared.logger.critical(
                        "a processing loop is stalled\(pingPeriod != nil ? "; withholding watchdog pings" : ""): \(stalled.joined(separator: ", "))")
                    lastPing = now
                }
                nextCheck = now + checkPeriod
            }
            if now >= nextStatus {
                nextStatus = now + Self.statusPeriod
                shared.notifier.notify(.status(shared.metrics.statusLine()))
            }
            if now >= nextTrim {
                nextTrim = now + Self.trimPeriod
                releaseFreeMemory()
            }
            if now >= nextSweep {
                nextSweep = now + sweepPeriod
                daemon.shards.broadcast(.sweep)
            }
            if let checkpoint = nextCheckpoint, now >= checkpoint {
                nextCheckpoint = now + .seconds(checkpointInterval)
                daemon.checkpointer.request()
            }
        }
    }

    /// Input stops first; the shards process what is queued (and, without a state
    /// directory, clear their open alerts), then answer the final snapshot queued behind
    /// it; then they stop, and the publisher sends the last transitions and stops.
    /// - Returns: whether the stop's checkpoint was written (or was not needed).
    private func shutDown() async -> Bool {
        let shared = daemon.shared
        let keepsState = shared.configuration.withLock { $0.stateDirectory != nil }
        shared.notifier.notify(.stopping)
        if keepsState {
            shared.logger.notice("stopping: draining, checkpointing (active alerts stay open: the learned state, and with it each alert, resumes on restart)")
        } else {
            shared.logger.notice("stopping: draining; learning is not kept (no state directory), so active alerts are cleared")
        }
        shared.stopping.fire()
        daemon.ingest.stop()
        _ = await daemon.ingest.stopped.wait(timeout: Self.drainTimeout)
        if !keepsState {
            // Nothing learned survives this stop, so no alert can ever be cleared later:
            // each shard clears its open alerts behind the samples it has queued.
            daemon.shards.broadcast(.clearAlerts(reason: "the daemon stops and learning is not kept without a state directory"))
        }
        let checkpointed = await daemon.checkpointer.final()
        // Time for the drain that follows, however long the checkpoint took.
        shared.notifier.notify(.extendTimeout(.seconds(Self.drainTimeout + Self.alertmanagerDrain + 10)))
        daemon.shards.close()
        let deadline = Date().addingTimeInterval(Self.drainTimeout)
        for health in daemon.shards.health {
            _ = await health.finished.wait(timeout: max(0, deadline.timeIntervalSinceNow))
        }
        daemon.publisher.close()
        _ = await daemon.publisher.health.finished.wait(timeout: max(0, deadline.timeIntervalSinceNow))
        // The last transitions (the clears of a stop without a state directory) still go
        // to Alertmanager, for a few seconds at most.
        await daemon.forwarder.finish(timeout: min(Self.alertmanagerDrain, max(0, deadline.timeIntervalSinceNow)))
        if let endpoint = daemon.metricsEndpoint.withLock({ $0 }) { await endpoint.stop() }
        daemon.curve.authenticator?.stop()
        shared.logger.notice("stopped; \(shared.metrics.statusLine())")
        // STOPPING=1 and the extensions went out on the notifier's own thread: not lost
        // with the process (unless systemd stopped reading its socket).
        shared.notifier.flush(timeout: .seconds(1))
        return checkpointed
    }
}
