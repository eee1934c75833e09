/// Why a document is not strict JSON, and where.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "duplicate key \"seq\"".
    public var message: String
    /// Byte offset of the problem from the start of the document.
    public var offset: Int
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column (in bytes) of the problem.
    public var column: Int

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 parser: no byte-order mark, no duplicate keys, no lone surrogate
/// escapes, valid UTF-8 only, no `NaN`/`Infinity`, no trailing commas, bounded nesting.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public var maximumDepth: Int

    public init(maximumDepth: Int = 64) {
        self.maximumDepth = maximumDepth
    }

    /// Parses one JSON document (surrounding whitespace allowed).
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        var reader = Reader(bytes: bytes, maximumDepth: maximumDepth)
        return try reader.document()
    }

    /// Parses one JSON document from an array of bytes.
    public func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONSyntaxError) in try parse(buffer) }
        }.get()
    }

    /// Parses one JSON document from a string's UTF-8.
    public func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// The grammar over ``JSONLexer``: values, arrays, objects (duplicate keys refused), and
/// the structural errors; the lexer owns the tokens and their errors.
private struct Reader {
    var lexer: JSONLexer
    var depth = 0

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        lexer = JSONLexer(bytes: bytes, maximumDepth: maximumDepth)
    }

    func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let bytes = lexer.bytes
        let offset = min(offset ?? lexer.index, bytes.count)
        var line = 1
        var lineStart = 0
        for position in 0..<offset where bytes[position] == UInt8(ascii: "\n") {
            line += 1
            lineStart = position + 1
        }
        return JSONSyntaxError(message: message, offset: offset, line: line, column: offset - lineStart + 1)
    }

    /// A lexer error where this parser reports it: a string's or number's own errors at
    /// the token's start, an invalid escape at its backslash, the others where the
    /// lexer stopped.
    func fail(_ error: JSONLexError) -> JSONSyntaxError {
        switch error.kind {
        case .unterminatedString, .invalidUTF8, .invalidNumber, .leadingZero, .fractionDigitsExpected,
            .exponentDigitsExpected:
            fail(error.message, at: error.tokenStart)
        case .invalidEscape:
            fail(error.message, at: error.offset - 2)
        default:
            fail(error.message, at: error.offset)
        }
    }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        if lexer.startsWithByteOrderMark { throw fail("byte-order mark is not allowed") }
        lexer.skipWhitespace()
        let result = try value()
        lexer.skipWhitespace()
        if !lexer.isAtEnd { throw fail("unexpected data after the JSON value") }
        return result
    }

    mutating func value() throws(JSONSyntaxError) -> JSONValue {
        let kind: JSONValueKind
        do throws(JSONLexError) { kind = try lexer.valueKind() } catch { throw fail(error) }
        switch kind {
        case .object: return try object()
        case .array: return try array()
        default: break
        }
        do throws(JSONLexError) {
            switch kind {
            case .string: return .string(lexer.text(of: try lexer.scanString()))
            case .number:
                let number = try lexer.scanNumber()
                // An integer literal's double is the integer converted (+0 for "-0").
                return .number(JSONNumber(double: number.integer.map(Double.init) ?? number.double, integer: number.integer))
            case .true: try lexer.scanLiteral(.true); return .bool(true)
            case .false: try lexer.scanLiteral(.false); return .bool(false)
            default: try lexer.scanLiteral(.null); return .null
            }
        } catch {
            throw fail(error)
        }
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        do throws(JSONLexError) { try lexer.checkDepth(depth) } catch { throw fail(error) }
        lexer.index += 1
    }

    mutating func key() throws(JSONSyntaxError) -> String {
        do throws(JSONLexError) { return lexer.text(of: try lexer.scanString()) } catch { throw fail(error) }
    }

    mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        lexer.skipWhitespace()
        if lexer.skip(UInt8(ascii: "}")) {
            depth -= 1
            return .object(members)
        }
        while true {
            lexer.skipWhitespace()
            guard lexer.peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = lexer.index
            let key = try key()
            if !seen.insert(key).inserted { throw fail("duplicate key \"\(key)\"", at: keyOffset) }
            lexer.skipWhitespace()
            guard lexer.skip(UInt8(ascii: ":")) else { throw fail("expected ':'") }
            lexer.skipWhitespace()
            members.append((key, try value()))
            lexer.skipWhitespace()
            guard !lexer.isAtEnd else { throw fail("unexpected end of input in an object") }
            if lexer.skip(UInt8(ascii: ",")) { continue }
            if lexer.skip(UInt8(ascii: "}")) {
                depth -= 1
                return .object(members)
            }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        var elements: [JSONValue] = []
        lexer.skipWhitespace()
        if lexer.skip(UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        while true {
            lexer.skipWhitespace()
            elements.append(try value())
            lexer.skipWhitespace()
            guard !lexer.isAtEnd else { throw fail("unexpected end of input in an array") }
            if lexer.skip(UInt8(ascii: ",")) { continue }
            if lexer.skip(UInt8(ascii: "]")) {
                depth -= 1
                return .array(elements)
            }
            throw fail("expected ',' or ']'")
        }
    }
}
