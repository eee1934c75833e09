import Detection
import Foundation
import SpikeCore
import Telemetry

/// Memory and work per cell: feeds `cells` cells of `metrics` noisy metrics, long enough
/// that every per-cell structure reaches its full size, through the detection pipeline.
public enum StateBenchmark {
    public struct Result: Sendable {
        public var cells: Int
        public var metrics: Int
        public var samples: Int
        public var residentBytesBefore: Int
        public var residentBytesAfter: Int
        public var checkpointBytes: Int
        public var synapticEventsPerSample: Double
        public var denseOperationsPerSample: Double
        public var secondsPerSample: Double
    }

    /// The process's resident set size, from /proc/self/status.
    public static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    /// Runs the pipeline; `period` 3600 s makes each sample an hour, so the day's
    /// envelope (24 hourly slots) and everything else is full after `samplesPerCell` >= 30.
    public static func run(cells: Int, metrics: Int, samplesPerCell: Int = 80, period: Double = 3600, seed: UInt64 = 1)
        -> Result
    {
        var names = MetricNames()
        let ids = (0..<metrics).map { names.id(for: "metric-\($0)")! }
        var pipeline = Pipeline(
            detector: SpikingDetector(), tracker: SequenceTracker(maximumCells: cells + 1, idleEviction: .infinity))
        var rng = SeededGenerator(seed: seed)
        let cellNames = (0..<cells).map { "cell-\($0)" }
        let before = residentBytes()
        var synapticEvents = 0
        var dense = 0
        var samples = 0
        let start = ContinuousClock.now
        for step in 0..<samplesPerCell {
            for (index, cell) in cellNames.enumerated() {
                let values = ids.enumerated().map { offset, id in
                    TelemetrySample.Metric(id: id, value: 100 + Double(offset) + 2 * rng.nextGaussian())
                }
                let sample = TelemetrySample(
                    cell: cell, timestamp: 1_793_923_200 + Double(step) * period + Double(index % 60), sequence: Int64(step),
                    metrics: values)
                if case .success(let output) = pipeline.process(sample, names: names) {
                    synapticEvents += output.synapticEvents
                    dense += output.denseOperations
                    samples += 1
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        let after = residentBytes()
        let checkpoint = (try? Checkpoint(tracker: pipeline.tracker, detector: pipeline.detector).encoded().count) ?? 0
        return Result(
            cells: cells, metrics: metrics, samples: samples, residentBytesBefore: before, residentBytesAfter: after,
            checkpointBytes: checkpoint, synapticEventsPerSample: Double(synapticEvents) / Double(max(samples, 1)),
            denseOperationsPerSample: Double(dense) / Double(max(samples, 1)),
            secondsPerSample: (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
                / Double(max(samples, 1)))
    }
}
