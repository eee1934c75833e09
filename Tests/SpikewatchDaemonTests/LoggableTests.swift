import Testing

@testable import SpikewatchDaemon

@Suite("Publisher text in log lines")
struct LoggableTests {
    @Test("control characters, line separators and bidirectional overrides are escaped; the rest is kept; at most 160 characters")
    func escapes() {
        #expect(loggable("cell-1/é") == "cell-1/é")
        #expect(loggable("a\nb\u{1B}[2J") == "a\\u{a}b\\u{1b}[2J")
        #expect(loggable("x\u{2028}y") == "x\\u{2028}y")
        // A right-to-left override would reorder the rest of the line as shown.
        #expect(loggable("cell\u{202E}gnp.exe") == "cell\\u{202e}gnp.exe")
        #expect(loggable("\u{2066}a\u{2069}") == "\\u{2066}a\\u{2069}")
        #expect(loggable(String(repeating: "z", count: 200)) == String(repeating: "z", count: 160) + "...")
    }
}
