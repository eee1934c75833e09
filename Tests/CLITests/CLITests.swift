import Foundation
import SpikewatchTestSupport
import Testing

@Suite("The spikewatch command line")
struct CLITests {
    @Test("--help names every subcommand of the README's command table")
    func help() throws {
        let result = try SpikewatchProcess.run(["--help"])
        #expect(result.status == 0)
        for command in ["run", "demo", "replay", "evaluate", "synth", "tail", "trace", "network", "train"] {
            #expect(result.stdout.contains("\n  \(command) "), "missing \(command)")
        }
    }

    @Test("--version prints the version")
    func version() throws {
        let result = try SpikewatchProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: ".").count == 3)
    }

    @Test("an unknown subcommand is refused with a message and a usage exit code")
    func unknown() throws {
        let result = try SpikewatchProcess.run(["frobnicate"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("frobnicate"))
    }
}
