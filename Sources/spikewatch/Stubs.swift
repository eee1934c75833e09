import ArgumentParser

// Subcommands whose implementation lands with a later issue. Each states which; their
// options are added with the implementation so that `--help` never promises more than
// the build does.

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: telemetry in over ZeroMQ, alerts out (not in this build yet).")
    func run() async throws { throw NotYetAvailable(command: "run", issue: 6) }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The one-command tour: daemon + bundled fixture over real ZeroMQ (not in this build yet).")
    func run() async throws { throw NotYetAvailable(command: "demo", issue: 6) }
}

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Subscribe to alerts and print them for a person (not in this build yet).")
    func run() async throws { throw NotYetAvailable(command: "tail", issue: 6) }
}

