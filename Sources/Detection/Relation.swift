/// How one feature of a cell moves with the cell's other features: its leaky mean and
/// variance, and its covariance with each feature created before it, learned from the
/// stream over about `relationHours`. A feature that is nearly a straight-line function
/// of another (power drawn against the PRB it serves: |correlation| at least
/// `relationCorrelation`) says nothing the other does not, unless the line breaks: its
/// rises (with `relationGatesFalls`, its falls too) are judged against the line
/// (``CellModel``, the relation gate).
struct Relation: Codable, Sendable, Equatable {
    /// Samples learned from (the first ones weigh 1/n, then 1/horizon).
    var count = 0
    var mean = 0.0
    var variance = 0.0
    /// Covariance with feature j, for each j before this one (single precision: a
    /// cell's relations are read by every sample, and half the bytes stay in cache).
    var covariance: [Float] = []

    /// The weight this sample gets: 1/n for the first samples, then 1/horizon.
    func rate(horizon: Double) -> Double { max(1 / Double(count + 1), 1 / horizon) }

    /// The state is finite and not negative where it cannot be.
    var isValid: Bool {
        count >= 0 && mean.isFinite && variance.isFinite && variance >= 0 && covariance.allSatisfy(\.isFinite)
    }
}

extension CellModel {
    /// How far feature `index`'s value this sample lies off the straight line through the
    /// feature that explains it best, in the line's own deviations; nil when no feature
    /// present this sample explains it (|correlation| under `relationCorrelation`, or
    /// either feature has learned from fewer than `minimumPairs` samples).
    static func relationResidual(
        of index: Int, features: UnsafeMutableBufferPointer<Feature>, settings: DetectorSettings, minimumPairs: Int
    ) -> Double? {
        let x = features[index].sampleValue
        let own = features[index].relation
        guard x.isFinite, own.count >= minimumPairs, own.variance > 0 else { return nil }
        var best: (r: Double, j: Int, covariance: Double)?
        for j in features.indices where j != index && features[j].sampleValue.isFinite && !(settings.relationQuietPartner && features[j].sampleSpiked) {
            let other = features[j].relation
            // The pair has learned together for as long as the younger of the two.
            guard other.count >= minimumPairs, other.variance > 0 else { continue }
            let covariance = j < index
                ? (j < own.covariance.count ? Double(own.covariance[j]) : 0)
                : (index < other.covariance.count ? Double(other.covariance[index]) : 0)
            let r = max(-1, min(1, covariance / (own.variance * other.variance).squareRoot()))
            if abs(r) >= settings.relationCorrelation && abs(r) > abs(best?.r ?? 0) { best = (r, j, covariance) }
        }
        guard let best else { return nil }
        let other = features[best.j].relation
        let predicted = own.mean + best.covariance / other.variance * (features[best.j].sampleValue - other.mean)
        let spread = (own.variance * max(1 - best.r * best.r, 0)).squareRoot()
        // The line's spread is at least the feature's resolution and a twentieth of its
        // own spread: leaky moments learned at different rates (a counter's rate starts a
        // sample late, nothing is learned during alerts) can put |r| at 1, and a line
        // cannot be finer than what the metric reports.
        let floor = max(features[index].resolution, 0.05 * own.variance.squareRoot())
        return (x - predicted) / max(spread, floor)
    }

    /// Every feature present this sample learns its mean, its variance and its covariance
    /// with each earlier feature present too, at the rate of the younger of the two. The
    /// values, means (before this sample moves them) and rates are gathered first into
    /// a scratch buffer on the stack, so the pairs are walked in contiguous memory. A
    /// value beyond 1e18 in magnitude (a hostile or broken sensor) teaches nothing, so
    /// every product stays finite in single precision.
    static func learnRelations(features: UnsafeMutableBufferPointer<Feature>, horizon: Double) {
        let count = features.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * max(count, 1)) { scratch in
            let values = scratch.baseAddress!
            let means = values + count
            let rates = means + count
            for k in 0..<count {
                let x = features[k].sampleValue
                values[k] = abs(x) < 1e18 ? x : .nan
                means[k] = features[k].relation.mean
                rates[k] = features[k].relation.rate(horizon: horizon)
            }
            for i in 0..<count where values[i].isFinite {
                let deviation = values[i] - means[i]
                let rate = rates[i]
                if features[i].relation.covariance.count < i {
                    features[i].relation.covariance.append(
                        contentsOf: repeatElement(0, count: i - features[i].relation.covariance.count))
                }
                features[i].relation.covariance.withUnsafeMutableBufferPointer { covariance in
                    for j in 0..<i where values[j].isFinite {
                        let pairRate = max(rate, rates[j])
                        covariance[j] = Float((1 - pairRate) * (Double(covariance[j]) + pairRate * deviation * (values[j] - means[j])))
                    }
                }
                features[i].relation.count += 1
                features[i].relation.mean += rate * deviation
                features[i].relation.variance = (1 - rate) * (features[i].relation.variance + rate * deviation * deviation)
            }
        }
    }
}
