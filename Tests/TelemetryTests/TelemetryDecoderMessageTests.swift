import Telemetry
import Testing

@Suite("Telemetry decoding: the exact words and byte offsets of invalid_json and field details")
struct TelemetryDecoderMessageTests {
    func detail(_ payload: String) -> String? {
        var decoder = TelemetryDecoder()
        do throws(Rejection) {
            _ = try decoder.decode(payload)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("each lexer error in the decoder's words, where the lexer stopped", arguments: [
        (#""a\x""#, "invalid_json: invalid escape at byte 4"),
        (#""a\"#, "invalid_json: unterminated string at byte 3"),
        (#""abc"#, "invalid_json: unterminated string at byte 4"),
        ("\"a\tb\"", "invalid_json: unescaped control character in a string at byte 2"),
        (#""\ud800x""#, "invalid_json: lone surrogate escape at byte 7"),
        ("01", "invalid_json: leading zeros are not allowed in a number at byte 1"),
        ("-a", "invalid_json: invalid number at byte 1"),
        ("1e+", "invalid_json: invalid number: digits expected in the exponent at byte 3"),
        ("tru", "invalid_json: invalid literal at byte 0"),
        (#"{"v":1,"cell":"c\q","ts":1,"seq":0,"metrics":{"m":1}}"#, "invalid_json: invalid escape at byte 18"),
        (#"{"v":1,"cell":"c","ts":1.e3,"seq":0,"metrics":{"m":1}}"#,
         "invalid_json: invalid number: digits expected after '.' at byte 25"),
        (#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":01}}"#,
         "invalid_json: leading zeros are not allowed in a number at byte 49"),
        (#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":1},"x":{"a":1,"a":2}}"#,
         "invalid_json: duplicate key \"a\" at byte 65"),
        (#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":nul}}"#, "invalid_json: invalid literal at byte 48"),
    ])
    func lexerErrors(payload: String, expected: String) {
        #expect(detail(payload) == expected)
    }

    @Test("seq: a negative integer is named as written, -2^63 as a double")
    func sequenceDetails() {
        #expect(detail(#"{"v":1,"cell":"c","ts":1,"seq":-3,"metrics":{"m":1}}"#) == "bad_type: \"seq\" must be in [0, 2^63), got -3")
        #expect(
            detail(#"{"v":1,"cell":"c","ts":1,"seq":-9223372036854775808,"metrics":{"m":1}}"#)
                == "bad_type: \"seq\" must be an integer in [0, 2^63), got -9.223372036854776e+18")
    }

    @Test("the nesting limit counts the payload object as level 1")
    func depth() {
        var decoder = TelemetryDecoder()
        decoder.maximumDepth = 1
        #expect(throws: Rejection(.invalidJSON, "nesting deeper than 1 levels at byte 55")) {
            try decoder.decode(#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":1},"x":[[1]]}"#)
        }
    }
}
