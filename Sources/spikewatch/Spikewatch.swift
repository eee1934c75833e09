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
