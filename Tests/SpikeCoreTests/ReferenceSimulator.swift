import Foundation
@testable import SpikeCore

/// A deliberately naive simulator of docs/network.md: a flat list of pending
/// arrivals scanned for the minimum, libm `exp` for every decay. Slow and obviously
/// right, to check the engine against.
struct ReferenceSimulator {
    struct Arrival {
        var time: Int64
        var target: Int
        var weight: Double
    }

    static func run(_ d: NetworkDescription) -> [(time: Int64, neuron: Int)] {
        let ids = Dictionary(uniqueKeysWithValues: d.neurons.enumerated().map { ($1.id, $0) })
        let us = { (ms: Double) in Int64((ms * 1000).rounded(.toNearestOrAwayFromZero)) }
        let duration = us(d.durationMs)
        var v = d.neurons.map(\.vRest)
        var last = [Int64](repeating: 0, count: d.neurons.count)
        var refractoryUntil = [Int64](repeating: .min, count: d.neurons.count)
        var pending: [Arrival] = []
        for input in d.inputs {
            for t in input.spikesMs {
                for s in d.synapses where s.from == input.id {
                    pending.append(Arrival(time: us(t) + us(s.delayMs), target: ids[s.to]!, weight: s.weight))
                }
            }
        }
        var out: [(Int64, Int)] = []
        while let t = pending.map(\.time).min(), t <= duration {
            let now = pending.filter { $0.time == t }
            pending.removeAll { $0.time == t }
            var sums: [Int: Double] = [:]
            for a in now { sums[a.target, default: 0] += a.weight }
            var fired: [Int] = []
            for (n, w) in sums.sorted(by: { $0.key < $1.key }) {
                if t < refractoryUntil[n] { continue }
                let p = d.neurons[n]
                v[n] = p.vRest + (v[n] - p.vRest) * exp(-Double(t - last[n]) / (p.tauMs * 1000))
                last[n] = t
                v[n] += w
                if v[n] >= p.vThresh {
                    v[n] = p.vReset
                    refractoryUntil[n] = t + us(p.refractoryMs)
                    last[n] = refractoryUntil[n]
                    fired.append(n)
                }
            }
            for n in fired {
                out.append((t, n))
                for s in d.synapses where s.from == d.neurons[n].id {
                    pending.append(Arrival(time: t + us(s.delayMs), target: ids[s.to]!, weight: s.weight))
                }
            }
        }
        return out
    }
}
