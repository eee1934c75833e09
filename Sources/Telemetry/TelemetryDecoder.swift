import StrictJSON

/// Decodes telemetry payloads (the wire format of docs/telemetry.md) in one strict pass over the bytes.
///
/// Every rule of strict JSON is kept (no byte-order mark, no duplicate keys at any depth,
/// no lone surrogates, valid UTF-8, no control characters in strings, bounded nesting,
/// nothing after the value), and every field rule, with the rejection reason chosen by
/// the contract's precedence (docs/telemetry.md). Speed comes from not building a document tree, interning
/// metric names without making a `String` for a name seen before, and exact fast-path
/// number conversion, never from skipping a check.
public struct TelemetryDecoder: Sendable {
    /// Metric names seen so far, by id.
    public private(set) var metricNames: MetricNames
    /// The deepest nesting accepted (the payload object is level 1).
    public var maximumDepth = 32
    /// The most metrics one sample may carry.
    public var maximumMetricsPerSample = 1024
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
        return try scanner.payload(decoder: &self)
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
            if metricNames.matches(cached, name) { return cached }
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

/// A string token: its raw bytes between the quotes when it has no escapes, otherwise
/// the decoded bytes.
private enum StringToken {
    case raw(Range<Int>)
    case decoded([UInt8])
}

private struct Scanner {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    var index = 0
    /// The highest-precedence field problem found so far; reported only if the whole
    /// document turns out to be valid JSON (invalid_json outranks every field rule).
    var fieldProblem: Rejection?
    var timestampRange: Range<Int>?
    var cellRange: Range<Int>?

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    // MARK: Errors

    func syntax(_ message: String) -> Rejection {
        Rejection(.invalidJSON, "\(message) at byte \(index)")
    }

    mutating func note(_ reason: RejectionReason, _ detail: String) {
        if fieldProblem == nil || reason < fieldProblem!.reason {
            fieldProblem = Rejection(reason, detail)
        }
    }

    // MARK: The payload

    mutating func payload(decoder: inout TelemetryDecoder) throws(Rejection) -> TelemetrySample {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw Rejection(.invalidJSON, "byte-order mark is not allowed")
        }
        skipWhitespace()
        guard index < bytes.count else { throw syntax("empty payload") }
        guard bytes[index] == UInt8(ascii: "{") else {
            try skipValue(depth: 1)
            try expectEnd()
            throw Rejection(.badType, "the payload must be a JSON object")
        }
        index += 1

        var version: Double?
        var cell: String?
        var timestamp: Double?
        var sequence: Int64?
        var metrics: [TelemetrySample.Metric]?
        var label: String?
        var seenKnown: UInt8 = 0
        var unknownKeys: Set<[UInt8]>?

        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
                let key = try string()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw syntax("expected ':'") }
                index += 1
                skipWhitespace()
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
                    let keyBytes = bytesOf(key)
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

    func knownField(_ key: StringToken) -> Field? {
        func matches(_ word: StaticString) -> Bool {
            switch key {
            case .raw(let range):
                guard range.count == word.utf8CodeUnitCount else { return false }
                for offset in 0..<range.count where bytes[range.lowerBound + offset] != word.utf8Start[offset] {
                    return false
                }
                return true
            case .decoded(let decoded):
                return decoded.elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            }
        }
        if matches("v") { return .version }
        if matches("cell") { return .cell }
        if matches("ts") { return .timestamp }
        if matches("seq") { return .sequence }
        if matches("metrics") { return .metrics }
        if matches("label") { return .label }
        return nil
    }

    func bytesOf(_ token: StringToken) -> [UInt8] {
        switch token {
        case .raw(let range): Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
        case .decoded(let decoded): decoded
        }
    }

    func text(_ token: StringToken) -> String {
        switch token {
        case .raw(let range): String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let decoded): String(decoding: decoded, as: UTF8.self)
        }
    }

    func byteCount(_ token: StringToken) -> Int {
        switch token {
        case .raw(let range): range.count
        case .decoded(let decoded): decoded.count
        }
    }

    // MARK: Field values

    mutating func versionValue() throws(Rejection) -> Double? {
        // The version is checked before anything else about the payload: a `v` that is
        // not the number 1, whatever its type, is `unsupported_version`.
        guard isNumberStart(peek()) else {
            let type = try skipValueType(depth: 2)
            note(.unsupportedVersion, "\"v\" must be the number 1, got \(type)")
            return nil
        }
        let number = try number()
        if !number.value.isFinite {
            note(.unsupportedVersion, "\"v\" must be the number 1, got a number that overflows a double")
            return nil
        }
        return number.value
    }

    mutating func cellValue() throws(Rejection) -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"cell\" must be a string, got \(type)")
            return nil
        }
        let cellStart = index
        let token = try string()
        cellRange = (cellStart + 1)..<(index - 1)
        let count = byteCount(token)
        guard count >= 1 && count <= 128 else {
            note(.badType, "\"cell\" must be 1..128 bytes, got \(count)")
            return nil
        }
        return text(token)
    }

    mutating func timestampValue() throws(Rejection) -> Double? {
        guard isNumberStart(peek()) else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"ts\" must be a number (epoch seconds), got \(type)")
            return nil
        }
        let timestampStart = index
        let number = try number()
        timestampRange = timestampStart..<index
        guard number.value.isFinite else {
            note(.notFinite, "\"ts\" overflows a double")
            return nil
        }
        guard number.value > 0 else {
            note(.badType, "\"ts\" must be > 0, got \(formatNumber(number.value))")
            return nil
        }
        return number.value
    }

    mutating func sequenceValue() throws(Rejection) -> Int64? {
        guard isNumberStart(peek()) else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"seq\" must be an integer, got \(type)")
            return nil
        }
        let number = try number()
        guard number.value.isFinite else {
            note(.notFinite, "\"seq\" overflows a double")
            return nil
        }
        if let integer = number.integer {
            guard integer >= 0 else {
                note(.badType, "\"seq\" must be in [0, 2^63), got \(integer)")
                return nil
            }
            return integer
        }
        // A fraction/exponent literal that is still an exact integer (1e3, 5.0) is accepted.
        guard number.value >= 0, number.value < 9_223_372_036_854_775_808.0, number.value == number.value.rounded(.towardZero)
        else {
            note(.badType, "\"seq\" must be an integer in [0, 2^63), got \(formatNumber(number.value))")
            return nil
        }
        return Int64(number.value)
    }

    mutating func labelValue() throws(Rejection) -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue(depth: 2)  // null or anything else: no label
            return nil
        }
        let token = try string()
        return text(token)
    }

    mutating func metricsValue(decoder: inout TelemetryDecoder) throws(Rejection) -> [TelemetrySample.Metric]? {
        guard peek() == UInt8(ascii: "{") else {
            let type = try skipValueType(depth: 2)
            note(.badType, "\"metrics\" must be an object of name -> number, got \(type)")
            return nil
        }
        index += 1
        var metrics: [TelemetrySample.Metric] = []
        metrics.reserveCapacity(24)
        var valid = true
        var position = 0
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            note(.noMetrics, "\"metrics\" is empty")
            return nil
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a metric name") }
            let name = try string()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw syntax("expected ':'") }
            index += 1
            skipWhitespace()
            var id: Int32?
            switch name {
            case .raw(let range):
                id = decoder.internMetric(UnsafeRawBufferPointer(rebasing: bytes[range]), position: position)
            case .decoded(let decoded):
                id = decoded.withUnsafeBytes { decoder.internMetric($0, position: position) }
            }
            position += 1
            if let id, !decoder.firstSighting(of: id) {
                throw syntax("duplicate metric \"\(text(name))\"")
            }
            if byteCount(name) == 0 {
                note(.badType, "a metric name must not be empty")
                valid = false
            }
            if id == nil {
                note(.badType, "too many distinct metric names (\(decoder.metricNames.capacity))")
                valid = false
            }
            if isNumberStart(peek()) {
                let number = try number()
                if !number.value.isFinite {
                    note(.notFinite, "metric \"\(text(name))\" overflows a double")
                    valid = false
                } else if let id, valid {
                    metrics.append(TelemetrySample.Metric(id: id, value: number.value))
                }
            } else {
                let type = try skipValueType(depth: 3)
                note(.badType, "metric \"\(text(name))\" must be a number, got \(type)")
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

    // MARK: Lexing

    func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    func isNumberStart(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// After a member or element: `,` means more follow (true), `closing` ends the
    /// container (false); anything else is a syntax error.
    mutating func moreMembers(closing: Unicode.Scalar, in container: String) throws(Rejection) -> Bool {
        skipWhitespace()
        guard let next = peek() else { throw syntax("unexpected end of input in \(container)") }
        if next == UInt8(ascii: ",") {
            index += 1
            return true
        }
        if next == UInt8(ascii: closing) {
            index += 1
            return false
        }
        throw syntax("expected ',' or '\(closing)' in \(container)")
    }

    mutating func expectEnd() throws(Rejection) {
        skipWhitespace()
        if index < bytes.count { throw syntax("unexpected data after the JSON object") }
    }

    /// Skips one value (validating it strictly) and names its type.
    mutating func skipValueType(depth: Int) throws(Rejection) -> String {
        let type: String
        switch peek() {
        case UInt8(ascii: "\""): type = "a string"
        case UInt8(ascii: "{"): type = "an object"
        case UInt8(ascii: "["): type = "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): type = "a boolean"
        case UInt8(ascii: "n"): type = "null"
        default: type = "a number"
        }
        try skipValue(depth: depth)
        return type
    }

    /// Validates and skips any JSON value.
    mutating func skipValue(depth: Int) throws(Rejection) {
        guard let byte = peek() else { throw syntax("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"):
            guard depth <= maximumDepth else { throw syntax("nesting deeper than \(maximumDepth) levels") }
            index += 1
            var keys = Set<[UInt8]>()
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
                let key = try string()
                if !keys.insert(bytesOf(key)).inserted { throw syntax("duplicate key \"\(text(key))\"") }
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw syntax("expected ':'") }
                index += 1
                skipWhitespace()
                try skipValue(depth: depth + 1)
                if try !moreMembers(closing: "}", in: "an object") { return }
            }
        case UInt8(ascii: "["):
            guard depth <= maximumDepth else { throw syntax("nesting deeper than \(maximumDepth) levels") }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                if try !moreMembers(closing: "]", in: "an array") { return }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            guard isNumberStart(byte) else {
                throw syntax("unexpected character '\(byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16))'")
            }
            _ = try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(Rejection) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw syntax("invalid literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw syntax("invalid literal")
        }
        index += count
    }

    /// Reads a string token; validates escapes, control characters and UTF-8.
    mutating func string() throws(Rejection) -> StringToken {
        index += 1  // the opening quote
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let range = start..<index
                index += 1
                if !ascii && !isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes[range])) {
                    throw syntax("invalid UTF-8 in a string")
                }
                return .raw(range)
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw syntax("unescaped control character in a string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw syntax("unterminated string")
    }

    mutating func escapedString(from start: Int) throws(Rejection) -> StringToken {
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                guard decoded.withUnsafeBytes({ isValidUTF8($0) }) else { throw syntax("invalid UTF-8 in a string") }
                return .decoded(decoded)
            }
            if byte < 0x20 { throw syntax("unescaped control character in a string") }
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                continue
            }
            guard let escape = peek() else { break }
            index += 1
            if let simple = JSONEscapes.simple(escape) {
                decoded.append(simple)
                continue
            }
            guard escape == UInt8(ascii: "u") else { throw syntax("invalid escape") }
            let scalar: UInt32
            do throws(JSONEscapes.UnicodeEscapeError) {
                scalar = try JSONEscapes.unicodeEscape(bytes, at: &index)
            } catch {
                throw syntax(error.message)
            }
            JSONEscapes.appendUTF8(scalar, to: &decoded)
        }
        throw syntax("unterminated string")
    }

    /// Reads a number: strict grammar, exact conversion (Clinger's fast path for up to
    /// 15 significant digits and small exponents, else the standard library's parser).
    mutating func number() throws(Rejection) -> (value: Double, integer: Int64?) {
        let start = index
        let count = bytes.count
        var i = index
        var negative = false
        if bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < count, bytes[i] &- 0x30 < 10 else {
            index = i
            throw syntax("invalid number")
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var droppedDigits = 0  // integer digits beyond what the mantissa holds
        if bytes[i] == 0x30 {
            i += 1
            if i < count && bytes[i] &- 0x30 < 10 {
                index = i
                throw syntax("leading zeros are not allowed in a number")
            }
        } else {
            while i < count {
                let d = bytes[i] &- 0x30
                if d >= 10 { break }
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                } else {
                    droppedDigits += 1
                }
                i += 1
            }
        }
        var exponent = droppedDigits
        var isInteger = true
        if i < count && bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < count, bytes[i] &- 0x30 < 10 else {
                index = i
                throw syntax("invalid number: digits expected after '.'")
            }
            while i < count {
                let d = bytes[i] &- 0x30
                if d >= 10 { break }
                if significant < 19 {
                    if mantissa != 0 || d != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(d)
                        significant += 1
                    }
                    exponent -= 1
                }
                i += 1
            }
        }
        if i < count && (bytes[i] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            var exponentNegative = false
            if i < count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < count, bytes[i] &- 0x30 < 10 else {
                index = i
                throw syntax("invalid number: digits expected in the exponent")
            }
            var value = 0
            while i < count {
                let d = bytes[i] &- 0x30
                if d >= 10 { break }
                if value < 100_000 { value = value * 10 + Int(d) }
                i += 1
            }
            exponent += exponentNegative ? -value : value
        }
        index = i
        var integer: Int64?
        if isInteger && droppedDigits == 0 && mantissa <= UInt64(Int64.max) {
            integer = negative ? -Int64(mantissa) : Int64(mantissa)
        }
        if significant <= 15 && exponent >= -22 && exponent <= 22 && droppedDigits == 0 {
            // Clinger's fast path: both the mantissa (< 10^15 < 2^53) and 10^|e| are exact
            // doubles, so one correctly rounded multiply or divide gives the exact result.
            var value = Double(mantissa)
            if exponent < 0 { value /= powersOfTen[-exponent] } else if exponent > 0 { value *= powersOfTen[exponent] }
            return (negative ? -value : value, integer)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        let value = Double(text) ?? (negative ? -.infinity : .infinity)
        return (value, integer)
    }
}

private let powersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}

/// Whether bytes are well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
}

/// A number for a message: integers without a fraction.
func formatNumber(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
