import StrictJSON
import Testing

@Suite("The one strict JSON lexer (JSONLexer) and the parser's words for its errors")
struct JSONLexerTests {
    func lex<T>(_ bytes: [UInt8], _ body: (inout JSONLexer) throws(JSONLexError) -> T) -> Result<T, JSONLexError> {
        bytes.withUnsafeBytes { buffer in
            var lexer = JSONLexer(bytes: buffer, maximumDepth: 4)
            return Result { () throws(JSONLexError) in try body(&lexer) }
        }
    }

    @Test("strings: raw in place without escapes, decoded with them")
    func strings() throws {
        #expect(try lex(Array(#""abc" "#.utf8)) { lexer throws(JSONLexError) in
            (try lexer.scanString(), lexer.index)
        }.get() == (.raw(1..<4), 5))
        let decoded = try lex(Array(#""a\n\u00e9\ud83d\ude00""#.utf8)) { lexer throws(JSONLexError) in
            let token = try lexer.scanString()
            return (token, lexer.text(of: token), lexer.matches(token, "a\né😀"))
        }.get()
        #expect(decoded.0 == .decoded(Array("a\né😀".utf8)))
        #expect(decoded.1 == "a\né😀")
        #expect(decoded.2)
    }

    @Test("numbers: exact doubles, integers that fit Int64 (-2^63 too), the sign of -0")
    func numbers() throws {
        func number(_ text: String) throws -> JSONNumberToken {
            try lex(Array(text.utf8)) { lexer throws(JSONLexError) in try lexer.scanNumber() }.get()
        }
        #expect(try number("-9223372036854775808").integer == .min)
        #expect(try number("9223372036854775808").integer == nil)
        #expect(try number("-0").double.sign == .minus)
        #expect(try number("-0").integer == 0)
        #expect(try number("1.5e3") == JSONNumberToken(start: 0, double: 1500, integer: nil))
        #expect(try number("0.1").double == 0.1)
        #expect(try number("1e400").double == .infinity)
        #expect(try number("123456789012345678901").double == 123456789012345678901.0)
    }

    @Test("errors stand where the lexer stopped, and know where the token began", arguments: [
        (#""a\x""#, JSONLexError(.invalidEscape(UInt8(ascii: "x")), at: 4, token: 0)),
        (#""a\"#, JSONLexError(.unterminatedEscape, at: 3, token: 0)),
        (#""abc"#, JSONLexError(.unterminatedString, at: 4, token: 0)),
        ("\"a\tb\"", JSONLexError(.controlCharacter, at: 2, token: 0)),
        (#""\ud800x""#, JSONLexError(.unicodeEscape(.loneSurrogate), at: 7, token: 0)),
        ("01", JSONLexError(.leadingZero, at: 1, token: 0)),
        ("-a", JSONLexError(.invalidNumber, at: 1, token: 0)),
        ("1.e5", JSONLexError(.fractionDigitsExpected, at: 2, token: 0)),
        ("1e+", JSONLexError(.exponentDigitsExpected, at: 3, token: 0)),
        ("tru", JSONLexError(.invalidLiteral, at: 0)),
        ("]", JSONLexError(.unexpectedCharacter(UInt8(ascii: "]")), at: 0)),
        ("", JSONLexError(.unexpectedEnd, at: 0)),
    ])
    func errors(text: String, expected: JSONLexError) {
        let result = lex(Array(text.utf8)) { lexer throws(JSONLexError) in
            switch try lexer.valueKind() {
            case .string: _ = try lexer.scanString()
            case .number: _ = try lexer.scanNumber()
            case let kind: try lexer.scanLiteral(kind)
            }
        }
        #expect(throws: expected) { try result.get() }
    }

    @Test("invalid UTF-8 and depth", arguments: [4, 5])
    func utf8AndDepth(depth: Int) {
        let utf8 = lex(Array("\"".utf8) + [0xC3, 0x28] + Array("\"".utf8)) { lexer throws(JSONLexError) in try lexer.scanString() }
        #expect(throws: JSONLexError(.invalidUTF8, at: 4, token: 0)) { try utf8.get() }
        let deep = lex([]) { lexer throws(JSONLexError) in try lexer.checkDepth(depth) }
        if depth > 4 {
            #expect(throws: JSONLexError(.tooDeep(4), at: 0)) { try deep.get() }
        } else {
            #expect(throws: Never.self) { try deep.get() }
        }
    }

    @Test("the parser's message and position for each lexer error", arguments: [
        (#""a\x""#, 2, "invalid escape '\\x'"),
        (#""a\"#, 3, "unterminated escape"),
        (#""abc"#, 0, "unterminated string"),
        ("\"a\tb\"", 2, "unescaped control character in a string"),
        (#""\u12""#, 3, "truncated \\u escape"),
        (#""\ud800x""#, 7, "lone surrogate escape"),
        ("01", 0, "leading zeros are not allowed"),
        ("-a", 0, "invalid number"),
        ("1.e5", 0, "invalid number: digits expected after '.'"),
        ("1e+", 0, "invalid number: digits expected in the exponent"),
        ("tru", 0, "invalid literal"),
        ("[[[[[1]]]]]", 4, "nesting deeper than 4 levels"),
        (#"{"a":1,"a":2}"#, 7, "duplicate key \"a\""),
    ])
    func parserMessages(text: String, offset: Int, message: String) {
        #expect {
            try JSONParser(maximumDepth: 4).parse(text)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.message == message && error.offset == offset && error.line == 1 && error.column == offset + 1
        }
    }

    @Test("the parser reads an integer literal's double from the integer: -0 is +0 there")
    func parserNegativeZero() throws {
        #expect(try JSONParser().parse("-0").double?.sign == .plus)
        #expect(try JSONParser().parse("-0.0").double?.sign == .minus)
    }
}
