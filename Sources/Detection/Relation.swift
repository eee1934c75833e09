/// How one feature of a cell moves with the cell's other features: its leaky mean and
/// variance, and its covariance with each feature created before it, learned from the
/// stream over about `relationHours`. A feature that is nearly a straight-line function
/// of another (power drawn against the PRB it serves: |correlation| at least
/// `relationCorrelation`) says nothing the other does not, unless the line breaks: its
/// rises are judged against the line (``CellModel``, the relation gate).
struct Relation: Codable, Sendable, Equatable {
    /// Samples learned from (the first ones weigh 1/n, then 1/horizon).
    var count = 0
    var mean = 0.0
    var variance = 0.0
    /// Covariance with feature j, for each j before this one; samples both carried.
    var covariance: [Double] = []
    var pairCount: [Int] = []

    /// Learns one sample: this feature's deviation from its mean, then its covariance
    /// with each earlier feature `j` present too, whose value and mean (not yet updated
    /// this sample) are read through `other`.
    mutating func learn(_ x: Double, earlier: Int, horizon: Double, other: (Int) -> (value: Double, mean: Double)) {
        let deviation = x - mean
        if covariance.count < earlier {
            covariance.append(contentsOf: repeatElement(0, count: earlier - covariance.count))
            pairCount.append(contentsOf: repeatElement(0, count: earlier - pairCount.count))
        }
        covariance.withUnsafeMutableBufferPointer { covariance in
            pairCount.withUnsafeMutableBufferPointer { pairCount in
                for j in 0..<earlier {
                    let (value, otherMean) = other(j)
                    guard value.isFinite else { continue }
                    pairCount[j] += 1
                    let rate = max(1 / Double(pairCount[j]), 1 / horizon)
                    covariance[j] = (1 - rate) * (covariance[j] + rate * deviation * (value - otherMean))
                }
            }
        }
        count += 1
        let rate = max(1 / Double(count), 1 / horizon)
        mean += rate * deviation
        variance = (1 - rate) * (variance + rate * deviation * deviation)
    }

    /// The state is finite and its arrays agree.
    var isValid: Bool {
        count >= 0 && mean.isFinite && variance.isFinite && variance >= 0 && covariance.count == pairCount.count
            && covariance.allSatisfy(\.isFinite) && pairCount.allSatisfy { $0 >= 0 }
    }
}

extension CellModel {
    /// How far feature `index`'s value this sample lies off the straight line through the
    /// feature that explains it best, in the line's own deviations; nil when no feature
    /// present this sample explains it (|correlation| under `relationCorrelation`, or
    /// fewer than `minimumPairs` samples together).
    static func relationResidual(
        of index: Int, features: UnsafeMutableBufferPointer<Feature>, settings: DetectorSettings, minimumPairs: Int
    ) -> Double? {
        let x = features[index].sampleValue
        let own = features[index].relation
        guard x.isFinite, own.count >= minimumPairs, own.variance > 0 else { return nil }
        var best: (r: Double, j: Int, covariance: Double)?
        for j in features.indices where j != index && features[j].sampleValue.isFinite && !(settings.relationQuietPartner && features[j].sampleSpiked) {
            let (covariance, pairs) = j < index
                ? (j < own.covariance.count ? (own.covariance[j], own.pairCount[j]) : (0, 0))
                : (index < features[j].relation.covariance.count
                    ? (features[j].relation.covariance[index], features[j].relation.pairCount[index]) : (0, 0))
            let other = features[j].relation
            guard pairs >= minimumPairs, other.variance > 0 else { continue }
            let r = max(-1, min(1, covariance / (own.variance * other.variance).squareRoot()))
            if abs(r) >= settings.relationCorrelation && abs(r) > abs(best?.r ?? 0) { best = (r, j, covariance) }
        }
        guard let best else { return nil }
        let other = features[best.j].relation
        let predicted = own.mean + best.covariance / other.variance * (features[best.j].sampleValue - other.mean)
        let spread = (own.variance * max(1 - best.r * best.r, 1e-6)).squareRoot()
        return (x - predicted) / spread
    }

    /// Every feature present this sample learns its relations with the features before
    /// it. Last to first, so each reads the earlier features' means before they move.
    /// A value beyond 1e150 in magnitude (a hostile or broken sensor) teaches nothing,
    /// so every square and product stays finite.
    static func learnRelations(features: UnsafeMutableBufferPointer<Feature>, horizon: Double) {
        @inline(__always) func learnable(_ x: Double) -> Double { abs(x) < 1e150 ? x : .nan }
        for index in features.indices.reversed() where learnable(features[index].sampleValue).isFinite {
            let x = features[index].sampleValue
            features[index].relation.learn(x, earlier: index, horizon: horizon) { j in
                (learnable(features[j].sampleValue), features[j].relation.mean)
            }
        }
    }
}
