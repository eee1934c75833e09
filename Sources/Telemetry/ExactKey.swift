#if canImport(Glibc)
import Glibc
#endif

/// A string as a dictionary key compared and hashed byte for byte (its UTF-8), as the
/// wire carries it: cell ids, and the alert ids and label sets that name a cell. Swift
/// compares strings by canonical equivalence, so `"caf\u{E9}"` and `"cafe\u{301}"` (two
/// byte sequences that look the same) would be one key: one cell's messages would land
/// in the other's state and be refused as its duplicates. As keys of this type they are
/// two cells, as their topics and metric names already are.
public struct ExactKey: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The string as received.
    public let id: String

    public init(_ id: String) { self.id = id }
    public init(stringLiteral id: String) { self.id = id }

    public static func == (a: ExactKey, b: ExactKey) -> Bool {
        var x = a.id, y = b.id
        guard x.utf8.count == y.utf8.count else { return false }
        return x.withUTF8 { p in y.withUTF8 { q in p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0 } }
    }

    public func hash(into hasher: inout Hasher) {
        var id = id
        id.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Byte order of the UTF-8 (the order checkpoints list cells in).
    public static func < (a: ExactKey, b: ExactKey) -> Bool { a.id.utf8.lexicographicallyPrecedes(b.id.utf8) }

    public var description: String { id }
}

extension Dictionary where Key == ExactKey {
    /// From a dictionary keyed by strings (a JSON object as decoded).
    public init(stringKeyed dictionary: [String: Value]) {
        self.init(dictionary.map { (ExactKey($0.key), $0.value) }) { first, _ in first }
    }

    /// Keyed by strings, to encode as a JSON object (of two look-alike ids, one is kept:
    /// checkpoints write a line per cell instead).
    public var stringKeyed: [String: Value] {
        Dictionary<String, Value>(map { ($0.key.id, $0.value) }) { first, _ in first }
    }
}
