import Foundation
import SpikewatchTestSupport
import Testing

/// Whether `python3` can import Brian2 (`make test` installs it; without it the test is skipped).
let brian2Available: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import brian2"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite("The engine against Brian2")
struct Brian2CrossCheckTests {
    /// The benchmark's dense and sparse networks, shortened, run by the engine (the real
    /// binary exports its spikes) and by Brian2's numpy target: the spike trains must be
    /// the same, spike for spike (the script exits 1 otherwise).
    @Test("Brian2 computes the same spike trains as the engine on the benchmark networks", .enabled(if: brian2Available))
    func identicalSpikeTrains() throws {
        let script = repositoryRoot.appendingPathComponent("benchmarks/brian2_engine.py").path
        for (regime, seconds) in [("dense", "1"), ("sparse", "0.3")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", script, "--spikewatch", SpikewatchProcess.executable.path, "--regimes", regime,
                "--targets", "numpy", "--repetitions", "1", "--seconds", seconds,
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
            let row = output.split(separator: "\n").first { $0.hasPrefix(regime) && $0.contains("numpy") }
            #expect(row?.hasSuffix("yes") == true, "\(output)")
        }
    }
}
