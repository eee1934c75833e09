#if canImport(Glibc)
import Glibc
#endif

/// Rate coding with evenly spaced spikes: `rateHz` spikes per second, the first at `phase`.
public struct RegularRateEncoder: Sendable {
    public var rateHz: Double
    public var phase: Microseconds

    public init(rateHz: Double, phase: Microseconds = 0) {
        self.rateHz = rateHz
        self.phase = phase
    }

    /// Spike times in `[0, duration)`.
    public func spikeTimes(duration: Microseconds) -> [Microseconds] {
        guard rateHz > 0, rateHz.isFinite else { return [] }
        let interval = 1_000_000 / rateHz
        var times: [Microseconds] = []
        var k = 0.0
        while true {
            // In doubles first: a tiny rate makes the interval far beyond Int64.
            let time = Double(phase) + (k * interval).rounded()
            if time >= Double(duration) { break }
            times.append(Microseconds(time))
            k += 1
        }
        return times
    }
}

/// Rate coding as a seeded Poisson process: exponential gaps with mean `1 / rateHz`.
public struct PoissonEncoder: Sendable {
    public var rateHz: Double

    public init(rateHz: Double) {
        self.rateHz = rateHz
    }

    /// Spike times in `[0, duration)`, drawn from `generator`.
    public func spikeTimes(duration: Microseconds, using generator: inout SeededGenerator) -> [Microseconds] {
        guard rateHz > 0, rateHz.isFinite else { return [] }
        var times: [Microseconds] = []
        var t = 0.0
        let mean = 1_000_000 / rateHz
        while true {
            t += -log(1 - generator.nextUnit()) * mean
            guard t < Double(duration) else { break }
            times.append(Microseconds(t))
        }
        return times
    }
}

/// Latency (time-to-first-spike) coding: a value in [0, 1] becomes one spike, the
/// stronger the earlier: `t = window * (1 - x)`; values below `minimum` send nothing.
public struct LatencyEncoder: Sendable {
    public var window: Microseconds
    public var minimum: Double

    public init(window: Microseconds, minimum: Double = 0) {
        self.window = window
        self.minimum = minimum
    }

    /// The spike time for `value`, or `nil` for no spike.
    public func spikeTime(for value: Double) -> Microseconds? {
        guard value.isFinite, value >= minimum, value > 0 else { return nil }
        let clamped = min(value, 1)
        return Microseconds((Double(window) * (1 - clamped)).rounded())
    }
}

/// Send-on-delta (level-crossing) coding: an ON spike each time the signal rises `delta`
/// above the reference, an OFF spike each time it falls `delta` below; the reference
/// moves by `delta` per spike. A steady signal sends nothing.
public struct SendOnDeltaEncoder: Sendable {
    public enum Polarity: Sendable, Equatable {
        case on, off
    }

    public var delta: Double
    /// The level last reported; `nil` until the first sample.
    public private(set) var reference: Double?

    public init(delta: Double) {
        precondition(delta > 0)
        self.delta = delta
    }

    /// Feeds one sample; returns how many spikes of which polarity it causes.
    public mutating func encode(_ value: Double) -> (polarity: Polarity, count: Int)? {
        guard value.isFinite else { return nil }
        guard let current = reference else {
            reference = value
            return nil
        }
        let steps = ((value - current) / delta).rounded(.towardZero)
        guard steps != 0 else { return nil }
        reference = current + steps * delta
        return (steps > 0 ? .on : .off, Int(abs(steps)))
    }
}

/// Population coding with Gaussian receptive fields: `count` neurons with centres spread
/// evenly over `[low, high]`, each firing at `maximumRateHz * exp(-(x - c)^2 / (2 sigma^2))`.
public struct PopulationEncoder: Sendable {
    public var low: Double
    public var high: Double
    public var count: Int
    public var maximumRateHz: Double
    /// Field width; defaults to the centre spacing, so neighbouring fields overlap.
    public var sigma: Double

    public init(low: Double, high: Double, count: Int, maximumRateHz: Double, sigma: Double? = nil) {
        precondition(count >= 2 && high > low)
        self.low = low
        self.high = high
        self.count = count
        self.maximumRateHz = maximumRateHz
        self.sigma = sigma ?? (high - low) / Double(count - 1)
    }

    /// The centre of field `index`.
    public func centre(_ index: Int) -> Double {
        low + (high - low) * Double(index) / Double(count - 1)
    }

    /// Each field's firing rate for `value`.
    public func rates(for value: Double) -> [Double] {
        (0..<count).map { index in
            let distance = value - centre(index)
            return maximumRateHz * exp(-distance * distance / (2 * sigma * sigma))
        }
    }
}
