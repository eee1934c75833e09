import ArgumentParser
import Foundation

/// Bounds of the numeric options, checked in each command's `validate()` so a hostile or
/// mistyped value (nan, inf, 1e300, a negative count) is refused with a message naming
/// the flag, the value and the allowed range instead of trapping in an integer
/// conversion, a `Duration` or an allocation later on.
///
/// Messages read `--days must be a finite number in (0, 366], got nan` and
/// `--cells must be an integer in [1, 100000], got -5`.
enum OptionBounds {
    /// Days of telemetry a generated scenario may cover (a leap year).
    static let days = 366.0
    /// Hours a learning or fault-free period may cover (366 days).
    static let hours = 366.0 * 24
    /// Cells of a generated scenario.
    static let cells = 100_000
    /// Training epochs.
    static let epochs = 10_000
    /// Seconds a command may wait for something (a subscriber, a message).
    static let waitSeconds = 86_400.0
    /// Times real time for publishing commands (and the smallest speed other than 0).
    static let speed = 0.001...1_000_000.0

    /// `value` must be finite and within the interval; `lowerOpen` excludes `lower`.
    static func check(_ flag: String, _ value: Double, from lower: Double, lowerOpen: Bool = false, to upper: Double) throws {
        let aboveLower = lowerOpen ? value > lower : value >= lower
        guard value.isFinite, aboveLower, value <= upper else {
            throw ValidationError(
                "\(flag) must be a finite number in \(lowerOpen ? "(" : "[")\(format(lower)), \(format(upper))], got \(format(value))")
        }
    }

    /// `value`, when given, must be finite and within the interval.
    static func check(_ flag: String, _ value: Double?, from lower: Double, lowerOpen: Bool = false, to upper: Double) throws {
        if let value { try check(flag, value, from: lower, lowerOpen: lowerOpen, to: upper) }
    }

    /// `value` must lie in `range`.
    static func check(_ flag: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be an integer in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
    }

    /// `value`, when given, must lie in `range`.
    static func check(_ flag: String, _ value: Int?, in range: ClosedRange<Int>) throws {
        if let value { try check(flag, value, in: range) }
    }

    /// A comma-separated list of integers, each in `range`.
    static func integerList(_ flag: String, _ text: String, in range: ClosedRange<Int>) throws -> [Int] {
        let values = try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw ValidationError(
                    "\(flag) must be comma-separated integers in [\(range.lowerBound), \(range.upperBound)], got \"\(part)\" in \"\(text)\"")
            }
            return value
        }
        guard !values.isEmpty else { throw ValidationError("\(flag): no value given") }
        return values
    }

    /// A speed: 0 (as fast as possible, when `zeroAllowed`) or within ``speed``.
    static func checkSpeed(_ flag: String, _ value: Double, zeroAllowed: Bool) throws {
        if zeroAllowed && value == 0 { return }
        guard value.isFinite, speed.contains(value) else {
            throw ValidationError(
                "\(flag) must be \(zeroAllowed ? "0 or " : "")a finite number in [\(format(speed.lowerBound)), \(format(speed.upperBound))], got \(format(value))")
        }
    }

    /// A number as a user would type it: 3650, 0.5, 1e+300, nan, inf.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
