public import Detection
public import Telemetry

#if canImport(Glibc)
import Glibc
#endif

/// The knobs of the baseline detectors (each method reads the ones it uses).
public struct BaselineSettings: Sendable, Equatable, Codable {
    /// |z| above this flags a sample.
    public var threshold = 3.0
    /// Flagged samples in a row that raise an alert.
    public var raiseAfter = 2
    /// Unflagged samples in a row that clear it.
    public var clearAfter = 8
    /// Rolling z-score: samples in the window.
    public var window = 60
    /// EWMA: span of the mean and variance, samples.
    public var ewmaSpan = 40.0
    /// Static threshold: hours over which each metric's mean and deviation are learned
    /// (silent meanwhile), then fixed.
    public var learningHours = 24.0
    /// The per-sample score is `1 - exp(-|z| / scoreScale)`.
    public var scoreScale = 10.0

    public init() {}
}

extension BaselineSettings: RangeCheckedSettings {
    /// threshold, ewmaSpan and scoreScale > 0; raiseAfter, clearAfter and window >= 1;
    /// learningHours >= 0.
    public var rangeProblem: String? {
        rangeProblem(
            numbers: [("threshold", threshold, 0, false), ("ewmaSpan", ewmaSpan, 0, false), ("scoreScale", scoreScale, 0, false)],
            wholeNumbers: [("raiseAfter", raiseAfter, 1), ("clearAfter", clearAfter, 1), ("window", window, 1)])
    }
}

/// The classic streaming detectors the spiking model is measured against, behind the
/// same facade. Each watches every metric of a cell (counters, recognised as never
/// decreasing integers, as per-second rates), flags a sample when any metric's |z|
/// exceeds `threshold`, and raises and clears alerts with the same hysteresis as the
/// spiking detector (raise after `raiseAfter` flagged samples in a row, clear after
/// `clearAfter` unflagged ones).
public struct BaselineDetector: AnomalyDetector {
    public enum Method: String, Sendable, CaseIterable {
        /// Mean and standard deviation learned over each cell's first day, then fixed.
        case staticThreshold = "static_threshold"
        /// Mean and standard deviation of the last `window` samples (windowed Gaussian).
        case rollingZScore = "rolling_zscore"
        /// Exponentially weighted mean and variance.
        case ewma
    }

    public let method: Method
    /// Every knob, Codable so the command line can set any of them by name.
    public var settings: BaselineSettings

    /// |z| above this flags a sample.
    public var threshold: Double {
        get { settings.threshold }
        set { settings.threshold = newValue }
    }
    public var raiseAfter: Int { settings.raiseAfter }
    public var clearAfter: Int { settings.clearAfter }
    var window: Int { max(settings.window, 2) }
    var ewmaSpan: Double { settings.ewmaSpan }
    /// The static threshold's learning period, seconds.
    public var learningSeconds: Double {
        get { settings.learningHours * 3600 }
        set { settings.learningHours = newValue / 3600 }
    }

    public var name: String { method.rawValue }

    struct MetricState: Sendable {
        var last: Double?
        var observations = 0
        var decreased = false
        var integral = true
        var isCounter = false
        var lastTime = 0.0
        // Statistics.
        var count = 0.0
        var mean = 0.0
        var m2 = 0.0
        var frozen = false
        var ring: [Double] = []
        var ringIndex = 0
        var sum = 0.0
        var sumSquares = 0.0
    }

    struct CellState: Sendable {
        var metrics: [Int32: MetricState] = [:]
        var firstTime: Double?
        var flaggedRun = 0
        var quietRun = 0
        var alertStart: Double?
        var severity = Alert.Severity.warning
    }

    var cells: [ExactKey: CellState] = [:]

    public init(method: Method, threshold: Double, raiseAfter: Int = 2, clearAfter: Int = 8) {
        var settings = BaselineSettings()
        settings.threshold = threshold
        settings.raiseAfter = raiseAfter
        settings.clearAfter = clearAfter
        self.init(method: method, settings: settings)
    }

    public init(method: Method, settings: BaselineSettings) {
        self.method = method
        self.settings = settings
    }

    /// The per-sample score: a monotone map of the largest |z| into 0..<1 that does not
    /// saturate at the alert threshold, so a threshold search over scores (NAB's) can
    /// still rank large deviations.
    public func score(forZ z: Double) -> Double {
        1 - exp(-abs(z) / max(settings.scoreScale, 1e-9))
    }

    public mutating func forget(cell: String) {
        cells[ExactKey(cell)] = nil
    }

    public mutating func process(_ sample: TelemetrySample, names: MetricNames) -> DetectorOutput {
        var cell = cells.removeValue(forKey: ExactKey(sample.cell)) ?? CellState()
        defer { cells[ExactKey(sample.cell)] = cell }
        let t = sample.timestamp
        if cell.firstTime == nil { cell.firstTime = t }
        var worst = 0.0
        var worstMetric: (Int32, Double, Double, Double)?
        for metric in sample.metrics {
            var state = cell.metrics[metric.id] ?? MetricState()
            var x: Double? = metric.value
            if metric.value != metric.value.rounded() { state.integral = false }
            if let last = state.last {
                if metric.value < last { state.decreased = true }
                if state.observations == 20 { state.isCounter = state.integral && !state.decreased }
                if state.isCounter {
                    x = metric.value >= last && t > state.lastTime ? (metric.value - last) / (t - state.lastTime) : nil
                }
            }
            if state.observations < 20 { x = nil }
            state.last = metric.value
            state.lastTime = t
            state.observations += 1
            if let x, let (z, low, high) = score(&state, x, time: t, firstTime: cell.firstTime!) {
                if abs(z) > worst {
                    worst = abs(z)
                    worstMetric = (metric.id, x, low, high)
                }
            }
            cell.metrics[metric.id] = state
        }
        let flagged = worst > threshold
        var transitions: [Alert] = []
        func alert(_ state: Alert.State, severity: Alert.Severity) -> Alert {
            let evidence = worstMetric.map {
                [Alert.Evidence(metric: names.names[Int($0.0)], value: $0.1, low: $0.2, high: $0.3)]
            } ?? []
            return Alert(cell: sample.cell, state: state, severity: severity, kind: "anomaly", score: score(forZ: worst),
                         // `seq` is the publisher's to assign (AlertLedger), as for the spiking detector.
                         timestamp: t, startedAt: cell.alertStart ?? t, sequence: 0, evidence: evidence)
        }
        if flagged {
            cell.flaggedRun += 1
            cell.quietRun = 0
        } else {
            cell.flaggedRun = 0
            cell.quietRun += 1
        }
        if cell.alertStart == nil && cell.flaggedRun >= raiseAfter {
            cell.alertStart = t
            cell.severity = .major
            transitions.append(alert(.raised, severity: .major))
        } else if cell.alertStart != nil && cell.quietRun >= clearAfter {
            transitions.append(alert(.cleared, severity: cell.severity))
            cell.alertStart = nil
        }
        return DetectorOutput(score: score(forZ: worst), transitions: transitions)
    }

    /// The z of `x` against the method's statistics, then learns from `x`.
    func score(_ state: inout MetricState, _ x: Double, time: Double, firstTime: Double) -> (Double, Double, Double)? {
        switch method {
        case .staticThreshold:
            if time - firstTime < learningSeconds {
                state.count += 1
                let delta = x - state.mean
                state.mean += delta / state.count
                state.m2 += delta * (x - state.mean)
                return nil
            }
            guard state.count > 2 else { return nil }
            let sd = max((state.m2 / (state.count - 1)).squareRoot(), 1e-9 + abs(state.mean) * 1e-6)
            return ((x - state.mean) / sd, state.mean - threshold * sd, state.mean + threshold * sd)
        case .rollingZScore:
            var result: (Double, Double, Double)?
            if state.ring.count == window {
                let mean = state.sum / Double(window)
                let variance = max(state.sumSquares / Double(window) - mean * mean, 0)
                let sd = max(variance.squareRoot(), 1e-9 + abs(mean) * 1e-6)
                result = ((x - mean) / sd, mean - threshold * sd, mean + threshold * sd)
                let old = state.ring[state.ringIndex]
                state.sum -= old
                state.sumSquares -= old * old
                state.ring[state.ringIndex] = x
                state.ringIndex = (state.ringIndex + 1) % window
            } else {
                state.ring.append(x)
            }
            state.sum += x
            state.sumSquares += x * x
            return result
        case .ewma:
            let alpha = 2 / (ewmaSpan + 1)
            defer { state.count += 1 }
            if state.count == 0 {
                state.mean = x
                return nil
            }
            let sd = max(state.m2.squareRoot(), 1e-9 + abs(state.mean) * 1e-6)
            let z = (x - state.mean) / sd
            // Clip the update so one outlier cannot drag the statistics (the same care
            // the spiking model's forecaster gets); not while warming up, or a variance
            // that starts at zero could only grow a few percent a sample and every sample
            // after the warm-up would look extreme.
            let residual = state.count < 30 ? x - state.mean : max(-threshold * sd, min(threshold * sd, x - state.mean))
            state.mean += alpha * residual
            state.m2 = (1 - alpha) * (state.m2 + alpha * residual * residual)
            return state.count < 30 ? nil : (z, state.mean - threshold * sd, state.mean + threshold * sd)
        }
    }
}
