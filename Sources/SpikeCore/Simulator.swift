/// One output spike: which neuron fired, and when.
public struct Spike: Sendable, Hashable {
    /// Time in microseconds.
    public var time: Microseconds
    /// The neuron's index in the network.
    public var neuron: Int32

    public init(time: Microseconds, neuron: Int32) {
        self.time = time
        self.neuron = neuron
    }
}

/// One recorded membrane potential: a neuron's V right after an update (after any reset).
public struct VoltageSample: Sendable, Hashable {
    public var time: Microseconds
    public var neuron: Int32
    /// V after the update, after any reset.
    public var v: Double
    /// V after the arrivals were added, before any reset (equal to ``v`` without a spike).
    public var peak: Double

    public init(time: Microseconds, neuron: Int32, v: Double, peak: Double) {
        self.time = time
        self.neuron = neuron
        self.v = v
        self.peak = peak
    }
}

/// The event-driven simulator: a neuron is touched only when a spike reaches it.
///
/// Semantics (docs/network.md, ``LIFRule``): between events V decays analytically towards
/// `vRest`; all arrivals at a neuron at one instant are summed before the threshold test;
/// `V >= vThresh` spikes, resets V to `vReset` and ignores arrivals in
/// `[t, t + refractory)`, after which the leak restarts from `vReset`.
///
/// State is struct-of-arrays; the hot loop allocates nothing. Deterministic: the same
/// inputs give the same spikes.
public struct Simulator: Sendable {
    /// The network being simulated.
    public let network: Network
    /// Every time up to and including this one has been processed.
    public private(set) var now: Microseconds = -1
    /// Output spikes in time order (then by neuron index), if ``recordsSpikes``.
    public var spikes: [Spike] = []
    /// Whether output spikes are appended to ``spikes``.
    public var recordsSpikes = true
    /// Recorded membrane potentials of the neurons chosen with ``recordVoltage(of:)``.
    public var voltages: [VoltageSample] = []
    /// Synaptic events delivered so far (one per synapse a spike crossed).
    public private(set) var synapticEvents = 0
    /// Spikes emitted by neurons so far, per neuron.
    public private(set) var spikeCounts: [Int]

    var v: [Double]
    var lastUpdate: [Int64]
    var refractoryUntil: [Int64]
    var touchedAt: [Int64]
    var touched: [Int32] = []
    var fired: [Int32] = []
    var recorded: [Bool]
    var queue = EventQueue()

    /// Creates a simulator with every neuron at rest at t = 0.
    public init(network: Network) {
        self.network = network
        let count = network.neuronCount
        v = network.vRest
        lastUpdate = [Int64](repeating: 0, count: count)
        refractoryUntil = [Int64](repeating: .min, count: count)
        touchedAt = [Int64](repeating: -1, count: count)
        recorded = [Bool](repeating: false, count: count)
        spikeCounts = [Int](repeating: 0, count: count)
        touched.reserveCapacity(count)
        fired.reserveCapacity(count)
    }

    /// Records neuron `index`'s V after each of its updates into ``voltages``.
    public mutating func recordVoltage(of index: Int) {
        recorded[index] = true
    }

    /// Schedules a spike of input `input` at `time`; its synapses deliver at `time + delay`.
    /// - Precondition: `time` is later than ``now`` (the past cannot change).
    public mutating func inject(input: Int, at time: Microseconds) {
        precondition(input >= 0 && input < network.inputCount, "no input \(input)")
        let start = Int(network.sourceGroupStart[input])
        let end = Int(network.sourceGroupStart[input + 1])
        for group in start..<end {
            let arrival = time + network.groupDelay[group]
            precondition(arrival > now, "input spike at \(time) arrives at or before the processed time \(now)")
            queue.push(time: arrival, group: Int32(group))
        }
    }

    /// The membrane potential of neuron `index` at `time` (>= its last update), without changing state.
    public func potential(of index: Int, at time: Microseconds) -> Double {
        if LIFRule.isRefractory(at: time, until: refractoryUntil[index]) { return network.vReset[index] }
        let table = network.decayTables[Int(network.tableIndex[index])]
        return LIFRule.decayed(v[index], rest: network.vRest[index], factor: table.factor(max(0, time - lastUpdate[index])))
    }

    /// The earliest pending delivery, if any.
    public var nextEventTime: Microseconds? { queue.nextTime }

    /// Processes every event at or before `time` and advances ``now`` to it.
    public mutating func run(until time: Microseconds) {
        while let next = queue.nextTime, next <= time {
            step(at: next)
        }
        if time > now { now = time }
    }

    /// Processes all deliveries due at exactly `t`.
    mutating func step(at t: Int64) {
        // Move the arrays out of self (no copy: each stays uniquely referenced) so the hot
        // loop works on plain buffers without exclusivity or uniqueness checks on self.
        var v = self.v
        var lastUpdate = self.lastUpdate
        var touchedAt = self.touchedAt
        var refractoryUntil = self.refractoryUntil
        self.v = []
        self.lastUpdate = []
        self.touchedAt = []
        self.refractoryUntil = []
        v.withUnsafeMutableBufferPointer { v in
            lastUpdate.withUnsafeMutableBufferPointer { lastUpdate in
                touchedAt.withUnsafeMutableBufferPointer { touchedAt in
                    refractoryUntil.withUnsafeMutableBufferPointer { refractoryUntil in
                        deliverAll(
                            at: t, v: v, lastUpdate: lastUpdate, touchedAt: touchedAt,
                            refractoryUntil: refractoryUntil)
                        fireTouched(at: t, v: v, lastUpdate: lastUpdate, refractoryUntil: refractoryUntil)
                    }
                }
            }
        }
        self.v = consume v
        self.lastUpdate = consume lastUpdate
        self.touchedAt = consume touchedAt
        self.refractoryUntil = consume refractoryUntil
        now = t
    }

    /// Delivers every group due at `t`, counting the synapses crossed.
    @inline(__always)
    private mutating func deliverAll(
        at t: Int64, v: UnsafeMutableBufferPointer<Double>, lastUpdate: UnsafeMutableBufferPointer<Int64>,
        touchedAt: UnsafeMutableBufferPointer<Int64>, refractoryUntil: UnsafeMutableBufferPointer<Int64>
    ) {
        let network = self.network
        let singleTable = network.decayTables.count == 1 ? network.decayTables[0] : nil
        var delivered = 0
        network.targets.withUnsafeBufferPointer { targets in
            network.weights.withUnsafeBufferPointer { weights in
                network.vRest.withUnsafeBufferPointer { vRest in
                    while let next = queue.nextTime, next == t {
                        let group = Int(queue.pop().group)
                        let start = Int(network.groupSynapseStart[group])
                        let end = Int(network.groupSynapseStart[group + 1])
                        delivered += end - start
                        if touched.isEmpty && queue.nextTime != t {
                            // The only group due at t, and it names each target once:
                            // each neuron's sum is its one weight, so test it right away.
                            for synapse in start..<end {
                                let n = Int(targets[synapse])
                                if LIFRule.isRefractory(at: t, until: refractoryUntil[n]) { continue }
                                let dt = t - lastUpdate[n]
                                let factor =
                                    singleTable?.factor(dt)
                                    ?? network.decayTables[Int(network.tableIndex[n])].factor(dt)
                                v[n] = LIFRule.integrated(v[n], rest: vRest[n], factor: factor, weight: weights[synapse])
                                lastUpdate[n] = t
                                let peak = v[n]
                                if LIFRule.fires(v[n], threshold: network.vThresh[n]) {
                                    LIFRule.reset(
                                        v: &v[n], lastUpdate: &lastUpdate[n], refractoryUntil: &refractoryUntil[n],
                                        at: t, vReset: network.vReset[n], refractory: network.refractory[n])
                                    fired.append(Int32(n))
                                }
                                if recorded[n] {
                                    voltages.append(VoltageSample(time: t, neuron: Int32(n), v: v[n], peak: peak))
                                }
                            }
                            return
                        }
                        for synapse in start..<end {
                            let n = Int(targets[synapse])
                            if LIFRule.isRefractory(at: t, until: refractoryUntil[n]) { continue }
                            if touchedAt[n] != t {
                                touchedAt[n] = t
                                touched.append(Int32(n))
                                let dt = t - lastUpdate[n]
                                if dt != 0 {
                                    let factor =
                                        singleTable?.factor(dt)
                                        ?? network.decayTables[Int(network.tableIndex[n])].factor(dt)
                                    v[n] = LIFRule.decayed(v[n], rest: vRest[n], factor: factor)
                                    lastUpdate[n] = t
                                }
                            }
                            v[n] += weights[synapse]
                        }
                    }
                }
            }
        }
        synapticEvents += delivered
    }

    /// Tests the threshold of every neuron touched at `t`, fires, resets and schedules.
    @inline(__always)
    private mutating func fireTouched(
        at t: Int64, v: UnsafeMutableBufferPointer<Double>, lastUpdate: UnsafeMutableBufferPointer<Int64>,
        refractoryUntil: UnsafeMutableBufferPointer<Int64>
    ) {
        for n32 in touched {
            let n = Int(n32)
            let peak = v[n]
            if LIFRule.fires(v[n], threshold: network.vThresh[n]) {
                LIFRule.reset(
                    v: &v[n], lastUpdate: &lastUpdate[n], refractoryUntil: &refractoryUntil[n],
                    at: t, vReset: network.vReset[n], refractory: network.refractory[n])
                fired.append(n32)
            }
            if recorded[n] {
                voltages.append(VoltageSample(time: t, neuron: n32, v: v[n], peak: peak))
            }
        }
        touched.removeAll(keepingCapacity: true)
        guard !fired.isEmpty else { return }
        if fired.count > 1 { fired.sort() }
        for n32 in fired {
            spikeCounts[Int(n32)] += 1
            if recordsSpikes { spikes.append(Spike(time: t, neuron: n32)) }
            let source = network.inputCount + Int(n32)
            for group in Int(network.sourceGroupStart[source])..<Int(network.sourceGroupStart[source + 1]) {
                queue.push(time: t + network.groupDelay[group], group: Int32(group))
            }
        }
        fired.removeAll(keepingCapacity: true)
    }

    /// Returns every neuron to rest at t = 0 and drops pending events and recordings.
    public mutating func reset() {
        v = network.vRest
        for index in 0..<network.neuronCount {
            lastUpdate[index] = 0
            refractoryUntil[index] = .min
            touchedAt[index] = -1
            spikeCounts[index] = 0
        }
        queue.removeAll()
        spikes.removeAll(keepingCapacity: true)
        voltages.removeAll(keepingCapacity: true)
        synapticEvents = 0
        now = -1
    }
}
