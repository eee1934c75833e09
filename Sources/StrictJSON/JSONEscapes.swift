/// The byte-level rules of JSON string escapes, which ``JSONLexer`` applies (and so
/// every strict reader here: ``JSONParser`` and the telemetry decoder).
public enum JSONEscapes {
    /// The byte a one-character escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`)
    /// stands for; nil for `u` and anything that is not an escape.
    @inlinable
    public static func simple(_ escape: UInt8) -> UInt8? {
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escape
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// Why a `\u` escape is refused (the lexer reports it as ``JSONLexError``).
    public enum UnicodeEscapeError: Error, Sendable {
        case truncated, invalidHexDigit, loneSurrogate

        /// The message the readers report.
        public var message: String {
            switch self {
            case .truncated: "truncated \\u escape"
            case .invalidHexDigit: "invalid \\u escape"
            case .loneSurrogate: "lone surrogate escape"
            }
        }
    }

    /// Reads the four hex digits of a `\u` escape starting at `index` (just after the
    /// `u`), and the `\uXXXX` low surrogate that must follow a high one; returns the
    /// scalar. `index` ends after what was read, or at the offending byte.
    @inlinable
    public static func unicodeEscape(_ bytes: UnsafeRawBufferPointer, at index: inout Int) throws(UnicodeEscapeError) -> UInt32 {
        let unit = try hex4(bytes, at: &index)
        if (0xDC00...0xDFFF).contains(unit) { throw .loneSurrogate }
        guard (0xD800...0xDBFF).contains(unit) else { return unit }
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
            throw .loneSurrogate
        }
        index += 2
        let low = try hex4(bytes, at: &index)
        guard (0xDC00...0xDFFF).contains(low) else { throw .loneSurrogate }
        return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
    }

    @inlinable
    static func hex4(_ bytes: UnsafeRawBufferPointer, at index: inout Int) throws(UnicodeEscapeError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .truncated }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .invalidHexDigit
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Appends a Unicode scalar value (not a surrogate, <= U+10FFFF) as UTF-8.
    @inlinable
    public static func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | (scalar >> 6)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | (scalar >> 12)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | (scalar >> 18)))
            bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
