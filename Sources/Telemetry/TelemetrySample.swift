/// One decoded telemetry message (docs/telemetry.md), metric names resolved to ids.
public struct TelemetrySample: Sendable, Equatable {
    /// The cell id (1..128 bytes of UTF-8).
    public var cell: String
    /// Telemetry time, seconds since the Unix epoch (> 0).
    public var timestamp: Double
    /// The publisher's per-cell sequence number, in [0, 2^63).
    public var sequence: Int64
    /// Metric id (see ``MetricNames``) and value, in message order; at least one.
    public var metrics: [Metric]
    /// The fault label of a fixture line (`"label"`), `nil` for normal or live samples.
    public var label: String?

    public struct Metric: Sendable, Equatable {
        public var id: Int32
        public var value: Double
        public init(id: Int32, value: Double) {
            self.id = id
            self.value = value
        }
    }

    public init(cell: String, timestamp: Double, sequence: Int64, metrics: [Metric], label: String? = nil) {
        self.cell = cell
        self.timestamp = timestamp
        self.sequence = sequence
        self.metrics = metrics
        self.label = label
    }
}

/// Interns metric names: each distinct name gets a small integer id once, at the edge,
/// so nothing downstream hashes strings per sample.
public struct MetricNames: Sendable {
    /// Names by id.
    public private(set) var names: [String] = []
    private var buckets: [Int32]  // open addressing; -1 = empty
    private var hashes: [UInt64] = []
    /// Every name's UTF-8 bytes back to back; name `id` is `storage[offsets[id]..<offsets[id + 1]]`.
    private var storage: [UInt8] = []
    private var offsets: [Int] = [0]
    /// The most distinct names accepted; a message naming more new ones is refused.
    public let capacity: Int

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
        buckets = [Int32](repeating: -1, count: 1024)
    }

    /// Number of distinct names seen.
    public var count: Int { names.count }

    /// Whether name `id` is exactly these bytes.
    @inline(__always)
    public func matches(_ id: Int32, _ name: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[Int(id)]
        let length = offsets[Int(id) + 1] - start
        guard length == name.count else { return false }
        if length == 0 { return true }
        return storage.withUnsafeBytes { memcmp($0.baseAddress! + start, name.baseAddress!, length) == 0 }
    }

    /// Forgets every name added after the first `count` (the names of a message that was
    /// then rejected: a rejected message changes nothing). Removes them newest first,
    /// each from its probe chain (backward-shift deletion), so the table stays exact.
    public mutating func removeNames(from count: Int) {
        guard count >= 0 else { return }
        while names.count > count {
            let id = Int32(names.count - 1)
            let mask = buckets.count - 1
            var slot = Int(truncatingIfNeeded: hashes[Int(id)]) & mask
            while buckets[slot] != id { slot = (slot + 1) & mask }
            // Backward-shift deletion: pull later entries of the chain into the hole when
            // their home slot does not lie (cyclically) after the hole.
            var hole = slot
            var next = (hole + 1) & mask
            while buckets[next] >= 0 {
                let home = Int(truncatingIfNeeded: hashes[Int(buckets[next])]) & mask
                let distanceToNext = (next - home) & mask
                let distanceToHole = (hole - home) & mask
                if distanceToHole <= distanceToNext {
                    buckets[hole] = buckets[next]
                    hole = next
                }
                next = (next + 1) & mask
            }
            buckets[hole] = -1
            names.removeLast()
            hashes.removeLast()
            offsets.removeLast()
            storage.removeLast(storage.count - offsets[offsets.count - 1])
        }
    }

    /// The id of a name given as UTF-8 bytes, adding it if new; `nil` when full.
    public mutating func id(for name: UnsafeRawBufferPointer) -> Int32? {
        let hash = Self.hash(name)
        let mask = buckets.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = buckets[slot]
            if id < 0 { break }
            if hashes[Int(id)] == hash && matches(id, name) { return id }
            slot = (slot + 1) & mask
        }
        guard names.count < capacity else { return nil }
        let id = Int32(names.count)
        names.append(String(decoding: name, as: UTF8.self))
        storage.append(contentsOf: name)
        offsets.append(storage.count)
        hashes.append(hash)
        buckets[slot] = id
        if names.count * 2 > buckets.count { rehash() }
        return id
    }

    /// The id of a name, adding it if new; `nil` when full.
    public mutating func id(for name: String) -> Int32? {
        var name = name
        return name.withUTF8 { id(for: UnsafeRawBufferPointer($0)) }
    }

    /// The id of a name already seen, without adding it.
    public func existingID(for name: String) -> Int32? {
        names.firstIndex(of: name).map(Int32.init)
    }

    private mutating func rehash() {
        buckets = [Int32](repeating: -1, count: buckets.count * 2)
        for id in hashes.indices {
            var slot = Int(truncatingIfNeeded: hashes[id]) & (buckets.count - 1)
            while buckets[slot] >= 0 { slot = (slot + 1) & (buckets.count - 1) }
            buckets[slot] = Int32(id)
        }
    }

    /// A fast 64-bit hash, eight bytes at a time, with a final mix so low bits spread.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            let chunk = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ chunk) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 29
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        return hash ^ (hash >> 32)
    }
}

#if canImport(Glibc)
import Glibc
#endif
