/// The continuous V(t) of one neuron, rebuilt from its recorded updates for plotting.
///
/// Between updates V decays exactly towards `vRest`; at an update V jumps by the summed
/// input; at a spike it jumps to its peak and drops to `vReset`, held there through the
/// refractory period. Points are dense enough along each decay to draw a smooth curve.
public func membraneCurve(
    parameters: LIFParameters, samples: [VoltageSample], until end: Microseconds, pointsPerDecay: Int = 24,
    resolution: Microseconds? = nil
) -> [(time: Microseconds, v: Double)] {
    // Points closer than this add nothing a reader can see: about 1,500 across the span.
    let resolution = max(resolution ?? end / 1500, 1)
    var points: [(time: Microseconds, v: Double)] = [(0, parameters.vRest)]
    var v = parameters.vRest
    var since: Microseconds = 0  // the leak runs from here
    func decay(to time: Microseconds) {
        guard time > since else { return }
        let span = time - since
        let steps = max(1, min(pointsPerDecay, Int(span / resolution)))
        for step in 1...steps {
            let t = since + span * Int64(step) / Int64(steps)
            let value = parameters.vRest + (v - parameters.vRest) * exp(-Double(t - since) / parameters.tau)
            points.append((t, value))
        }
        v = points[points.count - 1].v
        since = time
    }
    for sample in samples where sample.time <= end {
        decay(to: sample.time)
        if sample.peak != v { points.append((sample.time, sample.peak)) }
        if sample.v != sample.peak {
            // A spike: drop to vReset and hold it through the refractory period.
            points.append((sample.time, sample.v))
            let release = min(sample.time + parameters.refractory, end)
            if release > sample.time { points.append((release, sample.v)) }
            v = sample.v
            since = max(sample.time + parameters.refractory, sample.time)
        } else {
            v = sample.v
            since = sample.time
        }
    }
    decay(to: end)
    return points
}

#if canImport(Glibc)
import Glibc
#endif
