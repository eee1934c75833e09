import Prometheus
import Synchronization
import Telemetry

/// The daemon's counters (README.md, "Metrics"), exported in the Prometheus text
/// format, with plain atomic totals alongside for STATUS lines and tests.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let received: Counter
    let rejected: [RejectionReason: Counter]
    let processed: Counter
    let alertsPublished: [Alert.State: Counter]
    let droppedSubscriberFull: Counter
    let cells: Gauge
    let activeAlerts: Gauge
    let synapticEvents: Counter
    let gaps: Counter
    let publisherRestarts: Counter
    let processing: DurationHistogram
    let cellsEvicted: [SequenceTracker.EvictionReason: Counter]
    let connectionsClosed: [ConnectionCloseReason: Counter]
    // The Alertmanager forwarder's (counters are thread-safe: the publisher's hand-over and
    // the forwarder's task both count drops).
    let alertmanagerDropped: Counter
    let alertmanagerPending: Gauge

    let receivedTotal = Atomic<Int>(0)
    let rejectedTotal = Atomic<Int>(0)
    let processedTotal = Atomic<Int>(0)
    let raisedTotal = Atomic<Int>(0)
    let droppedTotal = Atomic<Int>(0)
    let gapsTotal = Atomic<Int>(0)
    let restartsTotal = Atomic<Int>(0)
    let cellCount = Atomic<Int>(0)
    let activeCount = Atomic<Int>(0)
    let rejectedByReason: [RejectionReason: AtomicCount]
    let evictedByReason: [SequenceTracker.EvictionReason: AtomicCount]

    init() {
        let registry = self.registry
        func d(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "spikewatch", metricName: name, unitName: unit, helpText: help)
        }
        received = registry.makeCounter(descriptor: d("messages_received", "total", "Telemetry messages received."))
        rejected = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map {
            ($0, registry.makeCounter(descriptor: d("messages_rejected", "total", "Telemetry messages rejected, by reason."), labels: [("reason", $0.rawValue)]))
        })
        processed = registry.makeCounter(descriptor: d("samples_processed", "total", "Samples run through the detector."))
        alertsPublished = Dictionary(uniqueKeysWithValues: Alert.State.allCases.map {
            ($0, registry.makeCounter(descriptor: d("alerts_published", "total", "Alert transitions published, by state."), labels: [("state", $0.rawValue)]))
        })
        droppedSubscriberFull = registry.makeCounter(descriptor: d("messages_dropped", "total", "Alert messages refused because a subscriber's queue was full."), labels: [("reason", "subscriber_queue_full")])
        cells = registry.makeGauge(descriptor: d("cells", "", "Cells with learned state."))
        activeAlerts = registry.makeGauge(descriptor: d("active_alerts", "", "Alerts currently raised."))
        synapticEvents = registry.makeCounter(descriptor: d("synaptic_events", "total", "Spike deliveries in the network."))
        gaps = registry.makeCounter(descriptor: d("telemetry_gaps", "total", "Telemetry messages missing by seq gaps."))
        publisherRestarts = registry.makeCounter(descriptor: d("publisher_restarts", "total", "Publisher restarts seen (seq dropped)."))
        processing = registry.makeDurationHistogram(descriptor: d("processing", "seconds", "Time from receipt until a message is processed or rejected, per message."), buckets: [.microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
                      .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25)])
        rejectedByReason = Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map { ($0, AtomicCount()) })
        cellsEvicted = Dictionary(uniqueKeysWithValues: SequenceTracker.EvictionReason.allCases.map {
            ($0, registry.makeCounter(descriptor: d("cells_evicted", "total", "Cells forgotten with what they learned, by reason."), labels: [("reason", $0.rawValue)]))
        })
        connectionsClosed = Dictionary(uniqueKeysWithValues: ConnectionCloseReason.allCases.map {
            ($0, registry.makeCounter(descriptor: d("metrics_connections_closed", "total", "Metrics endpoint connections the daemon closed itself, by reason."), labels: [("reason", $0.rawValue)]))
        })
        evictedByReason = Dictionary(uniqueKeysWithValues: SequenceTracker.EvictionReason.allCases.map { ($0, AtomicCount()) })
        alertmanagerDropped = registry.makeCounter(descriptor: d("alertmanager_alerts_dropped", "total", "Alert states dropped before reaching Alertmanager (queue or memory bound full)."))
        alertmanagerPending = registry.makeGauge(descriptor: d("alertmanager_pending_alerts", "", "Alert states not yet accepted by every Alertmanager."))
    }

    /// `spikewatch_alertmanager_posts_total{url,result}` (made on first use, then the same).
    func alertmanagerPosts(url: String, success: Bool) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "spikewatch", metricName: "alertmanager_posts", unitName: "total", helpText: "POSTs to Alertmanager, by URL and result."),
            labels: [("url", url), ("result", success ? "success" : "error")])
    }

    func reject(_ reason: RejectionReason) {
        rejected[reason]!.increment()
        rejectedTotal.add(1, ordering: .relaxed)
        rejectedByReason[reason]!.value.add(1, ordering: .relaxed)
    }

    func evicted(_ reason: SequenceTracker.EvictionReason) {
        cellsEvicted[reason]!.increment()
        evictedByReason[reason]!.value.add(1, ordering: .relaxed)
    }

    /// The metrics endpoint closed a connection itself.
    func closedConnection(_ reason: ConnectionCloseReason) {
        connectionsClosed[reason]!.increment()
    }

    /// The text exposition of the registry's metrics (the per-cell, build and process
    /// families are added by ``Daemon/exposition()``).
    func exposition() -> [UInt8] {
        cells.set(Double(cellCount.load(ordering: .relaxed)))
        activeAlerts.set(Double(activeCount.load(ordering: .relaxed)))
        return registry.emitToBuffer()
    }

    /// A one-line summary for systemd's STATUS=.
    func statusLine() -> String {
        "\(receivedTotal.load(ordering: .relaxed)) received, \(processedTotal.load(ordering: .relaxed)) processed, "
            + "\(rejectedTotal.load(ordering: .relaxed)) rejected, \(cellCount.load(ordering: .relaxed)) cells, "
            + "\(activeCount.load(ordering: .relaxed)) active alerts, \(raisedTotal.load(ordering: .relaxed)) raised"
    }
}

/// An atomic counter in a box, so counters can sit in collections.
final class AtomicCount: Sendable {
    let value = Atomic<Int>(0)
    var current: Int { value.load(ordering: .relaxed) }
}
