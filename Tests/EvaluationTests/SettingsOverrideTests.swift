import Detection
import Telemetry
import Testing
@testable import Evaluation

@Suite("--set KEY=VALUE on any Codable settings")
struct SettingsOverrideTests {
    struct Knobs: Codable, Equatable {
        var gain = 1.5
        var count = 3
        var enabled = false
        var label = "a"
        var limit: Double?
    }

    @Test("numbers, integers, booleans, text and a nil optional are set by name; the rest stay")
    func sets() throws {
        let knobs = try SettingsOverride.apply(["gain=0.25", "count=7", "enabled=true", "label=b c", "limit=9"], to: Knobs())
        #expect(knobs == Knobs(gain: 0.25, count: 7, enabled: true, label: "b c", limit: 9))
        #expect(try SettingsOverride.apply([], to: Knobs()) == Knobs())
        #expect(try SettingsOverride.apply(["gain=2", "gain=3"], to: Knobs()).gain == 3)
    }

    @Test("keys match ignoring case and underscores")
    func looseKeys() throws {
        var settings = DetectorSettings()
        settings.deadZone = 4
        settings.warmupSamples = 10
        #expect(try SettingsOverride.apply(["dead_zone=4", "WARMUPSAMPLES=10"], to: DetectorSettings()) == settings)
    }

    @Test("an unknown key lists the valid ones; a bad value names the key and what it expects")
    func refusals() throws {
        #expect {
            _ = try SettingsOverride.apply(["gian=1"], to: Knobs())
        } throws: { error in
            let text = "\(error)"
            return text.contains("unknown key") && text.contains("count, enabled, gain, label, limit")
        }
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["count=1.5"], to: Knobs()) }
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["gain=fast"], to: Knobs()) }
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["enabled=maybe"], to: Knobs()) }
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["gain"], to: Knobs()) }
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["gain=inf"], to: Knobs()) }
    }

    @Test("every DetectorSettings and BaselineSettings knob is listed")
    func detectorKeys() throws {
        let keys = try SettingsOverride.keys(of: DetectorSettings())
        #expect(keys.contains("deadZone") && keys.contains("evidenceThreshold") && keys.contains("clearAfter"))
        #expect(try SettingsOverride.keys(of: BaselineSettings()) == [
            "clearAfter", "ewmaSpan", "learningHours", "raiseAfter", "scoreScale", "threshold", "window",
        ])
    }
}

@Suite("Baseline per-sample scores")
struct BaselineScoreTests {
    @Test("the score is 1 - exp(-|z|/scoreScale): monotone, 0 at z = 0, below 1 well past the threshold")
    func mapping() {
        var settings = BaselineSettings()
        settings.scoreScale = 10
        let detector = BaselineDetector(method: .rollingZScore, settings: settings)
        #expect(detector.score(forZ: 0) == 0)
        #expect(abs(detector.score(forZ: -10) - (1 - 1 / 2.718281828459045)) < 1e-12)
        let scores = [1.0, 3, 6, 12, 24, 48].map { detector.score(forZ: $0) }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 < $1 })
        #expect(scores.last! < 1)
    }

    @Test("a rolling z-score scores a jump in a steady noisy series higher than any sample before it")
    func jumpScoresHighest() {
        var names = MetricNames()
        let id = names.id(for: "x")!
        var detector = BaselineDetector(method: .rollingZScore, settings: BaselineSettings())
        var scores: [Double] = []
        for index in 0..<200 {
            let noise = Double((index * 37) % 11) / 10 - 0.5
            let value = index == 150 ? 40 : 10 + noise
            let sample = TelemetrySample(
                cell: "c", timestamp: Double(index) * 60, sequence: Int64(index),
                metrics: [TelemetrySample.Metric(id: id, value: value)], label: nil)
            scores.append(detector.process(sample, names: names).score)
        }
        #expect(scores[150] > 0.9)
        #expect(scores[..<150].allSatisfy { $0 < scores[150] / 2 })
    }

    @Test("values the configuration file refuses are refused by --set too, naming the knob")
    func ranges() throws {
        for (assignment, message) in [
            ("deadZone=-1", "deadZone must be a number > 0, got -1.0"), ("dead_zone=0", "deadZone must be a number > 0, got 0.0"),
            ("maximumSpikes=-1", "maximumSpikes must be a whole number >= 1, got -1"),
            ("warmupSamples=9", "warmupSamples must be a whole number >= 10, got 9"),
            ("clearAfter=0", "clearAfter must be a whole number >= 1, got 0"),
            ("surpriseWeight=-0.5", "surpriseWeight must be a number >= 0, got -0.5"),
        ] {
            #expect {
                _ = try SettingsOverride.apply([assignment], to: DetectorSettings())
            } throws: { error in
                "\(error)".contains(message)
            }
        }
        #expect(try SettingsOverride.apply(["deadZone=2.5", "maximumSpikes=1", "habituationSamples=0"], to: DetectorSettings()).deadZone == 2.5)
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["threshold=0"], to: BaselineSettings()) }
        #expect(throws: SettingsOverride.Failure.self) { _ = try SettingsOverride.apply(["window=-3"], to: BaselineSettings()) }
        // The daemon's configuration starts from defaults that pass.
        #expect(DetectorSettings().rangeProblem == nil)
        #expect(BaselineSettings().rangeProblem == nil)
    }
}
