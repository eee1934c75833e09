public import Detection
import Foundation

extension LocalTime {
    /// The rules of the IANA time zone `name` (`Europe/Paris`, `America/New_York`,
    /// `UTC`), read from the time zone database Foundation carries: every offset change
    /// from 1970 to 2100. Nil for a name the database does not know.
    public static func zone(named name: String) -> LocalTime? {
        // The database's names only: Foundation also takes abbreviations (`EST`) and
        // offsets (`GMT+5`, whose sign is the opposite of IANA's `Etc/GMT+5`).
        guard !name.isEmpty, name == "UTC" || name.contains("/") || TimeZone.knownTimeZoneIdentifiers.contains(name),
              let zone = TimeZone(identifier: name)
        else { return nil }
        var date = Date(timeIntervalSince1970: 0)
        var starts = [0.0]
        var offsets = [Double(zone.secondsFromGMT(for: date))]
        let end = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next < end, starts.count < 10_000 {
            let offset = Double(zone.secondsFromGMT(for: next))
            if offset != offsets[offsets.count - 1] {
                starts.append(next.timeIntervalSince1970)
                offsets.append(offset)
            }
            date = next
        }
        return LocalTime(name: name, starts: starts, offsets: offsets)
    }
}
