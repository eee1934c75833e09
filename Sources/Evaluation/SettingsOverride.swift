import Detection
import Foundation
import StrictJSON

/// Sets knobs of any `Codable` settings struct by name, from `KEY=VALUE` text: the
/// settings are encoded to a JSON object, the key's value replaced and the object
/// decoded back. A knob added to the struct later is settable without touching this.
///
/// Keys match the struct's coding keys exactly, or ignoring case and underscores
/// (`deadZone`, `dead_zone` and `DEADZONE` are one key). A value is read as the type
/// the key holds now (a number, `true`/`false`, or text); a knob whose current value is
/// `nil` takes a number, a boolean or text, whichever parses first.
public enum SettingsOverride {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Returns `settings` with every `KEY=VALUE` of `assignments` applied, in order.
    public static func apply<Settings: Codable>(_ assignments: [String], to settings: Settings) throws -> Settings {
        var result = settings
        for assignment in assignments { result = try apply(assignment, to: result) }
        return result
    }

    /// The keys `apply` accepts for this settings value, sorted.
    public static func keys<Settings: Codable>(of settings: Settings) throws -> [String] {
        try Array(Set(object(settings).map(\.key)).union(propertyNames(settings))).sorted()
    }

    static func apply<Settings: Codable>(_ assignment: String, to settings: Settings) throws -> Settings {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
            throw Failure(description: "--set \(assignment): expected KEY=VALUE")
        }
        let given = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        var members = try object(settings)
        let known = try keys(of: settings)
        func normal(_ key: String) -> String { key.lowercased().replacingOccurrences(of: "_", with: "") }
        guard let key = known.first(where: { $0 == given }) ?? known.first(where: { normal($0) == normal(given) }) else {
            throw Failure(description: "--set \(given): unknown key; valid keys: \(known.joined(separator: ", "))")
        }
        let current = members.first { $0.key == key }?.value
        let value: JSONValue
        switch current {
        case .bool:
            guard let flag = Bool(text.lowercased()) else {
                throw Failure(description: "--set \(key)=\(text): expected true or false")
            }
            value = .bool(flag)
        case .number:
            guard let number = parseNumber(text) else {
                throw Failure(description: "--set \(key)=\(text): expected a number")
            }
            value = number
        case .string:
            value = .string(text)
        case nil, .null:
            value = parseNumber(text) ?? Bool(text.lowercased()).map(JSONValue.bool) ?? .string(text)
        case .array, .object:
            throw Failure(description: "--set \(key): not a number, boolean or text knob; cannot be set from the command line")
        }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        let decoded: Settings
        do {
            decoded = try JSONDecoder().decode(Settings.self, from: Data(serialize(.object(members)).utf8))
        } catch {
            throw Failure(description: "--set \(key)=\(text): not a valid value for this knob (\(describe(error)))")
        }
        // A knob that was nil, under a property name the coding keys do not use, would
        // be dropped silently by the decoder: refuse it instead.
        guard try object(decoded).contains(where: { $0.key == key }) else {
            throw Failure(description: "--set \(key): this knob is not read back by the settings' decoder")
        }
        // The same ranges as the daemon's configuration file (DetectorSettings).
        if let checked = decoded as? any RangeCheckedSettings, let problem = checked.rangeProblem {
            throw Failure(description: "--set \(key)=\(text): \(problem)")
        }
        return decoded
    }

    static func parseNumber(_ text: String) -> JSONValue? {
        if let integer = Int64(text) { return .number(JSONNumber(double: Double(integer), integer: integer)) }
        guard let double = Double(text), double.isFinite else { return nil }
        return .number(JSONNumber(double: double))
    }

    static func object<Settings: Encodable>(_ settings: Settings) throws -> [(key: String, value: JSONValue)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(settings)
        guard let members = try? JSONParser().parse([UInt8](data)).members else {
            throw Failure(description: "settings do not encode to a JSON object")
        }
        return members
    }

    /// Stored property names, which include optionals JSONEncoder leaves out while nil.
    static func propertyNames(_ settings: Any) -> [String] {
        Mirror(reflecting: settings).children.compactMap(\.label).filter { !$0.hasPrefix("_") }
    }

    /// JSON text of a value (numbers in the shortest form that reads back exactly).
    static func serialize(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            if let integer = number.integer { return String(integer) }
            return "\(number.double)"
        case .string(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .array(let elements): return "[" + elements.map(serialize).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { serialize(.string($0.key)) + ":" + serialize($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(let type, _): "expected \(type)"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.valueNotFound(let type, _): "expected \(type)"
        default: "\(error)"
        }
    }
}
