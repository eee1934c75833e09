import Testing

@testable import Telemetry

@Suite("Telemetry frames and the heartbeat, beside their formats")
struct FramesAndHeartbeatTests {
    let rules = TelemetryFrameRules(topicPrefix: "telemetry.", maximumPayloadBytes: 10)

    func check(_ frames: Int, _ topic: String, _ payload: Int) -> RejectionReason? {
        Array(topic.utf8).withUnsafeBytes { rules.check(frameCount: frames, topic: $0, payloadCount: payload)?.reason }
    }

    @Test("frame count, topic and size are checked in the contract's order")
    func frames() {
        #expect(check(2, "telemetry.a", 10) == nil)
        #expect(check(1, "nonsense", 99) == .badFrames)
        #expect(check(3, "telemetry.a", 1) == .badFrames)
        #expect(check(2, "telemetry.", 1) == .badTopic)
        #expect(check(2, "other.a", 1) == .badTopic)
        #expect(check(2, "telemetry.a", 11) == .oversized)
    }

    @Test("a fixture line over the payload limit is oversized, as the daemon has it, and the next line is read")
    func oversizedFixtureLine() {
        var reader = FixtureReader()
        reader.maximumPayloadBytes = 200
        let good = #"{"v":1,"cell":"a","ts":1793923200,"seq":0,"metrics":{"m":1}}"#
        let padded = #"{"v":1,"cell":"a","ts":1793923260,"seq":1,"metrics":{"m":1},"pad":""# + String(repeating: "x", count: 300) + #""}"#
        let next = #"{"v":1,"cell":"a","ts":1793923320,"seq":2,"metrics":{"m":1}}"#
        var results: [RejectionReason?] = []
        reader.read(Array((good + "\n" + padded + "\n" + next + "\n").utf8), name: "f") { record in
            if case .failure(let rejection) = record.result { results.append(rejection.reason) } else { results.append(nil) }
        }
        #expect(results == [nil, .oversized, nil])
    }

    @Test("the topic must name the payload's cell byte for byte")
    func cell() {
        let topic = Array("telemetry.gnb-1/cell-2".utf8)
        #expect(topic.withUnsafeBytes { rules.checkCell("gnb-1/cell-2", topic: $0, printable: { $0 }) } == nil)
        let mismatch = topic.withUnsafeBytes { rules.checkCell("gnb-1/cell-3", topic: $0, printable: { $0 }) }
        #expect(mismatch?.reason == .topicMismatch)
        #expect(mismatch?.detail.contains("expected \"telemetry.gnb-1/cell-3\"") == true)
    }

    @Test("the heartbeat payload")
    func heartbeat() {
        let beat = Heartbeat(timestamp: 1_793_923_200.12345, uptimeSeconds: 42, cells: 3, activeAlerts: 1)
        #expect(String(decoding: beat.json(), as: UTF8.self)
            == #"{"v":1,"ts":1793923200.123,"uptime_s":42,"cells":3,"active_alerts":1}"#)
        #expect(Heartbeat.topic == "heartbeat")
    }
}
