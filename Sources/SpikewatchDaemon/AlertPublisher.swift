import Foundation
import Logging
import Prometheus
import Synchronization
import Telemetry
import ZeroMQ

/// The alert publisher: owns the XPUB socket and its thread, and the alerts as seen on
/// the wire (an ``AlertLedger``: the `seq` counter and the open alerts). Detection shards
/// hand it transitions; it numbers and sends them, re-sends open alerts and sends the
/// heartbeat (docs/alerts.md). It never blocks on a slow subscriber.
final class AlertPublisher: Sendable {
    /// How long the socket keeps unsent alerts at close: the last `cleared` of a stop
    /// should still reach a connected subscriber, without holding the stop up for long.
    static let lingerMilliseconds = 2000
    /// The shortest re-send or heartbeat period: an interval of 0 means "every 50 ms",
    /// not a busy loop.
    static let shortestPeriod = 0.05

    let shared: DaemonShared
    let queue = BlockingQueue<PublisherItem>()
    let wake: WakePipe
    let health = LoopHealth(name: "publisher")
    /// Fired once the socket is attached, or its set-up failed (``startupError``).
    let ready = Signal()
    let startupError = Mutex<String?>(nil)
    /// Gets every numbered transition too (never blocks; README, "Alertmanager").
    let forwarder: AlertmanagerForwarder?

    init(shared: DaemonShared, forwarder: AlertmanagerForwarder? = nil) throws {
        self.shared = shared
        self.forwarder = forwarder
        wake = try WakePipe()
    }

    // MARK: Other threads' side

    /// Queues transitions (their `seq` is assigned when they are sent).
    func publish(_ transitions: [Alert]) {
        guard !transitions.isEmpty else { return }
        queue.append(contentsOf: transitions.map { PublisherItem.transition($0) })
        wake.notify()
    }

    /// The next `seq`, once every transition queued before this call has been numbered;
    /// nil if the publisher did not answer within `timeout` seconds.
    func nextSequence(timeout: Double) -> Int64? {
        let reply = Reply<Int64>()
        guard queue.append(.sequence(reply)) else { return nil }
        wake.notify()
        return reply.wait(timeout: timeout)
    }

    /// No more transitions: the thread sends what is queued and ends.
    func close() {
        queue.close()
        wake.notify()
    }

    // MARK: The publisher thread

    func start(context: Context, curve: CurveSetup, initialSequence: Int64) {
        let config = shared.current
        let thread = Thread { [self] in run(context: context, curve: curve, config: config, initialSequence: initialSequence) }
        thread.name = "spikewatch-publisher"
        thread.start()
    }

    private func makeSocket(_ context: Context, _ curve: CurveSetup, _ config: DaemonConfiguration) throws(ZMQError) -> Socket {
        let socket = try Socket(context, type: .extendedPublisher)
        try socket.setNoDrop(true)
        try socket.setSendHighWaterMark(config.alertHighWaterMark)
        try socket.setLinger(milliseconds: Self.lingerMilliseconds)
        try curve.apply(socket, endpoints: [config.alertsEndpoint], serverKey: config.alertsServerKey, domain: "alerts")
        try socket.attach(config.alertsEndpoint)
        return socket
    }

    private func run(
        context: Context, curve: CurveSetup, config: DaemonConfiguration, initialSequence: Int64
    ) {
        defer { health.finished.fire() }
        let metrics = shared.metrics
        let socket: Socket
        switch Result(catching: { () throws(ZMQError) -> Socket in try makeSocket(context, curve, config) }) {
        case .success(let made): socket = made
        case .failure(let error):
            startupError.withLock { $0 = "alerts socket: \(error) (endpoint \(config.alertsEndpoint))" }
            ready.fire()
            return
        }
        shared.logger.info("publishing alerts", metadata: ["zmq.endpoint": "\(config.alertsEndpoint)"])
        ready.fire()
        var ledger = AlertLedger(nextSequence: initialSequence)
        var lastHeartbeat = ContinuousClock.now
        var lastResend = ContinuousClock.now
        var items = [socket.pollItem(), PollItem.fileDescriptor(wake.readEnd)]
        func send(_ alert: Alert) -> Bool {
            let sent = (try? socket.send(topic: alert.topic, payload: alert.json(), dontWait: true)) ?? false
            if !sent {
                metrics.droppedSubscriberFull.increment()
                metrics.droppedTotal.add(1, ordering: .relaxed)
            }
            return sent
        }
        while true {
            let (resendInterval, heartbeatInterval) = shared.configuration.withLock {
                (max($0.resendInterval, Self.shortestPeriod), max($0.heartbeatInterval, Self.shortestPeriod))
            }
            // Sleep until a transition is queued (the wake pipe), a subscription arrives or
            // the next re-send or heartbeat is due.
            let now = ContinuousClock.now
            let due = min(lastResend + .seconds(resendInterval), lastHeartbeat + .seconds(heartbeatInterval))
            let wait = max(Duration.zero, due - now)
            health.idle.store(true, ordering: .relaxed)
            _ = try? poll(&items, timeoutMilliseconds: Int(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000) + 1)
            health.idle.store(false, ordering: .relaxed)
            health.tick()
            wake.drain()
            // Subscriptions arrive as messages on an XPUB; read them so its queue never fills.
            while let _ = try? socket.receiveMultipart(dontWait: true) {}
            guard let batch = queue.takeAll(timeout: 0) else { break }  // closed and sent
            for item in batch {
                switch item {
                case .sequence(let reply):
                    reply.deliver(ledger.nextSequence)
                case .transition(let transition):
                    // Numbered here, once; a repeated `cleared` is not published at all.
                    guard let alert = ledger.admit(transition) else { continue }
                    shared.logger.info("alert \(alert.state.rawValue)", metadata: [
                        "cell": "\(loggable(alert.cell))", "kind": "\(loggable(alert.kind))", "severity": "\(alert.severity.rawValue)",
                        "score": "\(alert.score)", "alert.seq": "\(alert.sequence)",
                    ])
                    forwarder?.offer(alert)
                    if send(alert) {
                        metrics.alertsPublished[alert.state]!.increment()
                        if alert.state == .raised { metrics.raisedTotal.add(1, ordering: .relaxed) }
                    }
                }
            }
            metrics.activeCount.store(ledger.open.count, ordering: .relaxed)
            let after = ContinuousClock.now
            if after - lastResend >= .seconds(resendInterval) {
                lastResend = after
                for alert in ledger.resends { _ = send(alert) }
            }
            if after - lastHeartbeat >= .seconds(heartbeatInterval) {
                lastHeartbeat = after
                let heartbeat = Heartbeat(
                    timestamp: Date().timeIntervalSince1970, uptimeSeconds: (after - shared.startedAt).components.seconds,
                    cells: Int64(metrics.cellCount.load(ordering: .relaxed)), activeAlerts: Int64(ledger.open.count))
                _ = try? socket.send(topic: Heartbeat.topic, payload: heartbeat.json(), dontWait: true)
            }
        }
    }
}
