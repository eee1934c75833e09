#if canImport(Glibc)
import Glibc
#endif

/// The second way a feature can surprise: not by missing a forecast, but by doing
/// something it has never done. Its value is population-coded into bins of fixed width
/// (one bin neuron active per sample), and the current bin with the one and the two
/// bins before it (*contexts*, each a coincidence of delayed bin spikes on one context
/// neuron) are remembered as they occur. A sample whose contexts were never seen before
/// is novel; a value beyond everything the feature has shown (its running range) is
/// novel too. This is the family of the contextual detectors that lead streaming
/// benchmarks, written as a population code.
///
/// Memory is a fixed bitset of hashed contexts per feature (collisions only ever make a
/// context look familiar), so a feature's cost does not grow with time.
struct ContextNovelty: Sendable {
    /// Bits of context memory per feature.
    static let bits = 1024
    /// A value is a range break when it leaves the running range by more than this share
    /// of the range's width.
    static let rangeMargin = 0.05

    /// Bin width in transformed units; 0 until the code is set up.
    var width = 0.0
    var anchor = 0.0
    /// The running range of the transformed value, for range breaks and re-binning.
    var low = Double.infinity
    var high = -Double.infinity
    /// The range when the bins were set: when the range grows past 4x, the width doubles
    /// and the memory starts again (the code was set on too narrow a start).
    var rangeAtSetup = 0.0
    /// The last two active bins, newest first (`filled` of them valid).
    var recent: (Int32, Int32) = (0, 0)
    var filled = 0
    /// Hashed contexts seen.
    var memory: [UInt64] = []

    /// Observes the range only (before the code is set up).
    mutating func widen(_ y: Double) {
        guard y.isFinite else { return }
        low = min(low, y)
        high = max(high, y)
    }

    /// Sets the code up from the range seen so far and a noise floor (transformed units).
    mutating func setUp(noise: Double, bins: Double) {
        let range = high - low
        width = min(max(range / max(bins, 1), noise, 1e-9), .greatestFiniteMagnitude)
        anchor = low
        rangeAtSetup = max(range, width)
        memory = Array(repeating: 0, count: Self.bits / 64)
        filled = 0
    }

    var isSetUp: Bool { width > 0 }

    /// What one value meant: the share of its contexts never seen before (0...1) and how
    /// far it broke the running range (0 inside; in units of the margin beyond it).
    mutating func observe(_ y: Double) -> (novelty: Double, rangeBreak: Double) {
        guard isSetUp, y.isFinite else { return (0, 0) }
        let range = max(high - low, width)
        var rangeBreak = 0.0
        if y > high + Self.rangeMargin * range { rangeBreak = (y - high) / (Self.rangeMargin * range) }
        if y < low - Self.rangeMargin * range { rangeBreak = (low - y) / (Self.rangeMargin * range) }
        low = min(low, y)
        high = max(high, y)
        if high - low > 4 * rangeAtSetup {
            // Re-bin coarser, and relearn: the old contexts meant other values.
            width = min(width * 2, .greatestFiniteMagnitude)
            anchor = low
            rangeAtSetup = high - low
            for index in memory.indices { memory[index] = 0 }
            filled = 0
        }
        let position = ((y - anchor) / width).rounded(.down)
        let bin = position.isNaN ? 0 : Int32(clamping: Int(max(-1e9, min(1e9, position))))
        var novel = 0
        var contexts = 1
        if remember(Self.hash(bin, length: 1)) { novel += 1 }
        if filled >= 1 {
            contexts += 1
            if remember(Self.hash(bin, recent.0, length: 2)) { novel += 1 }
        }
        if filled >= 2 {
            contexts += 1
            if remember(Self.hash(bin, recent.0, recent.1, length: 3)) { novel += 1 }
        }
        recent = (bin, recent.0)
        filled = min(filled + 1, 2)
        return (Double(novel) / Double(contexts), rangeBreak)
    }

    /// Marks a context as seen; returns whether it was new.
    private mutating func remember(_ hash: UInt64) -> Bool {
        let bit = Int(hash % UInt64(Self.bits))
        let word = bit >> 6
        let mask = UInt64(1) << UInt64(bit & 63)
        let new = memory[word] & mask == 0
        memory[word] |= mask
        return new
    }

    /// A deterministic hash of a context of up to three bins, `length` of them used (not
    /// Swift's per-process seeded `Hasher`: the same stream must give the same scores in
    /// every run; fixed arity, so nothing is allocated per sample).
    static func hash(_ a: Int32, _ b: Int32 = 0, _ c: Int32 = 0, length: UInt64) -> UInt64 {
        func mix(_ h: UInt64, _ bin: Int32) -> UInt64 {
            let m = (h ^ UInt64(UInt32(bitPattern: bin))) &* 0x0000_0100_0000_01b3
            return m ^ (m >> 29)
        }
        var h = mix(0xcbf2_9ce4_8422_2325 &+ length, a)
        if length > 1 { h = mix(h, b) }
        if length > 2 { h = mix(h, c) }
        h &*= 0xbf58_476d_1ce4_e5b9
        return h ^ (h >> 31)
    }
}

extension ContextNovelty: Codable {
    enum CodingKeys: String, CodingKey {
        case width, anchor, low, high, rangeAtSetup, recent, filled, memory
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        width = try c.decode(Double.self, forKey: .width)
        anchor = try c.decode(Double.self, forKey: .anchor)
        low = try c.decode(Double.self, forKey: .low)
        high = try c.decode(Double.self, forKey: .high)
        rangeAtSetup = try c.decode(Double.self, forKey: .rangeAtSetup)
        let bins = try c.decode([Int32].self, forKey: .recent)
        filled = try c.decode(Int.self, forKey: .filled)
        memory = try c.decode([UInt64].self, forKey: .memory)
        guard bins.count == 2, (0...2).contains(filled), memory.isEmpty || memory.count == Self.bits / 64,
            width >= 0, width.isFinite
        else {
            throw DecodingError.dataCorruptedError(forKey: .memory, in: c, debugDescription: "context memory does not match")
        }
        recent = (bins[0], bins[1])
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(width, forKey: .width)
        try c.encode(anchor, forKey: .anchor)
        try c.encode(low, forKey: .low)
        try c.encode(high, forKey: .high)
        try c.encode(rangeAtSetup, forKey: .rangeAtSetup)
        try c.encode([recent.0, recent.1], forKey: .recent)
        try c.encode(filled, forKey: .filled)
        try c.encode(memory, forKey: .memory)
    }
}
