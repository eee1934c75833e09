import Foundation
import SpikewatchTestSupport
import Testing

/// The benchmark commands run end to end on tiny workloads (debug build: the figures
/// mean nothing, the columns and the invariants between them do).
@Suite("spikewatch bench, on tiny workloads")
struct BenchCommandTests {
    /// The numbers of the output line that starts with `prefix` (after trimming).
    func row(_ output: String, _ prefix: String) -> [Double]? {
        output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(prefix) }
            .map { $0.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "x"))) } }
    }

    @Test("sparsity: fewer synaptic operations than the dense network's MACs, per cells and metrics")
    func sparsity() throws {
        let result = try SpikewatchProcess.run(["bench", "sparsity", "--cells", "3", "--metrics", "5,20", "--days", "0.6"])
        #expect(result.status == 0, "\(result.stderr)")
        for metrics in [5, 20] {
            let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
            let values = try #require(rows.first { $0.count >= 2 && $0[0] == 3 && $0[1] == Double(metrics) }, "\(result.stdout)")
            // cells metrics neurons synapses samples synops dense ratio raised µs
            #expect(values.count == 10, "\(values)")
            #expect(values[4] > 2000)  // samples
            #expect(values[5] < values[6], "synops/sample below dense MACs/sample")
            #expect(abs(values[2] - (2 * (values[3] / 4) + 1)) < 0.1, "neurons = 2 per feature + evidence")
        }
        #expect(try SpikewatchProcess.run(["bench", "sparsity", "--metrics", "21"]).status != 0)
    }

    @Test("ingest: the daemon and a null subscriber over real ZeroMQ, and the in-process split")
    func ingest() throws {
        let result = try SpikewatchProcess.run(["bench", "ingest", "--messages", "3000", "--cells", "20", "--workers", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("ratio") }, "\(result.stdout)")
        let ratio = try #require(Double(line.split(separator: " ").last ?? ""))
        #expect(ratio > 0 && ratio < 2, "\(line)")
        #expect(result.stdout.contains("in-process without ZeroMQ: decode"))
        #expect(try SpikewatchProcess.run(["bench", "ingest", "--telemetry", "random"]).status != 0)
    }

    @Test("latency: every probe's alert arrives, through the relays and the daemon")
    func latency() throws {
        let result = try SpikewatchProcess.run(["bench", "latency", "--rates", "2000", "--probes", "20", "--bursts", "8"])
        #expect(result.status == 0, "\(result.stderr)")
        for through in ["relay", "relay+hop", "daemon"] {
            let values = try #require(row(result.stdout, "2000      8  \(through) "), "\(result.stdout)")
            // rate burst probes received p50 p99 p99.9 max
            #expect(values.count == 8, "\(values)")
            #expect(values[2] == 20 && values[3] == 20, "\(through): every probe answered")
            #expect(values[4] > 0 && values[4] <= values[5], "\(through): p50 <= p99")
        }
    }
}
