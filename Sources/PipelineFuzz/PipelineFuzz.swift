// libFuzzer over the whole pipeline: every input is a stream of telemetry payloads (JSON
// Lines, each under its cell's topic) run through decode -> per-cell model -> alert
// transitions -> alert encode/decode -> checkpoint encode/decode. Nothing a stream holds
// may crash it, make a score or an alert non-finite, or write a checkpoint that cannot be
// read back. A structure-aware mutator keeps most inputs valid telemetry and changes one
// field at a time (times in ms/us, extreme doubles, seq at its limits, cells, metrics),
// so the model itself is exercised, not only the decoder. Built only by scripts/fuzz.sh:
//   SPIKEWATCH_FUZZ=1 swift build --product spikewatch-fuzz-pipeline --scratch-path .build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
import CFuzzerDriver
import Detection
import Foundation
import Telemetry

/// Splits an input into its lines (payloads).
func lines(_ bytes: UnsafeRawBufferPointer) -> [[UInt8]] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
}

/// One stream through the pipeline, with the daemon's checks that need no socket.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = TelemetryDecoder()
    // A short warm-up, so that streams of a few dozen samples reach the spiking model.
    var settings = DetectorSettings()
    settings.warmupSamples = 10
    var pipeline = Pipeline(detector: SpikingDetector(settings: settings), tracker: SequenceTracker(maximumCells: 8, idleEviction: 7200))
    for (index, line) in lines(bytes).enumerated() {
        guard case .success(let sample) = Result(catching: { () throws(Rejection) in try decoder.decode(line) }) else { continue }
        // Live half the time (a wall clock near the samples), replay otherwise.
        pipeline.tracker.now = index % 2 == 0 ? nil : 1_800_000_000
        switch pipeline.process(sample, names: decoder.metricNames) {
        case .failure: continue
        case .success(let output):
            guard output.score.isFinite, (0...1).contains(output.score) else { fatalError("score \(output.score)") }
            for transition in output.transitions {
                guard transition.score.isFinite, transition.timestamp.isFinite, transition.startedAt.isFinite,
                    transition.evidence.allSatisfy({ $0.value.isFinite && $0.low.isFinite && $0.high.isFinite })
                else { fatalError("a non-finite alert: \(transition)") }
                guard let back = try? Alert(json: transition.json()), back.id == transition.id, back.state == transition.state
                else { fatalError("an alert did not round-trip: \(transition)") }
            }
        }
    }
    checkpointRoundTrip(pipeline)
    return 0
}

/// A checkpoint of what was learned must be readable, and hold only plausible times.
func checkpointRoundTrip(_ pipeline: Pipeline<SpikingDetector>) {
    let checkpoint = Checkpoint(tracker: pipeline.tracker, detector: pipeline.detector)
    guard let bytes = try? checkpoint.encoded() else { fatalError("a checkpoint could not be encoded") }
    let restored: Checkpoint
    do {
        restored = try Checkpoint.decode(bytes)
    } catch {
        fatalError("a checkpoint we wrote was refused: \(error)")
    }
    for (cell, record) in restored.tracker.cells where record.lastTimestamp >= SequenceTracker.epochSecondsLimit {
        fatalError("the checkpoint holds an implausible time for \(cell): \(record.lastTimestamp)")
    }
}

/// SplitMix64, seeded by libFuzzer.
struct Mix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let extremes: [Double] = [
    0, -0.0, 1, -1, 1e308, -1e308, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude,
    -.leastNonzeroMagnitude, .leastNormalMagnitude, 9.2e18, 9.3e18, -9.3e18, 1e15, 1e-300, 4294967296, 0.5,
]

/// Changes one field of a valid sample; nil if the line does not decode.
func mutateSample(_ line: [UInt8], _ random: inout Mix) -> [UInt8]? {
    var decoder = TelemetryDecoder()
    guard var sample = try? decoder.decode(line) else { return nil }
    var names = decoder.metricNames
    func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    switch random.next() % 10 {
    case 0: sample.timestamp = pick([sample.timestamp * 1000, sample.timestamp * 1_000_000, 1e308, 1e11, 9.3e12])
    case 1: sample.timestamp = max(1e-9, sample.timestamp + pick([-86_400, -1, 0, 0.001, 30, 3599, 3601, 86_400, 604_800, 1e9]))
    case 2: sample.sequence = pick([0, 1, .max, .max - 1, sample.sequence &+ 1, sample.sequence &+ 1_000_000, sample.sequence / 2])
    case 3, 4, 5:
        guard !sample.metrics.isEmpty else { return nil }
        let index = Int(random.next() % UInt64(sample.metrics.count))
        sample.metrics[index].value = random.next() % 2 == 0
            ? pick(extremes) : sample.metrics[index].value * pick([-1, 0, 2, 1e6, 1e-6, 1e300])
    case 6:
        if let id = names.id(for: pick(["x", "HO.ExeAtt", "HO.ExeSucc", "Err", "RRC.ConnEstabSucc", "m\(random.next() % 300)"])),
            !sample.metrics.contains(where: { $0.id == id })
        {
            sample.metrics.append(.init(id: id, value: pick(extremes)))
        }
    case 7:
        if sample.metrics.count > 1 { sample.metrics.remove(at: Int(random.next() % UInt64(sample.metrics.count))) }
    case 8: sample.cell = pick(["a", "b", "gnb-0017/cell-1", "gnb-0017/cell-2", "c\(random.next() % 12)"])
    default: sample.metrics.shuffle(using: &random)
    }
    guard sample.timestamp.isFinite, sample.metrics.allSatisfy({ $0.value.isFinite }) else { return nil }
    return sample.json(names: names, includeLabel: false)
}

func mutate(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    var random = Mix(state: UInt64(seed) &* 0x2545_F491_4F6C_DD1D)
    var stream = lines(UnsafeRawBufferPointer(start: data, count: size))
    if stream.isEmpty { return LLVMFuzzerMutate(data, size, maxSize) }
    let index = Int(random.next() % UInt64(stream.count))
    switch random.next() % 8 {
    case 0:
        // Byte-level, inside one line: what the decoders' own fuzzer does.
        var line = stream[index]
        let room = max(line.count, min(line.count * 2 + 16, maxSize - size + line.count))
        line += [UInt8](repeating: 0, count: room - line.count)
        let newSize = line.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, stream[index].count, room) }
        stream[index] = Array(line.prefix(newSize))
    case 1: stream.insert(stream[index], at: index)  // a duplicate
    case 2: if stream.count > 1 { stream.swapAt(index, Int(random.next() % UInt64(stream.count))) }
    case 3: if stream.count > 1 { stream.remove(at: index) }
    default:
        if let mutated = mutateSample(stream[index], &random) { stream[index] = mutated }
    }
    let joined = Array(stream.joined(separator: [UInt8(ascii: "\n")]))
    guard joined.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
    joined.withUnsafeBytes { UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: joined.count) }
    return joined.count
}

/// libFuzzer's structure-aware hook (LLVMFuzzerTestOneInput is CFuzzerDriver's).
@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    mutate(data, size, maxSize, seed)
}

@main
struct PipelineFuzz {
    static func main() {
        exit(SpikewatchFuzzerMain(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzOne(data, size) })
    }
}
