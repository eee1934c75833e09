/// The envelope of a telemetry message on the wire (docs/telemetry.md): two frames,
/// `[<prefix><cell-id>][payload]`. These are the checks made before and after decoding
/// the payload; the decoder checks the payload itself.
public struct TelemetryFrameRules: Sendable {
    /// The subscription prefix every topic starts with (`telemetry.`).
    public let topicPrefix: String
    /// Payloads above this many bytes are `oversized`, not decoded.
    public let maximumPayloadBytes: Int
    private let prefix: [UInt8]

    public init(topicPrefix: String, maximumPayloadBytes: Int) {
        self.topicPrefix = topicPrefix
        self.maximumPayloadBytes = maximumPayloadBytes
        prefix = Array(topicPrefix.utf8)
    }

    /// Before decoding: the frame count, a topic that is the prefix then something, in
    /// UTF-8, and the payload's size. `topic` is the first frame, when there is one.
    public func check(frameCount: Int, topic: UnsafeRawBufferPointer, payloadCount: Int) -> Rejection? {
        guard frameCount == 2 else {
            return Rejection(.badFrames, "expected 2 frames [topic][payload], got \(frameCount)")
        }
        guard topic.count > prefix.count, topic.starts(with: prefix), String(validating: topic, as: UTF8.self) != nil else {
            return Rejection(.badTopic, "topic \"\(String(decoding: topic, as: UTF8.self))\"")
        }
        guard payloadCount <= maximumPayloadBytes else {
            return Rejection(.oversized, "\(payloadCount) bytes > \(maximumPayloadBytes)")
        }
        return nil
    }

    /// After decoding: the topic names the payload's cell, `<prefix><cell>`, byte for byte.
    /// `printable` makes publisher-chosen text safe for the log.
    public func checkCell(_ cell: String, topic: UnsafeRawBufferPointer, printable: (String) -> String) -> Rejection? {
        var cell = cell
        let matches = cell.withUTF8 { cellBytes in
            topic.count == prefix.count + cellBytes.count && topic.dropFirst(prefix.count).elementsEqual(cellBytes)
        }
        if matches { return nil }
        let topicText = String(decoding: topic, as: UTF8.self)
        return Rejection(
            .topicMismatch,
            "payload of cell \"\(printable(cell))\" under topic \"\(printable(topicText))\" (expected \"\(printable(topicPrefix + cell))\")")
    }
}
