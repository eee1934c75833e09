/// Local time as a time zone's rules give it: the offset from UTC from each of its
/// transitions on. The hour of the day the model learns (its day profile, its quiet
/// hours, the hours a count usually sleeps) is local, so a cell's morning is its users'
/// morning whatever the zone, and a change to or from daylight saving time moves it
/// with them. Pure data: an adapter reads the time zone database and fills it in
/// (``DetectorSettings/localTime``; UTC by default).
public struct LocalTime: Sendable, Equatable, Codable {
    /// The zone's name (IANA, such as `Europe/Paris`), for messages.
    public let name: String
    /// Epoch seconds from which each offset holds, ascending (the first holds before it too).
    public let starts: [Double]
    /// Seconds east of UTC from each start.
    public let offsets: [Double]

    public static let utc = LocalTime(name: "UTC", starts: [0], offsets: [0])

    /// `starts` and `offsets` of the same non-zero length, `starts` ascending, every
    /// value finite and each offset within a day; otherwise UTC.
    public init(name: String, starts: [Double], offsets: [Double]) {
        let valid = !starts.isEmpty && starts.count == offsets.count
            && starts.allSatisfy(\.isFinite) && offsets.allSatisfy { $0.isFinite && abs($0) < 86_400 }
            && zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 }
        self.name = name
        self.starts = valid ? starts : [0]
        self.offsets = valid ? offsets : [0]
    }

    enum CodingKeys: String, CodingKey { case name, starts, offsets }

    /// Decodes through the validating initialiser (a damaged checkpoint's zone is UTC).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name), starts: try c.decode([Double].self, forKey: .starts),
            offsets: try c.decode([Double].self, forKey: .offsets))
    }

    /// Telemetry time `t` moved to the local clock: `t` plus the offset in force then (a
    /// time that is not finite stays as it is).
    public func local(_ t: Double) -> Double {
        guard offsets.count > 1 else { return t + offsets[0] }
        guard t.isFinite else { return t }
        // The last start at or before t (binary search; the first holds before it too).
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= t { low = middle } else { high = middle - 1 }
        }
        return t + offsets[low]
    }
}
