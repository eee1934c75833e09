import Foundation
import SpikewatchTestSupport
import Testing

/// A fixture of `count` samples of one cell, `step` seconds apart from `start`, with
/// the timestamp of line `farLine` (1-based), if any, 10 years ahead.
private func smallFixture(count: Int, step: Int = 60, start: Int = 1_793_923_200, farLine: Int? = nil) -> String {
    (1...count).map { line in
        let ts = line == farLine ? start + 315_360_000 : start + (line - 1) * step
        return #"{"v": 1, "cell": "c1", "ts": \#(ts), "seq": \#(line - 1), "metrics": {"RRC.ConnMean": \#(40 + line % 3)}}"#
    }.joined(separator: "\n") + "\n"
}

/// Writes `text` to a fresh temporary file and returns its path.
private func temporaryFile(_ text: String, suffix: String = ".jsonl") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID())\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("--set refuses what the configuration file refuses")
struct SetRangeCLITests {
    @Test("deadZone=-1 and maximumSpikes=-1 are refused by name", arguments: ["deadZone=-1", "maximumSpikes=-1", "maximumSpikes=0", "warmupSamples=5"])
    func refused(assignment: String) throws {
        let fixture = try temporaryFile(smallFixture(count: 3))
        let result = try SpikewatchProcess.run(["replay", fixture, "--set", assignment])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--set \(assignment):"), "\(result.stderr)")
        #expect(result.stderr.contains("must be a"), "\(result.stderr)")
    }

    @Test("a baseline's threshold=-1 is refused too")
    func baseline() throws {
        let fixture = try temporaryFile(smallFixture(count: 3))
        let result = try SpikewatchProcess.run(["replay", fixture, "--detector", "ewma", "--set", "threshold=-1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("threshold must be a number > 0, got -1.0"))
    }
}
