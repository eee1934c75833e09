/// A ZeroMQ endpoint with what to do with it, in CZMQ's notation.
///
/// `@tcp://host:port` binds, `>tcp://host:port` connects, and a bare address takes the
/// default the caller gives (telemetry SUB sockets connect, alert PUB sockets bind).
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// Bind or connect.
    public enum Action: Sendable, Hashable {
        case bind, connect
    }

    /// Whether to bind or connect.
    public var action: Action
    /// The libzmq address, such as `tcp://127.0.0.1:5556` or `ipc:///run/spikewatch/alerts`.
    public var address: String

    /// Makes an endpoint from its parts.
    public init(_ action: Action, _ address: String) {
        self.action = action
        self.address = address
    }

    /// Parses `@addr`, `>addr` or a bare `addr`.
    /// - Throws: ``EndpointError`` naming the text when the address has no known transport.
    public init(parsing text: String, defaultAction: Action) throws(EndpointError) {
        var rest = Substring(text.trimmingWhitespace)
        var action = defaultAction
        if rest.hasPrefix("@") {
            action = .bind
            rest = rest.dropFirst()
        } else if rest.hasPrefix(">") {
            action = .connect
            rest = rest.dropFirst()
        }
        let transports = ["tcp://", "ipc://", "inproc://", "pgm://", "epgm://", "ws://", "wss://", "tipc://", "vmci://"]
        guard transports.contains(where: { rest.hasPrefix($0) }), !transports.contains(String(rest)) else {
            throw EndpointError(text: text)
        }
        if let problem = Self.addressProblem(String(rest), action: action) {
            throw EndpointError(text: text, reason: problem)
        }
        self.init(action, String(rest))
    }

    /// What is wrong with an address, or nil: libzmq would otherwise bind or connect to
    /// something else than it names (a port above 65535 wraps around) or fail later.
    static func addressProblem(_ address: String, action: Action) -> String? {
        let scalars = Array(address.utf8)
        guard let colon = scalars.firstIndex(of: UInt8(ascii: ":")), scalars.count >= colon + 3,
            scalars[colon + 1] == UInt8(ascii: "/"), scalars[colon + 2] == UInt8(ascii: "/")
        else { return "no transport" }
        let transport = String(decoding: scalars[..<colon], as: UTF8.self)
        let rest = String(decoding: scalars[(colon + 3)...], as: UTF8.self)
        switch transport {
        case "tcp":
            // `source;destination` is allowed when connecting.
            let parts = rest.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 1 || (parts.count == 2 && action == .connect) else {
                return "a tcp address is HOST:PORT (or SOURCE;HOST:PORT when connecting)"
            }
            for (index, part) in parts.enumerated() {
                let isSource = parts.count == 2 && index == 0
                // The source may name an interface or address without a port.
                let text = isSource && !part.contains(":") ? part + ":0" : part
                if let problem = hostPortProblem(text, wildcardAllowed: action == .bind || isSource) { return problem }
            }
            return nil
        case "ws", "wss":
            let hostPort = String(rest.prefix { $0 != "/" })
            return hostPortProblem(hostPort, wildcardAllowed: action == .bind)
        case "pgm", "epgm":
            guard let semicolon = rest.firstIndex(of: ";"), !rest[..<semicolon].isEmpty else {
                return "a \(transport) address is INTERFACE;MULTICAST:PORT"
            }
            return hostPortProblem(String(rest[rest.index(after: semicolon)...]), wildcardAllowed: false)
        case "ipc":
            guard !rest.isEmpty else { return "an ipc address needs a path" }
            if rest == "*" { return action == .bind ? nil : "ipc://* only binds" }
            // The kernel's limit for a socket path (sun_path holds 108 bytes with the NUL).
            guard rest.utf8.count <= 107 else { return "an ipc path is at most 107 bytes, got \(rest.utf8.count)" }
            return nil
        default:
            return rest.isEmpty ? "the address is empty" : nil
        }
    }

    /// Checks `HOST:PORT`: the port a whole number in 1...65535 (`*` or 0, a port the
    /// kernel chooses, only where binding), the host an IPv4 address, a bracketed IPv6
    /// address, a name, or `*` where binding.
    static func hostPortProblem(_ text: String, wildcardAllowed: Bool) -> String? {
        guard let colon = text.lastIndex(of: ":") else { return "\"\(text)\" is not HOST:PORT" }
        let host = String(text[..<colon])
        let port = String(text[text.index(after: colon)...])
        if port == "*" || port == "0" {
            guard wildcardAllowed else { return "port \(port) (any port) only works when binding" }
        } else {
            guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int(port),
                (1...65535).contains(number)
            else { return "port must be a whole number from 1 to 65535, got \"\(port)\"" }
        }
        guard !host.isEmpty else { return "no host before the port" }
        if host == "*" { return wildcardAllowed ? nil : "host * (every interface) only works when binding" }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2, isIPv6(String(host.dropFirst().dropLast())) else {
                return "\"\(host)\" is not a bracketed IPv6 address"
            }
            return nil
        }
        if host.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) {
            let octets = host.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && Int($0)! <= 255 }) else {
                return "\"\(host)\" is not an IPv4 address"
            }
            return nil
        }
        let allowed = host.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
        }
        guard allowed, host.utf8.count <= 253 else { return "\"\(host)\" is not a host name, address or interface" }
        return nil
    }

    static func isIPv6(_ text: String) -> Bool {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count >= 3 || text == "::", groups.count <= 8 || (groups.count == 9 && text.contains("::")) else {
            return false
        }
        let doubleColons = zip(text.utf8, text.utf8.dropFirst()).filter { $0 == UInt8(ascii: ":") && $1 == UInt8(ascii: ":") }.count
        guard doubleColons <= 1 || text == "::" else { return false }
        return groups.allSatisfy { group in
            group.count <= 4 && group.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        }
    }

    /// Parses a comma-separated list of endpoints.
    public static func parseList(_ text: String, defaultAction: Action) throws(EndpointError) -> [Endpoint] {
        var result: [Endpoint] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            result.append(try Endpoint(parsing: String(part), defaultAction: defaultAction))
        }
        if result.isEmpty { throw EndpointError(text: text) }
        return result
    }

    /// The endpoint in CZMQ notation, such as `@tcp://127.0.0.1:5557`.
    public var description: String { (action == .bind ? "@" : ">") + address }
}

/// An endpoint that could not be parsed.
public struct EndpointError: Error, Sendable, CustomStringConvertible {
    /// The text given.
    public let text: String
    /// What is wrong with its address, when the notation itself was fine.
    public let reason: String?

    public init(text: String, reason: String? = nil) {
        self.text = text
        self.reason = reason
    }

    public var description: String {
        if let reason { return "invalid ZeroMQ endpoint \"\(text)\": \(reason)" }
        return "invalid ZeroMQ endpoint \"\(text)\": expected [@|>]transport://address, "
            + "e.g. @tcp://127.0.0.1:5557 (bind) or >ipc:///run/spikewatch/telemetry (connect)"
    }
}
