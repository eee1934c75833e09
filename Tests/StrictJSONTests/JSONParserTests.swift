import Testing
import StrictJSON

@Suite("Strict JSON (RFC 8259)")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try JSONParser().parse(text) }
    func parse(bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue { try JSONParser().parse(bytes) }

    @Test("values parse with types and order kept")
    func values() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\u00e9\ud83d\ude00\n", "c": {}} "#)
        #expect(value["a"] == .array([
            .number(JSONNumber(double: 1, integer: 1)), .number(JSONNumber(double: -2500)), .bool(true), .bool(false), .null,
        ]))
        #expect(value["b"]?.string == "xé😀\n")
        #expect(value.members?.map(\.key) == ["a", "b", "c"])
    }

    @Test("integers keep their exact value; overflowing literals become infinite")
    func numbers() throws {
        #expect(try parse("9223372036854775807") == .number(JSONNumber(double: 9.223372036854775807e18, integer: .max)))
        #expect(try parse("-9223372036854775808").double == -9.223372036854775808e18)
        if case .number(let n) = try parse("9223372036854775808") { #expect(n.integer == nil) }
        #expect(try parse("1e400").double == .infinity)
        #expect(try parse("-1e400").double == -.infinity)
        #expect(try parse("0.1").double == 0.1)
        #expect(try parse("1E+2").double == 100)
    }

    @Test("everything RFC 8259 forbids is refused with its position", arguments: [
        ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\""),
        ("NaN", "unexpected character 'N'"),
        ("Infinity", "unexpected character 'I'"),
        ("[1,]", "unexpected character ']'"),
        ("{\"a\":1,}", "expected a string key"),
        ("01", "leading zeros"),
        ("1.", "digits expected after '.'"),
        ("1e", "digits expected in the exponent"),
        ("-", "invalid number"),
        ("\"\\ud800\"", "lone surrogate"),
        ("\"\\udc00\"", "lone surrogate"),
        ("\"\\ud800\\u0041\"", "lone surrogate"),
        ("\"\\ud800x\"", "lone surrogate"),
        ("\"\\u12\"", "truncated \\u escape"),
        ("\"\\u12g4\"", "invalid \\u escape"),
        ("\"\\ud800\\udg00\"", "invalid \\u escape"),
        ("\"a\tb\"", "unescaped control character"),
        ("\"\\x\"", "invalid escape"),
        ("\"abc", "unterminated string"),
        ("[1] 2", "unexpected data after"),
        ("", "unexpected end of input"),
        ("tru", "invalid literal"),
        ("{\"a\" 1}", "expected ':'"),
    ])
    func refusals(text: String, message: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            (error as? JSONSyntaxError)?.message.contains(message) == true
        }
    }

    @Test("a byte-order mark, invalid UTF-8 and deep nesting are refused")
    func bytesAndDepth() throws {
        #expect(throws: JSONSyntaxError.self) { try parse(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
        #expect(throws: JSONSyntaxError.self) { try parse(bytes: Array("\"".utf8) + [0xC3, 0x28] + Array("\"".utf8)) }
        #expect(throws: JSONSyntaxError.self) { try parse(bytes: Array("\"\\n".utf8) + [0xFF] + Array("\"".utf8)) }
        #expect(throws: JSONSyntaxError.self) { try parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) }
        #expect(try parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != .null)
    }

    @Test("errors report line and column")
    func position() {
        do {
            _ = try parse("{\n  \"a\": 1,\n  \"a\": 2\n}")
            Issue.record("no error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 3)
        }
    }
}
