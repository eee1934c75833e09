public import Detection
import Telemetry

/// Collects the spike counts the class readout would see during labelled faults: the
/// detector runs without a readout, and while a cell's alert is active during a
/// labelled fault, its episode counts are sampled (at the raise and every few samples
/// after) with the fault's kind.
public func collectClassExamples(_ data: LabelledData, settings: DetectorSettings, every: Int = 5)
    -> [(counts: [String: Int], kind: String)]
{
    var pipeline = Pipeline(
        detector: SpikingDetector(settings: settings),
        tracker: SequenceTracker(maximumCells: 1_000_000, idleEviction: .infinity))
    var examples: [(counts: [String: Int], kind: String)] = []
    // Cells byte for byte, as the detector keys them.
    var samplesIntoAlert: [ExactKey: Int] = [:]
    var lastCounts: [ExactKey: [String: Int]] = [:]
    for record in data.records {
        guard case .success(let sample) = record.result, case .success = pipeline.process(sample, names: data.names) else {
            continue
        }
        let cell = ExactKey(sample.cell)
        let alerting = pipeline.detector.activeAlerts.contains { ExactKey($0.cell) == cell }
        guard alerting, let label = sample.label else {
            samplesIntoAlert[cell] = nil
            lastCounts[cell] = nil
            continue
        }
        let count = samplesIntoAlert[cell, default: 0]
        samplesIntoAlert[cell] = count + 1
        if count % every == 0 {
            // Once the episode's counts are frozen (its onset window is over) they repeat:
            // keep each distinct snapshot of an alert once.
            let counts = pipeline.detector.spikeCounts(of: sample.cell)
            if !counts.isEmpty && lastCounts[cell] != counts {
                examples.append((counts, label))
                lastCounts[cell] = counts
            }
        }
    }
    return examples
}
