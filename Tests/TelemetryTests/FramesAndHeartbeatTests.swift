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
