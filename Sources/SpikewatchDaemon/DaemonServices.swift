import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Systemd
import UnixSignals
import ZeroMQ

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The daemon's main service: start, READY, watchdog and status, checkpoints, shutdown.
struct MainService: Service {
    let daemon: Daemon

    func run() async throws {
        try daemon.start()
        try await daemon.waitUntilReady()
        daemon.notifier.notify(.ready, .status("ready; " + daemon.metrics.statusLine()))
        daemon.logger.notice("spikewatch ready")
        let watchdog = daemon.notifier.watchdogInterval
        let (checkpointInterval, idleEviction, stateDirectory) = daemon.configuration.withLock {
            ($0.checkpointInterval, $0.idleEviction, $0.stateDirectory)
        }
        // Idle cells are evicted on the daemon's clock, a few times per idle limit (at
        // most every minute, at least every half second).
        var lastSweep = ContinuousClock.now
        let sweepEvery = Duration.seconds(min(60, max(0.5, idleEviction / 4)))
        let loops = [daemon.ingestHealth, daemon.publisherHealth] + daemon.workerHealth
        var seen = loops.map { $0.progress.load(ordering: .relaxed) }
        var lastPing = ContinuousClock.now - .seconds(3600)
        var lastStatus = ContinuousClock.now
        var lastCheckpoint = ContinuousClock.now
        var lastTrim = ContinuousClock.now
        let pingEvery = watchdog.map { $0 / 2 } ?? .seconds(3600)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !daemon.stopping.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(100))
                let now = ContinuousClock.now
                if watchdog != nil && now - lastPing >= pingEvery {
                    // Ping only if every loop moved on or is idle in its wait.
                    let progress = loops.map { $0.progress.load(ordering: .relaxed) }
                    let healthy = zip(loops, zip(progress, seen)).allSatisfy { loop, pair in
                        pair.0 != pair.1 || loop.idle.load(ordering: .relaxed)
                    }
                    seen = progress
                    if healthy {
                        daemon.notifier.notify(.watchdog)
                        lastPing = now
                    } else if now - lastPing >= pingEvery * 2 {
                        daemon.logger.critical("a processing loop is stalled; withholding watchdog pings")
                        lastPing = now
                    }
                }
                if now - lastStatus >= .seconds(5) {
                    lastStatus = now
                    daemon.notifier.notify(.status(daemon.metrics.statusLine()))
                }
                if now - lastTrim >= .seconds(60) {
                    // Give memory freed after a burst or a dropped connection back to the
                    // system, so RSS tracks what is in use (glibc keeps it otherwise).
                    lastTrim = now
                    releaseFreeMemory()
                }
                if now - lastSweep >= sweepEvery {
                    lastSweep = now
                    for queue in daemon.shardQueues { queue.append(.sweep) }
                }
                if checkpointInterval > 0 && now - lastCheckpoint >= .seconds(checkpointInterval) {
                    lastCheckpoint = now
                    await daemon.checkpoint()
                }
            }
        } onGracefulShutdown: {
            daemon.notifier.notify(.stopping)
            if stateDirectory != nil {
                daemon.logger.notice("stopping: draining, checkpointing (active alerts stay open: the learned state, and with it each alert, resumes on restart)")
            } else {
                daemon.logger.notice("stopping: draining; learning is not kept (no state directory), so active alerts are cleared")
            }
            daemon.stopping.store(true, ordering: .relaxed)
        }
        // Shutdown: input stops first; the workers process what is queued, then answer
        // the final snapshot request queued behind it; then they stop, and the publisher
        // sends the last transitions and stops.
        daemon.stopping.store(true, ordering: .relaxed)
        while !daemon.ingestStopped.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) }
        if stateDirectory == nil {
            // Nothing learned survives this stop, so no alert can ever be cleared later:
            // each detection thread clears its open alerts behind the samples it has queued.
            for queue in daemon.shardQueues {
                queue.append(.clearAlerts(reason: "the daemon stops and learning is not kept without a state directory"))
            }
        }
        await daemon.checkpoint()
        for queue in daemon.shardQueues { queue.close() }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline
            && !(daemon.workerHealth.allSatisfy { $0.finished.load(ordering: .acquiring) }
                && daemon.publisherHealth.finished.load(ordering: .acquiring))
        {
            daemon.wakePublisher()
            try? await Task.sleep(for: .milliseconds(5))
        }
        daemon.metricsServer.withLock { $0?.stop() }
        daemon.authenticator?.stop()
        daemon.logger.notice("stopped; \(daemon.metrics.statusLine())")
    }
}

/// SIGHUP: re-read the configuration, with RELOADING=1 / READY=1 around it.
struct ReloadService: Service {
    let daemon: Daemon

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            daemon.reload()
        }
    }
}

