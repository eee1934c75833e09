/// The one strict RFC 8259 lexer every JSON reader here drives: ``JSONParser`` (which
/// builds a ``JSONValue`` tree) and the telemetry decoder (which decodes straight into a
/// sample, without a tree).
///
/// A pull lexer: the reader keeps the grammar (which token may come next, and its own
/// error wording for structure), asks for one token at a time at ``index``, and reads
/// the bytes of a string token in place. It owns every rule below the grammar: whitespace,
/// strings (escapes, surrogate pairs, control characters, UTF-8), numbers (strict grammar,
/// exact conversion), literals, the nesting limit, and where each of those errors stands.
///
/// Nothing is allocated for a number, a literal, or a string without escapes; a string
/// with escapes is decoded into one byte array. The small steps are always inlined into
/// the reader (a call per whitespace run or comma costs the decoder measurably).
public struct JSONLexer {
    /// The document.
    public let bytes: UnsafeRawBufferPointer
    /// The deepest nesting of arrays and objects accepted (see ``checkDepth(_:)``).
    public let maximumDepth: Int
    /// The next byte to read.
    public var index: Int

    @inlinable
    public init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.index = 0
    }

    // MARK: Bytes and whitespace

    /// Whether the document starts with a UTF-8 byte-order mark (RFC 8259 refuses it).
    @inlinable @inline(__always)
    public var startsWithByteOrderMark: Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// The byte at ``index``; nil at the end.
    @inlinable @inline(__always)
    public func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    /// Whether every byte has been read.
    @inlinable @inline(__always)
    public var isAtEnd: Bool { index >= bytes.count }

    /// Steps over `byte` if it is next; false (and no move) otherwise.
    @inlinable @inline(__always)
    public mutating func skip(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Steps over JSON whitespace (space, tab, line feed, carriage return).
    @inlinable @inline(__always)
    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Refuses a container at nesting level `depth` (1 for the outermost) deeper than
    /// ``maximumDepth``; the error stands at ``index`` (the opening bracket).
    @inlinable @inline(__always)
    public func checkDepth(_ depth: Int) throws(JSONLexError) {
        if depth > maximumDepth { throw JSONLexError(.tooDeep(maximumDepth), at: index) }
    }

    // MARK: Values

    /// What the value starting at ``index`` is, from its first byte, without reading it.
    /// - Throws: `unexpectedEnd` at the end, `unexpectedCharacter` for a byte no value starts with.
    @inlinable @inline(__always)
    public func valueKind() throws(JSONLexError) -> JSONValueKind {
        guard index < bytes.count else { throw JSONLexError(.unexpectedEnd, at: index) }
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"): return .true
        case UInt8(ascii: "f"): return .false
        case UInt8(ascii: "n"): return .null
        default:
            guard Self.isNumberStart(byte) else { throw JSONLexError(.unexpectedCharacter(byte), at: index) }
            return .number
        }
    }

    /// Whether a number may start with `byte` (`-` or a digit).
    @inlinable @inline(__always)
    public static func isNumberStart(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte == UInt8(ascii: "-") || byte &- 0x30 < 10
    }

    /// Reads `true`, `false` or `null` at ``index`` (`kind` says which).
    @inlinable
    public mutating func scanLiteral(_ kind: JSONValueKind) throws(JSONLexError) {
        let word: StaticString
        switch kind {
        case .true: word = "true"
        case .false: word = "false"
        default: word = "null"
        }
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw JSONLexError(.invalidLiteral, at: index) }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw JSONLexError(.invalidLiteral, at: index)
        }
        index += count
    }

    // MARK: Strings

    /// Reads the string whose opening quote is at ``index``: refuses unescaped control
    /// characters, invalid escapes, lone surrogates and invalid UTF-8.
    @inlinable
    public mutating func scanString() throws(JSONLexError) -> JSONStringToken {
        let quote = index
        index += 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let range = start..<index
                index += 1
                if !ascii && String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil {
                    throw JSONLexError(.invalidUTF8, at: index, token: quote)
                }
                return .raw(range)
            }
            if byte == UInt8(ascii: "\\") { return try scanEscapedString(quote: quote, from: start) }
            if byte < 0x20 { throw JSONLexError(.controlCharacter, at: index, token: quote) }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw JSONLexError(.unterminatedString, at: index, token: quote)
    }

    /// The rest of a string from its first backslash (at ``index``), decoded.
    @usableFromInline
    mutating func scanEscapedString(quote: Int, from start: Int) throws(JSONLexError) -> JSONStringToken {
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                guard String(validating: decoded, as: UTF8.self) != nil else {
                    throw JSONLexError(.invalidUTF8, at: index, token: quote)
                }
                return .decoded(decoded)
            }
            if byte < 0x20 { throw JSONLexError(.controlCharacter, at: index, token: quote) }
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                continue
            }
            guard index < bytes.count else { throw JSONLexError(.unterminatedEscape, at: index, token: quote) }
            let escape = bytes[index]
            index += 1
            if let simple = JSONEscapes.simple(escape) {
                decoded.append(simple)
                continue
            }
            guard escape == UInt8(ascii: "u") else { throw JSONLexError(.invalidEscape(escape), at: index, token: quote) }
            let scalar: UInt32
            do throws(JSONEscapes.UnicodeEscapeError) {
                scalar = try JSONEscapes.unicodeEscape(bytes, at: &index)
            } catch {
                throw JSONLexError(.unicodeEscape(error), at: index, token: quote)
            }
            JSONEscapes.appendUTF8(scalar, to: &decoded)
        }
        throw JSONLexError(.unterminatedString, at: index, token: quote)
    }

    /// Whether a string token's content is exactly `word`'s bytes (no `String` made).
    @inlinable @inline(__always)
    public func matches(_ token: JSONStringToken, _ word: StaticString) -> Bool {
        switch token {
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

    /// Calls `body` with a string token's content (valid UTF-8), in place when it had no escapes.
    @inlinable @inline(__always)
    public func withContent<Result>(of token: JSONStringToken, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch token {
        case .raw(let range): try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        case .decoded(let decoded): try decoded.withUnsafeBytes(body)
        }
    }

    /// A string token's content as bytes.
    @inlinable @inline(__always)
    public func content(of token: JSONStringToken) -> [UInt8] {
        switch token {
        case .raw(let range): Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
        case .decoded(let decoded): decoded
        }
    }

    /// A string token's content as a `String` (the lexer has checked it is valid UTF-8).
    @inlinable @inline(__always)
    public func text(of token: JSONStringToken) -> String {
        switch token {
        case .raw(let range): String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let decoded): String(decoding: decoded, as: UTF8.self)
        }
    }

    // MARK: Numbers

    /// Reads the number starting at ``index`` (`-` or a digit): the strict grammar (no
    /// leading zeros, digits after `.` and in the exponent), converted exactly: Clinger's
    /// fast path for up to 15 significant digits and small exponents, otherwise the
    /// standard library's correctly rounded parser (an infinity when the literal overflows).
    @inlinable
    public mutating func scanNumber() throws(JSONLexError) -> JSONNumberToken {
        let start = index
        let count = bytes.count
        var i = index
        var negative = false
        if i < count && bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < count, bytes[i] &- 0x30 < 10 else {
            index = i
            throw JSONLexError(.invalidNumber, at: i, token: start)
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var droppedDigits = 0  // integer digits beyond what the mantissa holds
        if bytes[i] == 0x30 {
            i += 1
            if i < count && bytes[i] &- 0x30 < 10 {
                index = i
                throw JSONLexError(.leadingZero, at: i, token: start)
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
                throw JSONLexError(.fractionDigitsExpected, at: i, token: start)
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
                throw JSONLexError(.exponentDigitsExpected, at: i, token: start)
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
        // An integer literal of at most 19 digits is exact in the mantissa.
        var integer: Int64?
        if isInteger && droppedDigits == 0 {
            if mantissa <= UInt64(Int64.max) {
                integer = negative ? -Int64(mantissa) : Int64(mantissa)
            } else if negative && mantissa == UInt64(Int64.max) + 1 {
                integer = .min
            }
        }
        if significant <= 15 && exponent >= -22 && exponent <= 22 && droppedDigits == 0 {
            // Clinger's fast path: both the mantissa (< 10^15 < 2^53) and 10^|e| are exact
            // doubles, so one correctly rounded multiply or divide gives the exact result.
            var value = Double(mantissa)
            if exponent < 0 {
                value /= JSONLexer.powersOfTen[-exponent]
            } else if exponent > 0 {
                value *= JSONLexer.powersOfTen[exponent]
            }
            return JSONNumberToken(start: start, double: negative ? -value : value, integer: integer)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        let value = Double(text) ?? (negative ? -.infinity : .infinity)
        return JSONNumberToken(start: start, double: value, integer: integer)
    }

    /// 10^0 ... 10^22, each exact as a double.
    @usableFromInline
    static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// A byte for a message: itself if printable ASCII, else `\x..`.
    public static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}

/// What a JSON value is, from its first byte.
public enum JSONValueKind: Sendable, Equatable {
    case object, array, string, number, `true`, `false`, null

    /// A short name for error messages ("a string", "an array"), as ``JSONValue/typeName``.
    public var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }
}

/// A string's content: the bytes between the quotes when it has no escapes (read them
/// through the lexer), otherwise the decoded bytes.
public enum JSONStringToken: Sendable, Equatable {
    case raw(Range<Int>)
    case decoded([UInt8])

    /// The content's length in bytes (UTF-8).
    @inlinable @inline(__always)
    public var byteCount: Int {
        switch self {
        case .raw(let range): range.count
        case .decoded(let decoded): decoded.count
        }
    }
}

/// A number: where it starts (it ends at the lexer's ``JSONLexer/index``), its value.
public struct JSONNumberToken: Sendable, Equatable {
    /// Offset of the number's first byte.
    public var start: Int
    /// The nearest double; infinite when the literal overflows (e.g. `1e400`).
    public var double: Double
    /// The exact value when the literal has no fraction or exponent and fits in `Int64`.
    public var integer: Int64?

    @inlinable
    public init(start: Int, double: Double, integer: Int64?) {
        self.start = start
        self.double = double
        self.integer = integer
    }
}

/// Why the lexer refused the document, and where. The readers word it for their callers
/// (``JSONParser`` as ``JSONSyntaxError``, the telemetry decoder as a rejection).
public struct JSONLexError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The input ended inside a string.
        case unterminatedString
        /// The input ended right after a backslash in a string.
        case unterminatedEscape
        /// A byte below 0x20 inside a string.
        case controlCharacter
        /// A string's content is not well-formed UTF-8.
        case invalidUTF8
        /// A backslash followed by this byte, which no escape starts with.
        case invalidEscape(UInt8)
        /// A `\u` escape that is truncated, not hex, or a lone surrogate.
        case unicodeEscape(JSONEscapes.UnicodeEscapeError)
        /// A `-` without a digit after it.
        case invalidNumber
        /// A `0` followed by a digit.
        case leadingZero
        /// A `.` without a digit after it.
        case fractionDigitsExpected
        /// An `e` (and sign) without a digit after it.
        case exponentDigitsExpected
        /// Not `true`, `false` or `null`.
        case invalidLiteral
        /// A container nested deeper than the limit (the limit).
        case tooDeep(Int)
        /// The input ended where a value was expected.
        case unexpectedEnd
        /// A byte no value starts with.
        case unexpectedCharacter(UInt8)
    }

    public var kind: Kind
    /// Where the lexer stopped: the offending byte, the end of the input, just past the
    /// escape for an invalid escape, just past the closing quote for invalid UTF-8.
    public var offset: Int
    /// Where the token being read started (a string's opening quote, a number's first byte).
    public var tokenStart: Int

    @inlinable
    public init(_ kind: Kind, at offset: Int, token tokenStart: Int? = nil) {
        self.kind = kind
        self.offset = offset
        self.tokenStart = tokenStart ?? offset
    }

    /// What is wrong, e.g. "leading zeros are not allowed".
    public var message: String {
        switch kind {
        case .unterminatedString: "unterminated string"
        case .unterminatedEscape: "unterminated escape"
        case .controlCharacter: "unescaped control character in a string"
        case .invalidUTF8: "invalid UTF-8 in a string"
        case .invalidEscape(let byte): "invalid escape '\\\(JSONLexer.printable(byte))'"
        case .unicodeEscape(let error): error.message
        case .invalidNumber: "invalid number"
        case .leadingZero: "leading zeros are not allowed"
        case .fractionDigitsExpected: "invalid number: digits expected after '.'"
        case .exponentDigitsExpected: "invalid number: digits expected in the exponent"
        case .invalidLiteral: "invalid literal"
        case .tooDeep(let maximum): "nesting deeper than \(maximum) levels"
        case .unexpectedEnd: "unexpected end of input"
        case .unexpectedCharacter(let byte): "unexpected character '\(JSONLexer.printable(byte))'"
        }
    }
}
