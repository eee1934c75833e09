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
        self.init(action, String(rest))
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

    public var description: String {
        "invalid ZeroMQ endpoint \"\(text)\": expected [@|>]transport://address, "
            + "e.g. @tcp://127.0.0.1:5557 (bind) or >ipc:///run/spikewatch/telemetry (connect)"
    }
}
