import Foundation
import SpikewatchTestSupport
import Testing

/// The README's "All commands" table against the real binary: the same subcommands,
/// and every option a row names is one its `--help` lists.
@Suite("The README's command table agrees with the commands and their --help")
struct ReadmeCommandTableTests {
    /// The first column of each row of the table under `## All commands`.
    func tableRows() throws -> [String] {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## All commands").dropFirst().first)
        let table = section.components(separatedBy: "\n## ").first ?? section
        return table.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `spikewatch ") else { return nil }
            let cell = line.dropFirst(3)
            return cell.firstIndex(of: "`").map { String(cell[..<$0]) }
        }
    }

    /// Subcommand names listed under SUBCOMMANDS in a help text.
    func subcommands(_ help: String) -> Set<String> {
        guard let start = help.range(of: "SUBCOMMANDS:") else { return [] }
        return Set(help[start.upperBound...].split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            return name == "See" ? nil : String(name)
        })
    }

    @Test("every subcommand has a row and every row a subcommand; each row's options are in its --help")
    func table() throws {
        let rows = try tableRows()
        #expect(rows.count >= 10, "the table was not found")
        let top = try SpikewatchProcess.run(["--help"])
        let commands = subcommands(top.stdout)
        #expect(!commands.isEmpty)
        let documented = Set(rows.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
        #expect(documented == commands, "README rows \(documented.sorted()) vs --help \(commands.sorted())")
        for row in rows {
            let words = row.split(separator: " ").map(String.init)
            guard words.count >= 2 else { continue }
            let command = words[1]
            let help = try SpikewatchProcess.run([command, "--help"])
            #expect(help.status == 0, "\(command) --help")
            // `trace network/iris/replay`, `bench engine/decode/...`: the nested commands,
            // each of which must list the row's options.
            var helps = [(command, help.stdout)]
            if words.count >= 3, words[2].contains("/") {
                let nested = words[2].split(separator: "/").map(String.init)
                #expect(Set(nested) == subcommands(help.stdout), "\(command): README \(nested.sorted()) vs --help")
                helps = try nested.map { ("\(command) \($0)", try SpikewatchProcess.run([command, $0, "--help"]).stdout) }
            }
            let options = row.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) }
            for option in options where option != "--help" {
                for (name, text) in helps {
                    #expect(text.contains(option), "`spikewatch \(name) --help` does not list \(option)")
                }
            }
        }
    }

    @Test("help texts say each default once and agree with the code")
    func defaults() throws {
        let tail = try SpikewatchProcess.run(["tail", "--help"])
        #expect(tail.stdout.components(separatedBy: "tcp://127.0.0.1:5557").count == 2, "\(tail.stdout)")
        let iris = try SpikewatchProcess.run(["iris", "--help"])
        #expect(iris.stdout.contains("300 ms") && !iris.stdout.contains("200 ms"))
        for command in ["replay", "synth"] {
            let help = try SpikewatchProcess.run([command, "--help"]).stdout
            #expect(help.contains("bare binds"), "\(command) --help")
        }
    }
}
