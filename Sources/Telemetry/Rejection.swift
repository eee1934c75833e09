/// Why a telemetry message was rejected, in the contract's precedence order (listed in
/// docs/telemetry.md): when several apply, the earliest in this list is reported.
public enum RejectionReason: String, Sendable, CaseIterable, Comparable, Codable {
    case badFrames = "bad_frames"
    case badTopic = "bad_topic"
    case oversized = "oversized"
    case invalidJSON = "invalid_json"
    case unsupportedVersion = "unsupported_version"
    case missingField = "missing_field"
    case badType = "bad_type"
    case notFinite = "not_finite"
    case noMetrics = "no_metrics"
    /// The topic is not the prefix followed by the payload's `cell`.
    case topicMismatch = "topic_mismatch"
    case tooManyCells = "too_many_cells"
    /// A `ts` that cannot be right: milliseconds or microseconds since the epoch, far in
    /// the future of the wall clock (live), or far ahead of the cell's own history.
    case implausibleTime = "implausible_time"
    case duplicate = "duplicate"
    case timeBackwards = "time_backwards"

    public static func < (lhs: RejectionReason, rhs: RejectionReason) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A rejected message: the reason code and a human-readable detail for the log.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: RejectionReason
    /// What exactly was wrong, e.g. `"seq": expected an integer in [0, 2^63), got -1`.
    public var detail: String

    public init(_ reason: RejectionReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// Whether a character from the wire must be escaped before it is shown on a terminal
/// or written into a log line: control characters (escape sequences, carriage returns,
/// newlines, NUL), the line and paragraph separators, and the bidirectional overrides and
/// isolates (U+202A-202E, U+2066-2069), which reorder what follows them on the line.
public func isUnsafeToShow(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
        || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
}
