import ArgumentParser
import Foundation
import ZeroMQ
import Logging
import SpikewatchDaemon
import Systemd

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: telemetry in over ZeroMQ, spiking detection, alerts out.",
        discussion: """
            Settings come from built-in defaults, then the configuration file (--config; \
            configs/spikewatch.yaml documents every key), then SPIKEWATCH_* environment \
            variables (alerts.endpoint -> SPIKEWATCH_ALERTS_ENDPOINT), then these flags. \
            Endpoints use CZMQ's notation: @ binds, > connects; a bare telemetry endpoint \
            connects, a bare alerts endpoint binds. Under systemd (Type=notify) it sends \
            READY=1 once its sockets are attached and its state restored, feeds the \
            watchdog while every loop makes progress, reloads the file on SIGHUP (an \
            invalid file is refused and the running configuration kept), and on SIGTERM \
            drains, writes a checkpoint and exits 0.
            """)

    @Option(help: "Configuration file (YAML).")
    var config: String?

    @Option(help: "Telemetry endpoint(s) to subscribe to; repeat or comma-separate. Default >tcp://127.0.0.1:5556.")
    var telemetry: [String] = []

    @Option(help: "Alert endpoint. Default @tcp://127.0.0.1:5557.")
    var alerts: String?

    @Option(help: "Directory for the learned-state checkpoint (none: nothing is kept across restarts).")
    var stateDir: String?

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics and the loops' health at /healthz (off by default).")
    var metricsListen: String?

    @Option(help: "Fault-class model from `spikewatch train` (alerts then name a kind).")
    var model: String?

    @Option(help: ArgumentHelp(
        "Also post alerts to this Prometheus Alertmanager (API v2, e.g. http://127.0.0.1:9093); repeat for each of an HA cluster.",
        discussion: "Open alerts are re-posted every alertmanager.resend_interval_s (60 s); a clear is posted with endsAt; an unreachable Alertmanager is retried with back-off. Off by default.",
        valueName: "url"))
    var alertmanager: [String] = []

    @Flag(help: "Validate the configuration and exit.")
    var check = false

    func run() async throws {
        var settings: DaemonConfiguration
        do {
            settings = try config.map { try DaemonConfiguration.fromFile($0) } ?? DaemonConfiguration()
            try settings.apply(environment: ProcessInfo.processInfo.environment)
            if !telemetry.isEmpty { try settings.pin("telemetry.endpoints", text: telemetry.joined(separator: ","), flag: "--telemetry") }
            if let alerts { try settings.pin("alerts.endpoint", text: alerts, flag: "--alerts") }
            if let stateDir { try settings.pin("state.directory", text: stateDir, flag: "--state-dir") }
            if let metricsListen { try settings.pin("metrics.listen", text: metricsListen, flag: "--metrics-listen") }
            if let model { try settings.pin("model", text: model, flag: "--model") }
            if !alertmanager.isEmpty {
                try settings.pin("alertmanager.urls", text: alertmanager.joined(separator: ","), flag: "--alertmanager")
            }
            try settings.validate()
        } catch {
            throw CommandFailure("invalid configuration: \(error)")
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JournaldLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "spikewatch")
        if check {
            do {
                _ = try Daemon(configuration: settings, configurationPath: config, logger: logger)
            } catch {
                throw CommandFailure("invalid configuration: \(error)")
            }
            print("configuration OK: telemetry \(settings.telemetryEndpoints.map(\.description).joined(separator: ",")), "
                + "alerts \(settings.alertsEndpoint), state \(settings.stateDirectory ?? "(not kept)"), "
                + "metrics \(settings.metricsListen ?? "off"), model \(settings.modelPath ?? "(none: kind anomaly)"), "
                + "workers \(settings.workers), alertmanager "
                + (settings.alertmanager.urls.isEmpty ? "off" : settings.alertmanager.urls.joined(separator: ",")))
            return
        }
        let daemon: Daemon
        do {
            // The end-to-end tests' stall hook comes from the environment here, at the edge;
            // the daemon itself only takes it injected.
            let stall = ProcessInfo.processInfo.environment["SPIKEWATCH_TEST_STALL_AFTER"].flatMap(Int.init)
            let checkpointDelay = ProcessInfo.processInfo.environment["SPIKEWATCH_TEST_CHECKPOINT_DELAY"].flatMap(Double.init)
            daemon = try Daemon(
                configuration: settings, configurationPath: config, logger: logger,
                hooks: DaemonHooks(stallDetectionAfter: stall, checkpointDelay: checkpointDelay))
        } catch {
            throw CommandFailure("cannot start: \(error)")
        }
        do {
            try await daemon.run()
        } catch {
            logger.critical("spikewatch failed: \(error)")
            throw CommandFailure("\(error)")
        }
    }
}
