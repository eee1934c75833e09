/// A JSON value as RFC 8259 defines it, parsed strictly.
///
/// Objects keep their members in document order; duplicate keys are refused by the
/// parser, so a key names at most one member.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The member named `key` of an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The number as a `Double`, if this is a number.
    public var double: Double? {
        if case .number(let number) = self { return number.double }
        return nil
    }

    /// The string, if this is a string.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, if this is an array.
    public var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members, if this is an object.
    public var members: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A short name of the value's type, for error messages ("a string", "an array").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON number: its value as a double and, for an integer literal that fits, as an `Int64`.
public struct JSONNumber: Sendable, Equatable {
    /// The nearest double; infinite when the literal overflows (e.g. `1e400`).
    public var double: Double
    /// The exact value when the literal has no fraction or exponent and fits in `Int64`.
    public var integer: Int64?

    public init(double: Double, integer: Int64? = nil) {
        self.double = double
        self.integer = integer
    }
}
