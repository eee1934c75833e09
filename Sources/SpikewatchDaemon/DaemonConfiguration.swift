public import Detection
import Foundation
public import ZeroMQ
import Yams

/// The daemon's configuration: built-in defaults, overridden by the YAML file, then by
/// `SPIKEWATCH_*` environment variables, then by command-line flags.
///
/// Keys (file path / environment variable / default):
/// - `telemetry.endpoints` / `SPIKEWATCH_TELEMETRY_ENDPOINTS` (comma-separated) / `>tcp://127.0.0.1:5556`
/// - `telemetry.topic_prefix` / `SPIKEWATCH_TELEMETRY_TOPIC_PREFIX` / `telemetry.`
/// - `telemetry.max_payload_bytes` / ... / 1048576
/// - `alerts.endpoint` / `SPIKEWATCH_ALERTS_ENDPOINT` / `@tcp://127.0.0.1:5557`
/// - `alerts.update_interval_s` 300, `alerts.resend_interval_s` 30, `alerts.heartbeat_interval_s` 5
/// - `cells.max_cells` 10000, `cells.idle_eviction_s` 86400
/// - `timezone` `UTC`
/// - `state.directory` (none), `state.checkpoint_interval_s` 300
/// - `metrics.listen` (off)
/// - `model` (none): a fault-class model from `spikewatch train`
/// - `workers` 1: detection threads (cells are sharded across them)
/// - `log_level` `info`
/// - `detector.dead_zone` 5, `detector.slow_dead_zone` 5, `detector.envelope_dead_zone` 3,
///   `detector.evidence_threshold` 1.8, `detector.clear_after` 10, `detector.warmup_samples` 60
public struct DaemonConfiguration: Sendable, Equatable {
    public var telemetryEndpoints = [Endpoint(.connect, "tcp://127.0.0.1:5556")]
    public var topicPrefix = "telemetry."
    public var maximumPayloadBytes = 1 << 20
    public var alertsEndpoint = Endpoint(.bind, "tcp://127.0.0.1:5557")
    public var resendInterval = 30.0
    public var heartbeatInterval = 5.0
    public var maximumCells = 10_000
    public var idleEviction = 86_400.0
    public var timezone = "UTC"
    public var stateDirectory: String?
    public var checkpointInterval = 300.0
    public var metricsListen: String?
    public var modelPath: String?
    public var workers = 1
    public var logLevel = "info"
    public var detector: DetectorSettings
    /// Settings given on the command line: they override the file and survive reloads.
    public var pinned: [String: String] = [:]

    public init() {
        detector = DetectorSettings()
    }

    /// Every key the file may hold, with its environment variable.
    static let keys: [String] = [
        "telemetry.endpoints", "telemetry.topic_prefix", "telemetry.max_payload_bytes",
        "alerts.endpoint", "alerts.update_interval_s", "alerts.resend_interval_s", "alerts.heartbeat_interval_s",
        "cells.max_cells", "cells.idle_eviction_s", "timezone", "state.directory", "state.checkpoint_interval_s",
        "metrics.listen", "model", "workers", "log_level",
        "detector.dead_zone", "detector.slow_dead_zone", "detector.envelope_dead_zone",
        "detector.evidence_threshold", "detector.clear_after", "detector.warmup_samples",
    ]

    /// The environment variable for a key: `alerts.endpoint` -> `SPIKEWATCH_ALERTS_ENDPOINT`.
    public static func environmentName(_ key: String) -> String {
        "SPIKEWATCH_" + key.uppercased().replacing(".", with: "_")
    }

    /// Applies one setting given as text (from the environment or a flag).
    public mutating func set(_ key: String, text: String, source: String) throws(ConfigurationError) {
        try apply(key, value: .text(text), location: source)
    }

    /// Applies a command-line setting and remembers it for reloads.
    public mutating func pin(_ key: String, text: String, flag: String) throws(ConfigurationError) {
        try apply(key, value: .text(text), location: "command line \(flag)")
        pinned[key] = text
    }

    /// Re-applies another configuration's command-line settings over this one.
    public mutating func applyPinned(from other: DaemonConfiguration) {
        for (key, text) in other.pinned.sorted(by: { $0.key < $1.key }) {
            try? apply(key, value: .text(text), location: "command line")
            pinned[key] = text
        }
    }

    /// Defaults, then the YAML file at `path`.
    public static func fromFile(_ path: String) throws(ConfigurationError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(path): cannot read the configuration file (\(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(path): not UTF-8 text")
        }
        var configuration = DaemonConfiguration()
        try configuration.apply(yaml: text, source: path)
        return configuration
    }

    enum Value {
        case text(String)
        case node(Yams.Node)

        var string: String? {
            switch self {
            case .text(let text): text
            case .node(let node): node.scalar?.string
            }
        }

        var strings: [String]? {
            switch self {
            case .text(let text):
                return text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            case .node(let node):
                if case .sequence(let sequence) = node {
                    let items = sequence.map { $0.scalar?.string }
                    return items.contains(where: { $0 == nil }) ? nil : items.map { $0! }
                }
                return node.scalar.map { [$0.string] }
            }
        }

        var shown: String {
            switch self {
            case .text(let text):
                return "\"\(text)\""
            case .node(let node):
                if let scalar = node.scalar { return "\"\(scalar.string)\"" }
                if case .sequence = node { return "a list" }
                return "a mapping"
            }
        }
    }

    mutating func apply(_ key: String, value: Value, location: String) throws(ConfigurationError) {
        func fail(_ expectation: String) -> ConfigurationError {
            ConfigurationError("\(location): \(key): \(expectation), got \(value.shown)")
        }
        func number(minimum: Double, inclusive: Bool = false) throws(ConfigurationError) -> Double {
            guard let text = value.string, let number = Double(text), number.isFinite,
                inclusive ? number >= minimum : number > minimum
            else { throw fail("must be a number \(inclusive ? ">=" : ">") \(formatted(minimum))") }
            return number
        }
        func integer(minimum: Int) throws(ConfigurationError) -> Int {
            guard let text = value.string, let number = Int(text), number >= minimum else {
                throw fail("must be a whole number >= \(minimum)")
            }
            return number
        }
        func endpoints(_ action: Endpoint.Action) throws(ConfigurationError) -> [Endpoint] {
            guard let items = value.strings, !items.isEmpty else { throw fail("must be one or more ZeroMQ endpoints") }
            var result: [Endpoint] = []
            for item in items {
                do { result.append(try Endpoint(parsing: item, defaultAction: action)) } catch {
                    throw ConfigurationError("\(location): \(key): \(error)")
                }
            }
            return result
        }
        switch key {
        case "telemetry.endpoints": telemetryEndpoints = try endpoints(.connect)
        case "telemetry.topic_prefix":
            guard let text = value.string else { throw fail("must be a string") }
            topicPrefix = text
        case "telemetry.max_payload_bytes": maximumPayloadBytes = try integer(minimum: 64)
        case "alerts.endpoint":
            let parsed = try endpoints(.bind)
            guard parsed.count == 1 else { throw fail("must be exactly one endpoint") }
            alertsEndpoint = parsed[0]
        case "alerts.update_interval_s": detector.updateInterval = try number(minimum: 0, inclusive: true)
        case "alerts.resend_interval_s": resendInterval = try number(minimum: 0)
        case "alerts.heartbeat_interval_s": heartbeatInterval = try number(minimum: 0)
        case "cells.max_cells": maximumCells = try integer(minimum: 1)
        case "cells.idle_eviction_s": idleEviction = try number(minimum: 0)
        case "timezone":
            guard let text = value.string, TimeZone(identifier: text) != nil else {
                throw fail("must be an IANA time zone name such as UTC or Europe/Paris")
            }
            timezone = text
        case "state.directory":
            guard let text = value.string else { throw fail("must be a directory path") }
            stateDirectory = text.isEmpty ? nil : text
        case "state.checkpoint_interval_s": checkpointInterval = try number(minimum: 0)
        case "metrics.listen":
            guard let text = value.string else { throw fail("must be HOST:PORT or empty") }
            if text.isEmpty {
                metricsListen = nil
            } else {
                guard MetricsServer.parse(text) != nil else { throw fail("must be HOST:PORT (e.g. 127.0.0.1:9464) or empty") }
                metricsListen = text
            }
        case "model":
            guard let text = value.string else { throw fail("must be a file path") }
            modelPath = text.isEmpty ? nil : text
        case "workers": workers = min(try integer(minimum: 1), 64)
        case "log_level":
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard let text = value.string, levels.contains(text) else { throw fail("must be one of \(levels.joined(separator: ", "))") }
            logLevel = text
        case "detector.dead_zone": detector.deadZone = try number(minimum: 0)
        case "detector.slow_dead_zone": detector.slowDeadZone = try number(minimum: 0)
        case "detector.envelope_dead_zone": detector.envelopeDeadZone = try number(minimum: 0)
        case "detector.evidence_threshold": detector.evidenceThreshold = try number(minimum: 0)
        case "detector.clear_after": detector.clearAfter = try integer(minimum: 1)
        case "detector.warmup_samples": detector.warmupSamples = try integer(minimum: 10)
        default:
            throw ConfigurationError("\(location): unknown key \"\(key)\" (known keys: \(Self.keys.joined(separator: ", ")))")
        }
    }

    /// Applies a YAML file over this configuration.
    /// - Throws: ``ConfigurationError`` naming the file, line, key and value.
    public mutating func apply(yaml text: String, source: String) throws(ConfigurationError) {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError("\(source): not valid YAML: \(error)")
        }
        guard let root else { return }  // an empty file: all defaults
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError("\(source): the top level must be a mapping of keys")
        }
        try walk(mapping, prefix: "", source: source)
    }

    private mutating func walk(_ mapping: Yams.Node.Mapping, prefix: String, source: String) throws(ConfigurationError) {
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else {
                throw ConfigurationError("\(source):\(keyNode.mark?.line ?? 0): keys must be plain names")
            }
            let key = prefix.isEmpty ? name : prefix + "." + name
            let location = "\(source):\(valueNode.mark?.line ?? keyNode.mark?.line ?? 0)"
            if case .mapping(let nested) = valueNode, !["telemetry.endpoints"].contains(key) {
                guard Self.keys.contains(where: { $0.hasPrefix(key + ".") }) else {
                    throw ConfigurationError("\(location): unknown section \"\(key)\" (known keys: \(Self.keys.joined(separator: ", ")))")
                }
                try walk(nested, prefix: key, source: source)
                continue
            }
            if case .scalar(let scalar) = valueNode, scalar.string.isEmpty || scalar.tag == Tag(.null),
                ["state.directory", "metrics.listen", "model"].contains(key) || !Self.keys.contains(key)
            {
                try apply(key, value: .text(""), location: location)
                continue
            }
            try apply(key, value: .node(valueNode), location: location)
        }
    }

    /// Applies every `SPIKEWATCH_*` variable that names a key.
    public mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        for key in Self.keys {
            let name = Self.environmentName(key)
            if let text = environment[name] {
                try apply(key, value: .text(text), location: "environment \(name)")
            }
        }
    }

    /// Checks settings that depend on each other.
    public func validate() throws(ConfigurationError) {
        if topicPrefix.utf8.count > 255 {
            throw ConfigurationError("telemetry.topic_prefix: longer than 255 bytes")
        }
    }
}

/// A configuration that cannot be used; says where and why.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

private func formatted(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
