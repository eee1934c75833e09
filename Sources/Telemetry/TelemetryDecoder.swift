import StrictJSON

/// Decodes telemetry payloads (the wire format of docs/telemetry.md) in one strict pass over the bytes.
///
/// Every rule of strict JSON is kept (no byte-order mark, no duplicate keys at any depth,
/// no lone surrogates, valid UTF-8, no control characters in strings, bounded nesting,
/// nothing after the value), and every field rule, with the rejection reason chosen by
/// the contract's precedence (docs/telemetry.md). The JSON rules are StrictJSON's
/// ``JSONLexer`` (the one lexer ``JSONParser`` also drives); this type adds the schema.
/// Speed comes from not building a document tree, interning metric names without making
/// a `String` for a name seen before, and exact fast-path number conversion, never from
/// skipping a check.
public struct TelemetryDecoder: Sendable {
    /// Metric names seen so far, by id.
    public private(set) var metricNames: MetricNames
    /// The deepest nesting accepted (the payload object is level 1).
    public var maximumDepth = 32
    /// The most metrics one sample may carry.
    public var maximumMetricsPerSample = 1024
    /// The longest metric name accepted, in UTF-8 bytes (names are kept for the life of
    /// the process: this and the table's capacity bound what they can take).
    public var maximumMetricNameBytes = 256
    /// Where the last payload's `ts` and `cell` values stood (byte ranges), when found,
    /// even if the payload was then rejected: replay reports them as the input gave them.
    public private(set) var lastTimestampRange: Range<Int>?
    public private(set) var lastCellRange: Range<Int>?

    private var seenStamp: [UInt32] = []
    private var stamp: UInt32 = 0
    /// The metric ids of the previous message by position: publishers send the same
    /// names in the same order, so a byte comparison usually replaces the hash lookup.
    private var positionCache: [Int32] = []

    public init(metricNames: MetricNames = MetricNames()) {
        self.metricNames = metricNames
    }

    /// Decodes one payload.
    /// - Throws: a ``Rejection`` with the reason the precedence of docs/telemetry.md assigns.
    public mutating func decode(_ payload: UnsafeRawBufferPointer) throws(Rejection) -> TelemetrySample {
        stamp &+= 1
        if stamp == 0 {
            for index in seenStamp.indices { seenStamp[index] = 0 }
            stamp = 1
        }
        var scanner = Scanner(bytes: payload, maximumDepth: maximumDepth)
        defer {
            lastTimestampRange = scanner.timestampRange
            lastCellRange = scanner.cellRange
        }
        let known = metricNames.count
        do {
            return try scanner.payload(decoder: &self)
        } catch {
            // A rejected message leaves no name behind (it would fill the table for good).
            if metricNames.count > known { forgetNames(from: known) }
            throw error
        }
    }

    /// Forgets the names added after the first `count`, and the positions that knew them.
    private mutating func forgetNames(from count: Int) {
        metricNames.removeNames(from: count)
        for index in positionCache.indices where Int(positionCache[index]) >= count { positionCache[index] = -1 }
    }

    /// Decodes one payload from an array of bytes.
    public mutating func decode(_ payload: [UInt8]) throws(Rejection) -> TelemetrySample {
        try payload.withUnsafeBytes { buffer in
            Result { () throws(Rejection) in try decode(buffer) }
        }.get()
    }

    /// Decodes one payload from a string.
    public mutating func decode(_ payload: String) throws(Rejection) -> TelemetrySample {
        try decode(Array(payload.utf8))
    }

    /// Records that `id` appears in the current message; false if it already did.
    fileprivate mutating func firstSighting(of id: Int32) -> Bool {
        let index = Int(id)
        if index >= seenStamp.count {
            seenStamp.append(contentsOf: repeatElement(0, count: index + 64 - seenStamp.count))
        }
        if seenStamp[index] == stamp { return false }
        seenStamp[index] = stamp
        return true
    }

    fileprivate mutating func internMetric(_ name: UnsafeRawBufferPointer, position: Int) -> Int32? {
        if position < positionCache.count {
            let cached = positionCache[position]
            if cached >= 0 && metricNames.matches(cached, name) { return cached }
        }
        guard let id = metricNames.id(for: name) else { return nil }
        if position < positionCache.count {
            positionCache[position] = id
        } else if position == positionCache.count && position < 256 {
            positionCache.append(id)
        }
        return id
    }
}

/// The telemetry schema over ``JSONLexer``: the payload object's grammar and field
/// rules, decoded as the tokens come (no document tree).
private struct Scanner {
    var lexer: JSONLexer
    /// The highest-precedence field problem found so far; reported only if the whole
    /// document turns out to be valid JSON (invalid_json outranks every field rule).
    var fieldProblem: Rejection?
    var timestampRange: Range<Int>?
    var cellRange: Range<Int>?

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        lexer = JSONLexer(bytes: bytes, maximumDepth: maximumDepth)
    }

    // MARK: Errors

    func syntax(_ message: String) -> Rejection {
        Rejection(.invalidJSON, "\(message) at byte \(lexer.index)")
    }

    /// A lexer error in this decoder's words (docs/telemetry.md): where the lexer stopped,
    /// and a few shorter messages than ``JSONParser``'s.
    func syntax(_ error: JSONLexError) -> Rejection {
        let message: String
        switch error.kind {
        case .unterminatedEscape: message = "unterminated string"
        case .invalidEscape: message = "invalid escape"
        case .leadingZero: message = "leading zeros are not allowed in a number"
        default: message = error.message
        }
        return Rejection(.invalidJSON, "\(message) at byte \(error.offset)")
    }

    mutating func note(_ reason: RejectionReason, _ detail: String) {
        if fieldProblem == nil || reason < fieldProblem!.reason {
            fieldProblem = Rejection(reason, detail)
        }
    }

    // MARK: The payload

    mutating func payload(decoder: inout TelemetryDecoder) throws(Rejection) -> TelemetrySample {
        if lexer.startsWithByteOrderMark {
            throw Rejection(.invalidJSON, "byte-order mark is not allowed")
        }
        lexer.skipWhitespace()
        guard !lexer.isAtEnd else { throw syntax("empty payload") }
        guard lexer.skip(UInt8(ascii: "{")) else {
            try skipValue(depth: 1)
            try expectEnd()
            throw Rejection(.badType, "the payload must be a JSON object")
        }

        var version: Double?
        var cell: String?
        var timestamp: Double?
        var sequence: Int64?
        var metrics: [TelemetrySample.Metric]?
        var label: String?
        var seenKnown: UInt8 = 0
        var unknownKeys: Set<[UInt8]>?

        lexer.skipWhitespace()
        if !lexer.skip(UInt8(ascii: "}")) {
            while true {
                lexer.skipWhitespace()
                guard lexer.peek() == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
                let key = try string()
                lexer.skipWhitespace()
                guard lexer.skip(UInt8(ascii: ":")) else { throw syntax("expected ':'") }
                lexer.skipWhitespace()
                let field = knownField(key)
                if let field {
                    let bit: UInt8 = 1 << field.rawValue
                    if seenKnown & bit != 0 { throw syntax("duplicate key \"\(field.name)\"") }
                    seenKnown |= bit
                    switch field {
                    case .version: version = try versionValue()
                    case .cell: cell = try cellValue()
                    case .timestamp: timestamp = try timestampValue()
                    case .sequence: sequence = try sequenceValue()
                    case .metrics: metrics = try metricsValue(decoder: &decoder)
                    case .label: label = try labelValue()
                    }
                } else {
                    let keyBytes = lexer.content(of: key)
                    if unknownKeys == nil { unknownKeys = [] }
                    if !unknownKeys!.insert(keyBytes).inserted {
                        throw syntax("duplicate key \"\(String(decoding: keyBytes, as: UTF8.self))\"")
                    }
                    try skipValue(depth: 2)
                }
                if try !moreMembers(closing: "}", in: "the payload object") { break }
            }
        }
        try expectEnd()

        // Field rules, by precedence.
        if let version, version != 1 {
            note(.unsupportedVersion, "\"v\" is \(formatNumber(version)); this daemon reads version 1")
        }
        for (present, name) in [
            (seenKnown & 1 != 0, "v"), (seenKnown & 2 != 0, "cell"),
            (seenKnown & 4 != 0, "ts"), (seenKnown & 8 != 0, "seq"), (seenKnown & 16 != 0, "metrics"),
        ] where !present {
            note(.missingField, "\"\(name)\" is required")
        }
        if let problem = fieldProblem { throw problem }
        guard let cell, let timestamp, let sequence, let metrics else {
            throw Rejection(.badType, "a required field has the wrong type")
        }
        return TelemetrySample(cell: cell, timestamp: timestamp, sequence: sequence, metrics: metrics, label: label)
    }

    enum Field: UInt8 {
        case version = 0, cell, timestamp, sequence, metrics, label
        var name: String {
            switch self {
            case .version: "v"
            case .cell: "cell"
            case .timestamp: "ts"
            case .sequence: "seq"
            case .metrics: "metrics"
            case .label: "label"
            }
        }
    }

    func knownField(_ key: JSONStringToken) -> Field? {
        if lexer.matches(key, "v") { return .version }
        if lexer.matches(key, "cell") { return .cell }
        if lexer.matches(key, "ts") { return .timestamp }
        if lexer.matches(key, "seq") { return .sequence }
        if lexer.matches(key, "metrics") { return .metrics }
        if lexer.matches(key, "label") { return .label }
        return nil
    }

    // MARK: Field values

    mutating func versionValue() throws(Rejection) -> Double? {
        // The version is checked before anything else about the payload: a `v` that is
        // not the number 1, whatever its type, is `unsupported_version`.
        guard JSONLexer.isNumberStart(lexer.peek()) else {
            let type = try skipValueType(depth: 2)
            note(.unsupportedVersion, "\"v\" must be the number 1, got \(type)")
            return nil
        }
        let number = try number()
        if !number.double.isFinite {
            note(.unsupportedVersion, "\"v\" must be the number 1, got a number that overflows a double")
            return nil
        }
        return number.double
    }

    mutating func cellValue() throws(Rejection) -> String? {
        guard lexer.peek() == UInt8(ascii: "\"") else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"cell\" must be a string, got \(type)")
            return nil
        }
        let cellStart = lexer.index
        let token = try string()
        cellRange = (cellStart + 1)..<(lexer.index - 1)
        let count = token.byteCount
        guard count >= 1 && count <= 128 else {
            note(.badType, "\"cell\" must be 1..128 bytes, got \(count)")
            return nil
        }
        return lexer.text(of: token)
    }

    mutating func timestampValue() throws(Rejection) -> Double? {
        guard JSONLexer.isNumberStart(lexer.peek()) else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"ts\" must be a number (epoch seconds), got \(type)")
            return nil
        }
        let number = try number()
        timestampRange = number.start..<lexer.index
        guard number.double.isFinite else {
            note(.notFinite, "\"ts\" overflows a double")
            return nil
        }
        guard number.double > 0 else {
            note(.badType, "\"ts\" must be > 0, got \(formatNumber(number.double))")
            return nil
        }
        return number.double
    }

    mutating func sequenceValue() throws(Rejection) -> Int64? {
        guard JSONLexer.isNumberStart(lexer.peek()) else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"seq\" must be an integer, got \(type)")
            return nil
        }
        let number = try number()
        guard number.double.isFinite else {
            note(.notFinite, "\"seq\" overflows a double")
            return nil
        }
        // -2^63 is refused below by its double value, as it always was (only that message names it).
        if let integer = number.integer, integer != .min {
            guard integer >= 0 else {
                note(.badType, "\"seq\" must be in [0, 2^63), got \(integer)")
                return nil
            }
            return integer
        }
        // A fraction/exponent literal that is still an exact integer (1e3, 5.0) is accepted.
        let value = number.double
        guard value >= 0, value < 9_223_372_036_854_775_808.0, value == value.rounded(.towardZero) else {
            note(.badType, "\"seq\" must be an integer in [0, 2^63), got \(formatNumber(value))")
            return nil
        }
        return Int64(value)
    }

    mutating func labelValue() throws(Rejection) -> String? {
        guard lexer.peek() == UInt8(ascii: "\"") else {
            try skipValue(depth: 2)  // null or anything else: no label
            return nil
        }
        let token = try string()
        return lexer.text(of: token)
    }

    mutating func metricsValue(decoder: inout TelemetryDecoder) throws(Rejection) -> [TelemetrySample.Metric]? {
        guard lexer.skip(UInt8(ascii: "{")) else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"metrics\" must be an object of name -> number, got \(type)")
            return nil
        }
        var metrics: [TelemetrySample.Metric] = []
        metrics.reserveCapacity(24)
        var valid = true
        var position = 0
        lexer.skipWhitespace()
        if lexer.skip(UInt8(ascii: "}")) {
            note(.noMetrics, "\"metrics\" is empty")
            return nil
        }
        while true {
            lexer.skipWhitespace()
            guard lexer.peek() == UInt8(ascii: "\"") else { throw syntax("expected a metric name") }
            let name = try string()
            lexer.skipWhitespace()
            guard lexer.skip(UInt8(ascii: ":")) else { throw syntax("expected ':'") }
            lexer.skipWhitespace()
            let tooLong = name.byteCount > decoder.maximumMetricNameBytes
            let id = tooLong ? nil : lexer.withContent(of: name) { decoder.internMetric($0, position: position) }
            position += 1
            if let id, !decoder.firstSighting(of: id) {
                throw syntax("duplicate metric \"\(lexer.text(of: name))\"")
            }
            if name.byteCount == 0 {
                note(.badType, "a metric name must not be empty")
                valid = false
            }
            if tooLong {
                note(.badType, "a metric name of \(name.byteCount) bytes; at most \(decoder.maximumMetricNameBytes)")
                valid = false
            } else if id == nil {
                note(.badType, "too many distinct metric names (\(decoder.metricNames.capacity))")
                valid = false
            }
            if JSONLexer.isNumberStart(lexer.peek()) {
                let number = try number()
                if !number.double.isFinite {
                    note(.notFinite, "metric \"\(lexer.text(of: name))\" overflows a double")
                    valid = false
                } else if let id, valid {
                    metrics.append(TelemetrySample.Metric(id: id, value: number.double))
                }
            } else {
                let type = try skipValueType(depth: 3)
                note(.badType, "metric \"\(lexer.text(of: name))\" must be a number, got \(type)")
                valid = false
            }
            if try !moreMembers(closing: "}", in: "\"metrics\"") { break }
        }
        if metrics.count > decoder.maximumMetricsPerSample {
            note(.badType, "\(metrics.count) metrics in one sample; at most \(decoder.maximumMetricsPerSample)")
            return nil
        }
        return valid ? metrics : nil
    }

    // MARK: Structure (the tokens are JSONLexer's)

    mutating func string() throws(Rejection) -> JSONStringToken {
        do throws(JSONLexError) { return try lexer.scanString() } catch { throw syntax(error) }
    }

    mutating func number() throws(Rejection) -> JSONNumberToken {
        do throws(JSONLexError) { return try lexer.scanNumber() } catch { throw syntax(error) }
    }

    /// After a member or element: `,` means more follow (true), `closing` ends the
    /// container (false); anything else is a syntax error.
    mutating func moreMembers(closing: Unicode.Scalar, in container: String) throws(Rejection) -> Bool {
        lexer.skipWhitespace()
        guard let next = lexer.peek() else { throw syntax("unexpected end of input in \(container)") }
        if next == UInt8(ascii: ",") {
            lexer.index += 1
            return true
        }
        if next == UInt8(ascii: closing) {
            lexer.index += 1
            return false
        }
        throw syntax("expected ',' or '\(closing)' in \(container)")
    }

    mutating func expectEnd() throws(Rejection) {
        lexer.skipWhitespace()
        if !lexer.isAtEnd { throw syntax("unexpected data after the JSON object") }
    }

    /// Skips one value (validating it strictly) and names its type.
    mutating func skipValueType(depth: Int) throws(Rejection) -> String {
        // Named from the first byte; a byte no value starts with is refused by skipValue.
        let type = (try? lexer.valueKind())?.typeName ?? "a number"
        try skipValue(depth: depth)
        return type
    }

    /// Validates and skips any JSON value (`depth`: its nesting level if a container).
    mutating func skipValue(depth: Int) throws(Rejection) {
        let kind: JSONValueKind
        do throws(JSONLexError) {
            kind = try lexer.valueKind()
            switch kind {
            case .string: _ = try lexer.scanString(); return
            case .number:
                // A number anywhere must be a double, in a field read or ignored.
                if !(try lexer.scanNumber()).double.isFinite { note(.notFinite, "a number overflows a double") }
                return
            case .true, .false, .null: try lexer.scanLiteral(kind); return
            case .object, .array: try lexer.checkDepth(depth)
            }
        } catch {
            throw syntax(error)
        }
        lexer.index += 1
        if kind == .array {
            lexer.skipWhitespace()
            if lexer.skip(UInt8(ascii: "]")) { return }
            while true {
                lexer.skipWhitespace()
                try skipValue(depth: depth + 1)
                if try !moreMembers(closing: "]", in: "an array") { return }
            }
        }
        var keys = Set<[UInt8]>()
        lexer.skipWhitespace()
        if lexer.skip(UInt8(ascii: "}")) { return }
        while true {
            lexer.skipWhitespace()
            guard lexer.peek() == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
            let key = try string()
            if !keys.insert(lexer.content(of: key)).inserted { throw syntax("duplicate key \"\(lexer.text(of: key))\"") }
            lexer.skipWhitespace()
            guard lexer.skip(UInt8(ascii: ":")) else { throw syntax("expected ':'") }
            lexer.skipWhitespace()
            try skipValue(depth: depth + 1)
            if try !moreMembers(closing: "}", in: "an object") { return }
        }
    }
}

/// A number for a message: integers without a fraction.
func formatNumber(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
