public import Foundation
public import Telemetry
public import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

// The end-to-end tests' shared daemon harness: start, peers, wait, stop.

/// A publisher (XPUB, so it knows when the daemon has subscribed) and an alert
/// subscriber, on the test's side of the daemon.
public final class Peers {
    public let context: Context
    public let publisher: Socket
    public let subscriber: Socket

    public init(telemetry: String, alerts: String) throws {
        context = try Context()
        publisher = try Socket(context, type: .extendedPublisher)
        try publisher.setLinger(milliseconds: 1000)
        try publisher.setSendHighWaterMark(0)
        try publisher.connect(telemetry)
        subscriber = try Socket(context, type: .subscriber)
        try subscriber.setLinger(milliseconds: 0)
        try subscriber.subscribe("alert.")
        try subscriber.connect(alerts)
    }

    /// Waits for the daemon's telemetry subscription.
    public func awaitSubscription() throws -> Bool {
        var items = [publisher.pollItem()]
        guard try poll(&items, timeoutMilliseconds: 10_000) > 0 else { return false }
        _ = try publisher.receiveMultipart(dontWait: true)
        return true
    }

    public func publish(_ payload: [UInt8], cell: String) throws {
        try publisher.send(topic: "telemetry." + cell, payload: payload)
    }

    /// Alerts received within `timeout` seconds of silence.
    public func drainAlerts(quietFor timeout: Int = 500) throws -> [Alert] {
        var alerts: [Alert] = []
        var items = [subscriber.pollItem()]
        while try poll(&items, timeoutMilliseconds: timeout) > 0 {
            while let frames = try subscriber.receiveMultipart(dontWait: true) {
                if frames.count == 2, let alert = try? Alert(json: frames[1].bytes) { alerts.append(alert) }
            }
        }
        return alerts
    }
}

/// Polls the metrics endpoint until `name` reaches `value` (or the timeout passes).
public func waitForMetric(port: UInt16, _ name: String, atLeast value: Double, timeout: Double = 30) -> Double? {
    let deadline = Date().addingTimeInterval(timeout)
    var last: Double?
    while Date() < deadline {
        if let text = httpGet(port: port, path: "/metrics") {
            last = metricValue(text, name)
            if let last, last >= value { return last }
        }
        usleep(50_000)
    }
    return last
}

/// A running daemon with its peers and metrics port.
public struct RunningDaemon {
    public let daemon: DaemonProcess
    public let peers: Peers
    public let port: UInt16
    public let directory: URL
    /// The configuration file (`config`), which a test may rewrite before a SIGHUP.
    public let configPath: String
    /// The arguments it was started with (a restart reuses them).
    public let arguments: [String]

    /// Starts `spikewatch run` binding `ipc://` endpoints in `directory` (a fresh one by
    /// default, or a test's own, so that a restart finds the same endpoints and state),
    /// with its metrics on a free port and `config` as its file, if given.
    public init(_ extra: [String] = [], config: String? = nil, environment: [String: String] = [:], directory: URL? = nil) throws {
        let directory = directory ?? temporaryDirectory()
        self.directory = directory
        let telemetry = "ipc://" + directory.appendingPathComponent("telemetry").path
        let alerts = "ipc://" + directory.appendingPathComponent("alerts").path
        port = freeTCPPort()
        var arguments = ["run", "--telemetry", "@" + telemetry, "--alerts", "@" + alerts, "--metrics-listen", "127.0.0.1:\(port)"]
        configPath = directory.appendingPathComponent("spikewatch.yaml").path
        if let config {
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
            arguments += ["--config", configPath]
        }
        self.arguments = arguments + extra
        daemon = try DaemonProcess(self.arguments, environment: environment)
        peers = try Peers(telemetry: telemetry, alerts: alerts)
    }

    /// READY=1 came and the daemon subscribed to the test's publisher.
    public func ready() -> Bool {
        daemon.waitForNotification { $0.contains("READY=1") } != nil && ((try? peers.awaitSubscription()) ?? false)
    }

    public func metric(_ name: String) -> Double? {
        metricValue(httpGet(port: port, path: "/metrics") ?? "", name)
    }

    /// SIGTERM; the exit status, or nil if it did not exit within the unit's 20 s.
    public func stop() -> Int32? {
        daemon.signal(SIGTERM)
        return daemon.waitForExit(timeout: 20)
    }
}
