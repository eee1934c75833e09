import Detection
import Foundation
import ServiceLifecycle
import Synchronization
import Systemd
import UnixSignals
import Logging

/// The reloader: on SIGHUP re-reads the configuration file the daemon started with,
/// with RELOADING=1 / READY=1 around it. A valid file is applied (the running
/// configuration, the model, each shard's detector and cell limits); an invalid one is
/// refused and the running configuration stays.
struct Reloader: Service {
    let shared: DaemonShared
    let shards: DetectionShards
    /// The file SIGHUP re-reads (nil: SIGHUP only acknowledges).
    let configurationPath: String?
    /// Told of a reload: Alertmanager URLs, credentials and intervals apply at once.
    var forwarder: AlertmanagerForwarder? = nil

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// Reads a fault-class model file (nil path: no model, every kind is `anomaly`).
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

    /// Re-reads the configuration file; applies it if valid, keeps the old one if not.
    func reload() {
        let notifier = shared.notifier
        let logger = shared.logger
        notifier.notify(.reloading)
        defer { notifier.notify(.ready) }
        guard let path = configurationPath else {
            logger.info("SIGHUP: no configuration file to re-read; nothing changes")
            notifier.notify(.status("reload: no configuration file; nothing changed"))
            return
        }
        let current = shared.current
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
            shared.configuration.withLock { $0 = next }
            shards.broadcast(.reconfigure(next.detector, model, limits: CellLimits(next, shards: shards.count)))
            forwarder?.reconfigure()
            logger.info("configuration reloaded", metadata: ["config.path": "\(path)"])
            notifier.notify(.status("configuration reloaded from \(path); " + shared.metrics.statusLine()))
        } catch {
            logger.error("reload refused, keeping the running configuration: \(error)")
            notifier.notify(.status("reload refused, keeping the running configuration: \(error)"))
        }
    }
}
