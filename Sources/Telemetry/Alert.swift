import StrictJSON

/// An alert transition (the alert format of README.md, "Alerts out").
public struct Alert: Sendable, Equatable {
    /// A score as the payload carries it: four decimals. Severity is judged on it, so a
    /// consumer recomputing severity from `score` agrees with the alert.
    public static func publishedScore(_ score: Double) -> Double { (score * 10_000).rounded() / 10_000 }

    public enum State: String, Sendable, Codable, CaseIterable {
        case raised, updated, cleared
    }

    public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
        case warning, minor, major, critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// One metric (or derived feature) that drove the alert, with its learned normal range.
    public struct Evidence: Sendable, Equatable, Codable {
        public var metric: String
        public var value: Double
        public var low: Double
        public var high: Double

        public init(metric: String, value: Double, low: Double, high: Double) {
            self.metric = metric
            self.value = value
            self.low = low
            self.high = high
        }
    }

    /// Unique per alert instance; derived from the cell and `startedAt`.
    public var id: String
    /// Stable for one condition on one cell.
    public var key: String
    public var cell: String
    public var state: State
    public var severity: Severity
    /// `anomaly`, or a fault class named by the trained readout.
    public var kind: String
    /// 0...1.
    public var score: Double
    /// Telemetry time of this transition.
    public var timestamp: Double
    /// Telemetry time the alert was raised.
    public var startedAt: Double
    /// Per-daemon transition counter.
    public var sequence: Int64
    public var evidence: [Evidence]
    /// A wall-clock re-send of an active alert, not a transition.
    public var resent: Bool

    public init(
        cell: String, state: State, severity: Severity, kind: String, score: Double, timestamp: Double,
        startedAt: Double, sequence: Int64, evidence: [Evidence], resent: Bool = false
    ) {
        self.id = Alert.id(cell: cell, startedAt: startedAt)
        self.key = Alert.key(cell: cell)
        self.cell = cell
        self.state = state
        self.severity = severity
        self.kind = kind
        self.score = score
        self.timestamp = timestamp
        self.startedAt = startedAt
        self.sequence = sequence
        self.evidence = evidence
        self.resent = resent
    }

    /// The alert id: 16 hex digits of a hash of the cell and the start time, so replay
    /// and live give the same ids.
    public static func id(cell: String, startedAt: Double) -> String {
        var text = cell + "|" + String(startedAt)
        let hash = text.withUTF8 { MetricNames.hash(UnsafeRawBufferPointer($0)) }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The dedupe key: one anomaly condition per cell.
    public static func key(cell: String) -> String { "spikewatch/" + cell }

    /// The ZeroMQ topic: `alert.<severity>.<cell-id>`.
    public var topic: String { "alert.\(severity.rawValue).\(cell)" }

    /// The payload JSON.
    public func json() -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + evidence.count * 80)
        writer.raw("{\"v\":1")
        writer.key("id")
        writer.string(id)
        writer.key("key")
        writer.string(key)
        writer.key("cell")
        writer.string(cell)
        writer.key("state")
        writer.string(state.rawValue)
        writer.key("severity")
        writer.string(severity.rawValue)
        writer.key("kind")
        writer.string(kind)
        writer.key("score")
        writer.number(Self.publishedScore(score))
        writer.key("ts")
        writer.number(timestamp)
        writer.key("started_at")
        writer.number(startedAt)
        writer.key("seq")
        writer.number(sequence)
        writer.key("evidence")
        writer.byte(UInt8(ascii: "["))
        for (index, item) in evidence.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.byte(UInt8(ascii: "{"))
            writer.key("metric", first: true)
            writer.string(item.metric)
            writer.key("value")
            writer.number(item.value)
            writer.key("low")
            writer.number(item.low)
            writer.key("high")
            writer.number(item.high)
            writer.byte(UInt8(ascii: "}"))
        }
        writer.byte(UInt8(ascii: "]"))
        if resent {
            writer.key("resent")
            writer.bool(true)
        }
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }

    /// Reads an alert payload (for subscribers such as `spikewatch tail`).
    public init(json bytes: [UInt8]) throws(AlertDecodingError) {
        let value: JSONValue
        do { value = try JSONParser().parse(bytes) } catch { throw AlertDecodingError(message: error.description) }
        func string(_ key: String) throws(AlertDecodingError) -> String {
            guard let text = value[key]?.string else { throw AlertDecodingError(message: "\"\(key)\" must be a string") }
            return text
        }
        func number(_ key: String) throws(AlertDecodingError) -> Double {
            guard let number = value[key]?.double else { throw AlertDecodingError(message: "\"\(key)\" must be a number") }
            return number
        }
        guard value["v"]?.double == 1 else { throw AlertDecodingError(message: "\"v\" must be 1") }
        guard let state = State(rawValue: try string("state")) else { throw AlertDecodingError(message: "unknown state") }
        guard let severity = Severity(rawValue: try string("severity")) else {
            throw AlertDecodingError(message: "unknown severity")
        }
        var evidence: [Evidence] = []
        for item in value["evidence"]?.array ?? [] {
            guard let metric = item["metric"]?.string, let v = item["value"]?.double, let low = item["low"]?.double,
                let high = item["high"]?.double
            else { throw AlertDecodingError(message: "malformed evidence entry") }
            evidence.append(Evidence(metric: metric, value: v, low: low, high: high))
        }
        self.id = try string("id")
        self.key = try string("key")
        self.cell = try string("cell")
        self.state = state
        self.severity = severity
        self.kind = try string("kind")
        self.score = try number("score")
        self.timestamp = try number("ts")
        self.startedAt = try number("started_at")
        let sequence = try number("seq")
        // Checked: a received number becomes an integer only when it is one that fits.
        guard let exact = Int64(exactly: sequence), exact >= 0 else {
            throw AlertDecodingError(message: "\"seq\" must be an integer in [0, 2^63), got \(sequence)")
        }
        self.sequence = exact
        self.evidence = evidence
        self.resent = value["resent"] == .bool(true)
    }
}

/// An alert payload that could not be read.
public struct AlertDecodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "malformed alert: \(message)" }
}
