import ArgumentParser
import Foundation
import SpikeCore
import SpikewatchDaemon

struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Work with network descriptions (JSON, see the README).",
        subcommands: [SimulateCommand.self])
}

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a network description exactly, event by event.",
        discussion: """
            Reads NETWORK.json: leaky integrate-and-fire neurons with delta synapses, input \
            spike trains, weights and delays (times in ms, rounded to whole microseconds). \
            Prints one CSV row per neuron spike to stdout, header `time_ms,neuron`, sorted \
            by time then by the neuron's position in `neurons`. Use - to read stdin. A run \
            stops after --max-records spikes and voltage samples (10,000,000): the output \
            ends there and the command fails, naming the time reached.
            """)

    @Argument(help: "The network description (JSON), or - for standard input.")
    var network: String

    @Option(name: .customLong("voltage"), help: "Record this neuron's membrane potential V.")
    var voltageNeuron: String?

    @Option(name: .customLong("voltage-out"), help: "Where to write the recorded V as CSV `time_ms,neuron,v`.")
    var voltageOut: String?

    @Option(help: "Stop after this many spikes and voltage samples (1 to 100000000): a cycle of neurons exciting each other spikes forever.")
    var maxRecords = 10_000_000

    func validate() throws {
        try OptionBounds.check("--max-records", maxRecords, in: 1...100_000_000)
        if (voltageNeuron == nil) != (voltageOut == nil) {
            throw ValidationError("--voltage and --voltage-out go together")
        }
        try refuseOverwrite(outputs: [("--voltage-out", voltageOut)], inputs: [network])
    }

    func run() throws {
        let compiled = try loadNetwork(network)
        var recorded: Int?
        if let voltageNeuron {
            guard let index = compiled.neuronIndex[voltageNeuron] else {
                throw ValidationError("--voltage: no neuron with id \"\(voltageNeuron)\" in \(network)")
            }
            recorded = index
        }
        let run = compiled.simulate(recordingVoltageOf: recorded, maximumRecords: maxRecords)
        let ids = compiled.neuronIds
        var output = "time_ms,neuron\n"
        output.reserveCapacity(run.spikes.count * 16)
        for spike in run.spikes {
            output += formatMilliseconds(spike.time) + "," + csvField(ids[Int(spike.neuron)]) + "\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if let voltageOut, let recorded {
            var csv = "time_ms,neuron,v\n"
            let id = csvField(ids[recorded])
            for sample in run.voltages {
                csv += formatMilliseconds(sample.time) + "," + id + "," + "\(sample.v)" + "\n"
            }
            try writeFile(voltageOut, csv)
        }
        if let stoppedAt = run.stoppedAt {
            throw CommandFailure(
                "\(network): stopped at \(formatMilliseconds(stoppedAt)) ms of \(formatMilliseconds(compiled.duration)) ms: more than \(maxRecords) spikes and voltage samples (--max-records; a cycle of neurons exciting each other?); the output ends there")
        }
    }
}

extension NetworkDescription.Compiled {
    /// Neuron ids by index.
    var neuronIds: [String] {
        var ids = [String](repeating: "", count: neuronIndex.count)
        for (id, index) in neuronIndex { ids[index] = id }
        return ids
    }
}

/// Reads and compiles a network description, with errors naming the file.
func loadNetwork(_ path: String) throws -> NetworkDescription.Compiled {
    let bytes = try readInput(path)
    do {
        return try NetworkDescription(json: bytes).compile()
    } catch {
        throw CommandFailure("\(path): \(error)")
    }
}

/// Reads a file, or stdin for "-", with an error naming the path.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    // Straight into the array (through `Data` the file would be in memory twice).
    let descriptor = open(path, O_RDONLY)
    var status = stat()
    guard descriptor >= 0, fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
        if descriptor >= 0 { close(descriptor) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path): \(DaemonConfiguration.unreadable(path))")
        }
        return Array(data)
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(status.st_size) + 1)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[..<count])
    }
    return bytes
}

/// Writes a file atomically, with an error naming the path and the reason in words.
func writeFile(_ path: String, _ text: String) throws {
    try writeFile(path, Data(text.utf8))
}

/// Writes a file atomically (``StreamedFile``: a temporary file renamed over it, its
/// permissions kept, a symbolic link followed, a path that is not a regular file such as
/// `/dev/null` written in place), with an error naming the path and the reason in words.
func writeFile(_ path: String, _ data: Data) throws {
    let file = try StreamedFile(path: path)
    try file.write(data)
    try file.commit()
}

/// Quotes a CSV field when it needs it (RFC 4180).
func csvField(_ text: String) -> String {
    if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
    return text
}
