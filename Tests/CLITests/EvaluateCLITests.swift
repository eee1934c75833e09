import Foundation
import SpikewatchTestSupport
import Testing

@Suite("evaluate: several seeds, scoring from the first sample, --set")
struct EvaluateCLITests {
    /// Small generated scenarios, tuned on the small fixture, so a debug build takes seconds.
    let small = ["--cells", "3", "--days", "1", "--fault-free-hours", "6", "--tune", "fixtures/small.jsonl"]

    func json(_ arguments: [String]) throws -> Any {
        let result = try SpikewatchProcess.run(["evaluate"] + arguments + small + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test("--seeds 3-4 reports each seed and the mean of their figures")
    func seeds() throws {
        let payload = try #require(try json(["--seeds", "3-4", "--detectors", "rolling_zscore,ewma"]) as? [String: Any])
        let seeds = try #require(payload["seeds"] as? [[String: Any]])
        #expect(seeds.map { $0["seed"] as? Int } == [3, 4])
        let mean = try #require(payload["mean"] as? [[String: Any]])
        #expect(mean.map { $0["detector"] as? String } == ["rolling_zscore", "ewma"])
        for (index, detector) in ["rolling_zscore", "ewma"].enumerated() {
            let f1s = seeds.map { seed in
                ((seed["detectors"] as? [[String: Any]])?[index]["report"] as? [String: Any])?["f1"] as? Double ?? -1
            }
            #expect(f1s.allSatisfy { $0 >= 0 })
            #expect(abs((mean[index]["f1"] as? Double ?? -1) - f1s.reduce(0, +) / 2) < 1e-9, "\(detector)")
        }
        // One seed of --seeds is the same as --seed alone.
        let single = try #require(try json(["--seed", "4", "--detectors", "rolling_zscore,ewma"]) as? [[String: Any]])
        let fromSeeds = try #require(seeds[1]["detectors"] as? [[String: Any]])
        #expect((single[0]["report"] as? [String: Any])?["f1"] as? Double == (fromSeeds[0]["report"] as? [String: Any])?["f1"] as? Double)
    }

    @Test("alerts count from the first sample by default; --learning-hours leaves some out")
    func learningDefault() throws {
        func alerts(_ extra: [String]) throws -> Int {
            let reports = try #require(try json(["--seed", "3", "--detectors", "ewma"] + extra) as? [[String: Any]])
            return try #require((reports[0]["report"] as? [String: Any])?["alerts"] as? Int)
        }
        let byDefault = try alerts([])
        #expect(try alerts(["--learning-hours", "0"]) == byDefault)
        #expect(try alerts(["--learning-hours", "12"]) < byDefault)
    }

    @Test("--set fixes a spiking knob (deadZone skips the search); bad seeds and keys are refused")
    func setAndRefusals() throws {
        let reports = try #require(try json(["--seed", "3", "--detectors", "spiking", "--set", "dead_zone=4.5"]) as? [[String: Any]])
        #expect(reports[0]["threshold"] as? Double == 4.5)
        for bad in [["--seeds", "5-3"], ["--seeds", "x"], ["--set", "nonsense=1"], ["--detectors", "magic"]] {
            let result = try SpikewatchProcess.run(["evaluate"] + bad + small)
            #expect(result.status != 0, "\(bad)")
        }
    }
}
