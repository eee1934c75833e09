import ArgumentParser
import Detection
import Evaluation

/// A detector `replay` and `evaluate` can run, by its report name.
enum DetectorChoice: String, CaseIterable, ExpressibleByArgument {
    case spiking
    case rollingZScore = "rolling_zscore"
    case ewma
    case staticThreshold = "static_threshold"

    /// A built detector: the spiking model or one of the baselines.
    enum Built {
        case spiking(SpikingDetector)
        case baseline(BaselineDetector)
    }

    /// The detector with its default settings changed by `--set KEY=VALUE` assignments.
    /// (The spiking detector reads the hour of the day in `localTime`.)
    func make(assignments: [String], classifier: FaultClassifier? = nil, localTime: LocalTime = .utc) throws -> Built {
        do {
            switch self {
            case .spiking:
                var settings = try SettingsOverride.apply(assignments, to: DetectorSettings())
                settings.localTime = localTime
                return .spiking(SpikingDetector(settings: settings, classifier: classifier))
            case .rollingZScore, .ewma, .staticThreshold:
                let method = BaselineDetector.Method(rawValue: rawValue)!
                let settings = try SettingsOverride.apply(assignments, to: BaselineSettings())
                return .baseline(BaselineDetector(method: method, settings: settings))
            }
        } catch let failure as SettingsOverride.Failure {
            throw ValidationError("\(rawValue) detector: \(failure.description)")
        }
    }

    static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
