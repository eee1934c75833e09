import ArgumentParser
import SpikewatchDaemon

/// The `spikewatch` executable: argument parsing and subcommands only.
@main
struct Spikewatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikewatch",
        abstract: "Spiking-neural-network anomaly detection for 4G/5G small-cell telemetry.",
        discussion: """
            spikewatch subscribes to cell telemetry over ZeroMQ, turns each metric's surprise \
            into spikes, runs an event-driven network of leaky integrate-and-fire neurons and \
            publishes anomaly alerts over ZeroMQ. It runs as a systemd Type=notify service \
            (spikewatch run) and offline over recorded fixtures (replay, evaluate, trace).

            Start with `spikewatch demo`. Wire formats and endpoints: see the README.
            """,
        version: SpikewatchVersion.current,
        subcommands: [
            RunCommand.self,
            DemoCommand.self,
            ReplayCommand.self,
            EvaluateCommand.self,
            SynthCommand.self,
            TailCommand.self,
            TraceCommand.self,
            NetworkCommand.self,
            TrainCommand.self,
            BenchCommand.self,
            IrisCommand.self,
            KeygenCommand.self,
        ]
    )

    /// Runs with the command line, a negative number after an option joined to it
    /// (`--cells -1` read as `--cells=-1`), so it reaches the option's range check and its
    /// message instead of being taken for a flag ("Missing value for '--cells'").
    static func main() async {
        await main(NegativeOptionValues.joined(Array(CommandLine.arguments.dropFirst())))
    }
}

/// Joins a negative number to the long option before it.
enum NegativeOptionValues {
    static func joined(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            if argument.hasPrefix("--") && argument.count > 2 && !argument.contains("="), index + 1 < arguments.count,
                isNegativeNumber(arguments[index + 1])
            {
                result.append(argument + "=" + arguments[index + 1])
                index += 2
                continue
            }
            result.append(argument)
            index += 1
        }
        return result
    }

    /// `-1`, `-0.5`, `-.5`, `-1e3`: a minus sign, then a digit or a point and a digit.
    static func isNegativeNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(3))
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "-") else { return false }
        let startsAsNumber = isDigit(bytes[1]) || (bytes[1] == UInt8(ascii: ".") && bytes.count == 3 && isDigit(bytes[2]))
        return startsAsNumber && Double(text) != nil
    }
}

/// The version printed by `--version`.
enum SpikewatchVersion {
    static let current = SpikewatchBuild.version
}

/// A command failed for a reason the user can act on; printed as `Error: <message>`, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
