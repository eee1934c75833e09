import Foundation
import Logging
@testable import SpikewatchDaemon
import Telemetry
import Testing

@Suite("What the Alertmanager forwarder posts")
struct AlertmanagerBookTests {
    func alert(_ cell: String, _ state: Alert.State, _ severity: Alert.Severity, ts: Double = 1_793_923_200) -> Alert {
        var alert = Alert(cell: cell, state: state, severity: severity, kind: "congestion", score: 0.91234, timestamp: ts,
                          startedAt: 1_793_923_200, sequence: 0, evidence: [.init(metric: "m", value: 900, low: 9.5, high: 10.5)])
        alert.sequence = 7
        return alert
    }

    /// The posted array: each alert's labels, annotations, startsAt and endsAt.
    func decode(_ bytes: [UInt8]?) throws -> [[String: Any]] {
        let bytes = try #require(bytes)
        return try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
    }

    @Test("labels and annotations; a severity change resolves the old label set; a clear sets endsAt; accepted resolutions are forgotten")
    func transitions() throws {
        var book = AlertmanagerBook(capacity: 10)
        #expect(book.apply(alert("c", .raised, .major), wallTime: 2_000_000_000) == 0)
        var posted = try decode(book.payload(acked: 0, now: 2_000_000_010, openLifetime: 240))
        #expect(posted.count == 1)
        #expect(posted[0]["labels"] as? [String: String] == ["alertname": "SpikewatchAnomaly", "cell": "c", "severity": "major", "kind": "congestion"])
        let annotations = try #require(posted[0]["annotations"] as? [String: String])
        #expect(annotations["score"] == "0.9123" && annotations["seq"] == "7")
        #expect(annotations["evidence"] == "m=900 (normal 9.5..10.5)")
        #expect(annotations["first_ts"] == "2026-11-06T00:00:00Z" && annotations["last_ts"] == "2026-11-06T00:00:00Z")
        #expect(annotations["id"] == Alert.id(cell: "c", startedAt: 1_793_923_200))
        #expect(posted[0]["startsAt"] as? String == "2033-05-18T03:33:20.000Z")
        #expect(posted[0]["endsAt"] as? String == "2033-05-18T03:37:30.000Z", "open: endsAt one lifetime ahead of now")
        #expect(book.pending(acked: 0) == 1 && book.pending(acked: book.generation) == 0 && book.pending(acked: nil) == 0)

        _ = book.apply(alert("c", .updated, .critical, ts: 1_793_923_200 + 300), wallTime: 2_000_000_020)
        posted = try decode(book.payload(acked: 1, now: 2_000_000_030, openLifetime: 240))
        #expect(posted.map { ($0["labels"] as? [String: String])?["severity"] } == ["major", "critical"], "the old label set first")
        #expect(posted[0]["endsAt"] as? String == "2033-05-18T03:33:40.000Z", "the old label set ends at the update")
        #expect(posted[1]["startsAt"] as? String == "2033-05-18T03:33:20.000Z", "the alert keeps its start")
        #expect((posted[1]["annotations"] as? [String: String])?["last_ts"] == "2026-11-06T00:05:00Z")

        _ = book.apply(alert("c", .cleared, .critical), wallTime: 2_000_000_040)
        #expect(book.open.isEmpty)
        posted = try decode(book.payload(acked: 2, now: 2_000_000_050, openLifetime: 240))
        #expect(posted.count == 1)
        #expect((posted[0]["labels"] as? [String: String])?["severity"] == "critical")
        #expect(posted[0]["endsAt"] as? String == "2033-05-18T03:34:00.000Z")
        book.collect(acked: 2)
        #expect(book.resolved.count == 1, "a target that has not accepted the clear still gets it")
        book.collect(acked: book.generation)
        #expect(book.resolved.isEmpty && book.payload(acked: book.generation, now: 0, openLifetime: 1) == nil)
    }

    @Test("an alert first seen after a restart starts as long ago as the telemetry says; memory is bounded by the capacity")
    func restartAndBound() throws {
        var book = AlertmanagerBook(capacity: 2)
        _ = book.apply(alert("a", .updated, .minor, ts: 1_793_923_200 + 600), wallTime: 2_000_000_000)
        #expect(book.open.values.first?.startsAt == Double(1_999_999_400))
        #expect(book.apply(alert("b", .raised, .minor), wallTime: 2_000_000_001) == 0)
        #expect(book.apply(alert("d", .raised, .minor), wallTime: 2_000_000_002) == 1, "the oldest open state is dropped")
        #expect(Set(book.open.values.map { $0.labels[1].1 }) == ["b", "d"])
        #expect(rfc3339Time(1_793_923_200.25, milliseconds: true) == "2026-11-06T00:00:00.250Z")
        // The annotations keep the alert's times exactly (to the microsecond).
        #expect(rfc3339ExactTime(1_793_923_200.25) == "2026-11-06T00:00:00.25Z")
        #expect(rfc3339ExactTime(1_793_923_200.000125) == "2026-11-06T00:00:00.000125Z")
        #expect(rfc3339ExactTime(1_793_923_200) == "2026-11-06T00:00:00Z")
        #expect(rfc3339ExactTime(1_793_923_199.9999999) == "2026-11-06T00:00:00Z")
    }

    @Test("the hand-over from the publisher never blocks: when full, the oldest transition is dropped and counted")
    func boundedQueue() throws {
        var configuration = DaemonConfiguration()
        configuration.maximumCells = 3
        let shared = DaemonShared(configuration: configuration, logger: Logger(label: "test"))
        let forwarder = AlertmanagerForwarder(shared: shared)
        for index in 0..<5 { forwarder.offer(alert("cell-\(index)", .raised, .minor)) }
        #expect(forwarder.takeInbox().map(\.alert.cell) == ["cell-2", "cell-3", "cell-4"])
        #expect(forwarder.takeInbox().isEmpty)
        forwarder.offer(alert("cell-5", .raised, .minor))
        #expect(forwarder.takeInbox().map(\.alert.cell) == ["cell-5"])
        #expect(String(decoding: shared.metrics.exposition(), as: UTF8.self).contains("spikewatch_alertmanager_alerts_dropped_total 2"))
    }
}
