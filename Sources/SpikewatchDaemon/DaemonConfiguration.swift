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
/// - `alerts.update_interval_s` 300, `alerts.resend_interval_s` 30, `alerts.heartbeat_interval_s` 5,
///   `alerts.send_high_water_mark` 1000
/// - `cells.max_cells` 10000, `cells.idle_eviction_s` 86400, `cells.max_time_jump_s` 3600,
///   `cells.max_future_s` 86400
/// - `state.directory` (none), `state.checkpoint_interval_s` 300
/// - `metrics.listen` (off)
/// - `model` (none): a fault-class model from `spikewatch train`
/// - `workers` 1: detection threads (cells are sharded across them)
/// - `log_level` `info`
/// - `timezone` `UTC`: the IANA time zone the hour of the day is read in
/// - `alertmanager.urls` (none: off), `alertmanager.timeout_s` 10, `alertmanager.resend_interval_s` 60,
///   `alertmanager.basic_auth.username`, `alertmanager.basic_auth.password_file`,
///   `alertmanager.bearer_token_file`, `alertmanager.tls_ca_file`
/// - `detector.dead_zone` 6, `detector.slow_dead_zone` 5, `detector.envelope_dead_zone` 3,
///   `detector.evidence_threshold` 1.8, `detector.clear_after` 10, `detector.warmup_samples` 60,
///   `detector.warmup_most_s` 21600, `detector.episode_habituation_h` 96
public struct DaemonConfiguration: Sendable, Equatable {
    public var telemetryEndpoints = [Endpoint(.connect, "tcp://127.0.0.1:5556")]
    public var topicPrefix = "telemetry."
    public var maximumPayloadBytes = 1 << 20
    public var alertsEndpoint = Endpoint(.bind, "tcp://127.0.0.1:5557")
    public var resendInterval = 30.0
    /// Alert messages queued per subscriber before sends to it are refused (and counted).
    public var alertHighWaterMark = 1000
    public var heartbeatInterval = 5.0
    public var maximumCells = 10_000
    public var idleEviction = 86_400.0
    /// A `ts` further ahead of its cell's last one needs the cell's next sample to confirm it.
    public var maximumTimeJump = 3600.0
    /// A `ts` further ahead of the wall clock is `implausible_time`.
    public var maximumFutureLead = 86_400.0
    public var stateDirectory: String?
    public var checkpointInterval = 300.0
    public var metricsListen: String?
    public var modelPath: String?
    public var workers = 1
    public var logLevel = "info"
    public var detector: DetectorSettings
    /// CURVE: this daemon's secret key file (Z85); empty = no encryption.
    public var secretKeyFile: String?
    /// CURVE: the publishers' server public key, when the telemetry socket connects.
    public var telemetryServerKey: CurveKey?
    /// CURVE: the alert subscribers' server public key, when the alerts socket connects.
    public var alertsServerKey: CurveKey?
    /// CURVE: public keys allowed to publish telemetry (when the telemetry socket binds); nil = any.
    public var allowedPublishersFile: String?
    /// CURVE: public keys allowed to subscribe to alerts (when the alerts socket binds); nil = any.
    public var allowedSubscribersFile: String?
    /// Where alerts are posted besides ZeroMQ: Prometheus Alertmanager (off by default).
    public var alertmanager = AlertmanagerSettings()
    /// Settings given on the command line: they override the file and survive reloads.
    public var pinned: [String: String] = [:]

    public init() {
        detector = DetectorSettings()
    }

    /// Every key the file may hold, with its environment variable.
    static let keys: [String] = [
        "telemetry.endpoints", "telemetry.topic_prefix", "telemetry.max_payload_bytes",
        "alerts.endpoint", "alerts.update_interval_s", "alerts.resend_interval_s", "alerts.heartbeat_interval_s",
        "alerts.send_high_water_mark",
        "cells.max_cells", "cells.idle_eviction_s", "cells.max_time_jump_s", "cells.max_future_s", "state.directory", "state.checkpoint_interval_s",
        "metrics.listen", "model", "workers", "log_level", "timezone",
        "detector.dead_zone", "detector.slow_dead_zone", "detector.envelope_dead_zone",
        "detector.evidence_threshold", "detector.clear_after", "detector.warmup_samples", "detector.warmup_most_s",
        "detector.episode_habituation_h",
        "security.secret_key_file", "security.telemetry_server_key", "security.alerts_server_key",
        "security.allowed_publishers_file", "security.allowed_subscribers_file",
        "alertmanager.urls", "alertmanager.timeout_s", "alertmanager.resend_interval_s",
        "alertmanager.basic_auth.username", "alertmanager.basic_auth.password_file",
        "alertmanager.bearer_token_file", "alertmanager.tls_ca_file",
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
            throw ConfigurationError("\(path): cannot read the configuration file (\(unreadable(path)))")
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
        /// A duration in seconds: at most a year (timers count in nanoseconds, and a
        /// longer interval is no interval an operator means).
        func seconds(minimum: Double, inclusive: Bool = false) throws(ConfigurationError) -> Double {
            let seconds = try number(minimum: minimum, inclusive: inclusive)
            guard seconds <= Self.longestSeconds else {
                throw fail("must be a number of seconds \(inclusive ? ">=" : ">") \(formatted(minimum)) and at most \(formatted(Self.longestSeconds)) (a year)")
            }
            return seconds
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
        case "alerts.update_interval_s": detector.updateInterval = try seconds(minimum: 0, inclusive: true)
        case "alerts.resend_interval_s": resendInterval = try seconds(minimum: 0)
        case "alerts.heartbeat_interval_s": heartbeatInterval = try seconds(minimum: 0)
        case "alerts.send_high_water_mark": alertHighWaterMark = try integer(minimum: 1)
        case "cells.max_cells": maximumCells = try integer(minimum: 1)
        case "cells.idle_eviction_s": idleEviction = try seconds(minimum: 0)
        case "cells.max_time_jump_s": maximumTimeJump = try seconds(minimum: 0)
        case "cells.max_future_s": maximumFutureLead = try seconds(minimum: 0)
        case "state.directory":
            guard let text = value.string else { throw fail("must be a directory path") }
            stateDirectory = text.isEmpty ? nil : text
        case "state.checkpoint_interval_s": checkpointInterval = try seconds(minimum: 0)
        case "metrics.listen":
            guard let text = value.string else { throw fail("must be HOST:PORT or empty") }
            if text.isEmpty {
                metricsListen = nil
            } else {
                guard MetricsEndpoint.parse(text) != nil else {
                    throw fail("must be HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:9464) or empty")
                }
                metricsListen = text
            }
        case "timezone":
            guard let text = value.string, let zone = LocalTime.zone(named: text) else {
                throw fail("must be an IANA time zone name, such as UTC, Europe/Paris or America/New_York")
            }
            detector.localTime = zone
        case "model":
            guard let text = value.string else { throw fail("must be a file path") }
            modelPath = text.isEmpty ? nil : text
        case "workers":
            let count = try integer(minimum: 1)
            guard count <= 64 else { throw fail("must be a whole number from 1 to 64") }
            workers = count
        case "log_level":
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard let text = value.string, levels.contains(text) else { throw fail("must be one of \(levels.joined(separator: ", "))") }
            logLevel = text
        case "detector.dead_zone": detector.deadZone = try number(minimum: 0)
        case "detector.slow_dead_zone": detector.slowDeadZone = try number(minimum: 0)
        case "detector.envelope_dead_zone": detector.envelopeDeadZone = try number(minimum: 0)
        case "detector.evidence_threshold": detector.evidenceThreshold = try number(minimum: 0)
        case "detector.clear_after": detector.clearAfter = try integer(minimum: 1)
        case "detector.warmup_samples": detector.warmupSamples = try integer(minimum: DetectorSettings.minimumWarmupSamples)
        case "detector.warmup_most_s": detector.warmupMostSeconds = try number(minimum: 0, inclusive: true)
        case "detector.episode_habituation_h": detector.episodeHabituationHours = try number(minimum: 0, inclusive: true)
        case "security.secret_key_file", "security.allowed_publishers_file", "security.allowed_subscribers_file":
            guard let text = value.string else { throw fail("must be a file path") }
            let path = text.isEmpty ? nil : text
            switch key {
            case "security.secret_key_file": secretKeyFile = path
            case "security.allowed_publishers_file": allowedPublishersFile = path
            default: allowedSubscribersFile = path
            }
        case "security.telemetry_server_key", "security.alerts_server_key":
            guard let text = value.string else { throw fail("must be a 40-character Z85 public key") }
            var parsed: CurveKey?
            if !text.isEmpty {
                guard let key = CurveKey(z85: text) else { throw fail("must be a 40-character Z85 public key") }
                parsed = key
            }
            if key == "security.telemetry_server_key" { telemetryServerKey = parsed } else { alertsServerKey = parsed }
        case "alertmanager.urls":
            guard let items = value.strings else { throw fail("must be a list of Alertmanager URLs (http:// or https://)") }
            let urls = items.filter { !$0.isEmpty }
            for (index, url) in urls.enumerated() {
                if let problem = AlertmanagerSettings.problem(url: url) {
                    throw ConfigurationError("\(location): \(key): \(problem), got \"\(url)\"")
                }
                if urls[..<index].contains(url) { throw ConfigurationError("\(location): \(key): \"\(url)\" is listed twice") }
            }
            alertmanager.urls = urls
        case "alertmanager.timeout_s": alertmanager.timeout = try seconds(minimum: 0)
        case "alertmanager.resend_interval_s": alertmanager.resendInterval = try seconds(minimum: 0)
        case "alertmanager.basic_auth.username":
            guard let text = value.string else { throw fail("must be a user name") }
            alertmanager.username = text.isEmpty ? nil : text
        case "alertmanager.basic_auth.password_file", "alertmanager.bearer_token_file", "alertmanager.tls_ca_file":
            guard let text = value.string else { throw fail("must be a file path") }
            let path = text.isEmpty ? nil : text
            switch key {
            case "alertmanager.basic_auth.password_file": alertmanager.passwordFile = path
            case "alertmanager.bearer_token_file": alertmanager.bearerTokenFile = path
            default: alertmanager.caFile = path
            }
        default:
            throw ConfigurationError("\(location): unknown key \"\(key)\"\(Self.suggestion(for: key, among: Self.keys)) (known keys: \(Self.keys.joined(separator: ", ")))")
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
                    let sections = Set(Self.keys.compactMap { $0.split(separator: ".").count > 1 ? String($0.split(separator: ".")[0]) : nil })
                    throw ConfigurationError("\(location): unknown section \"\(key)\"\(Self.suggestion(for: key, among: sections.sorted())) (known keys: \(Self.keys.joined(separator: ", ")))")
                }
                try walk(nested, prefix: key, source: source)
                continue
            }
            if case .scalar(let scalar) = valueNode, scalar.string.isEmpty || scalar.tag == Tag(.null),
                Self.keys.contains(where: { $0.hasPrefix(key + ".") })
            {
                continue  // a section with every key commented out: its defaults
            }
            if case .scalar(let scalar) = valueNode, scalar.string.isEmpty || scalar.tag == Tag(.null),
                ["state.directory", "metrics.listen", "model"].contains(key) || key.hasPrefix("security.")
                    || (key.hasPrefix("alertmanager.") && !key.hasSuffix("_s"))
                    || !Self.keys.contains(key)
            {
                try apply(key, value: .text(""), location: location)
                continue
            }
            try apply(key, value: .node(valueNode), location: location)
        }
    }

    /// `SPIKEWATCH_*` variables that are not settings: the test-only stall hook and the
    /// switch that adds the fuzz target to a build.
    /// The longest duration any `*_s` key accepts: a year.
    static let longestSeconds: Double = 31_536_000

    public static let otherEnvironmentNames: Set<String> = ["SPIKEWATCH_TEST_STALL_AFTER", "SPIKEWATCH_TEST_CHECKPOINT_DELAY", "SPIKEWATCH_FUZZ"]

    /// Applies every `SPIKEWATCH_*` variable that names a key.
    /// - Throws: for an invalid value, and for a `SPIKEWATCH_*` variable that names no
    ///   key (a misspelling never silently becomes a default).
    public mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        let known = Set(Self.keys.map(Self.environmentName)).union(Self.otherEnvironmentNames)
        for name in environment.keys.sorted() where name.hasPrefix("SPIKEWATCH_") && !known.contains(name) {
            throw ConfigurationError(
                "environment \(name): unknown variable\(Self.suggestion(for: name, among: Self.keys.map(Self.environmentName))) "
                    + "(settings are SPIKEWATCH_ + the key in capitals with _ for ., e.g. SPIKEWATCH_ALERTS_ENDPOINT)")
        }
        for key in Self.keys {
            let name = Self.environmentName(key)
            if let text = environment[name] {
                try apply(key, value: .text(text), location: "environment \(name)")
            }
        }
    }

    /// The closest of `candidates` to a misspelled `name`, as `" (did you mean ...?)"`, or
    /// nothing when none is close (edit distance at most a third of the name, and 3).
    static func suggestion(for name: String, among candidates: [String]) -> String {
        let target = Array(name.lowercased().utf8)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased().utf8))
            if distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= min(3, max(1, target.count / 3)) else { return "" }
        return "; did you mean \"\(best.candidate)\"?"
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Checks settings that depend on each other, and that key files can be read.
    public func validate() throws(ConfigurationError) {
        // Endpoints set in code rather than read from text are checked here too.
        for endpoint in telemetryEndpoints + [alertsEndpoint] {
            do { _ = try Endpoint(parsing: endpoint.description, defaultAction: endpoint.action) } catch {
                throw ConfigurationError("\(endpoint == alertsEndpoint ? "alerts.endpoint" : "telemetry.endpoints"): \(error)")
            }
        }
        if let metricsListen, MetricsEndpoint.parse(metricsListen) == nil {
            throw ConfigurationError("metrics.listen: must be HOST:PORT with a port from 1 to 65535, got \"\(metricsListen)\"")
        }
        if topicPrefix.utf8.count > 255 {
            throw ConfigurationError("telemetry.topic_prefix: longer than 255 bytes")
        }
        for url in alertmanager.urls {
            if let problem = AlertmanagerSettings.problem(url: url) {
                throw ConfigurationError("alertmanager.urls: \(problem), got \"\(url)\"")
            }
        }
        try alertmanager.validate()
        guard let secretKeyFile else {
            for (key, set) in [
                ("security.telemetry_server_key", telemetryServerKey != nil), ("security.alerts_server_key", alertsServerKey != nil),
                ("security.allowed_publishers_file", allowedPublishersFile != nil),
                ("security.allowed_subscribers_file", allowedSubscribersFile != nil),
            ] where set {
                throw ConfigurationError("\(key) needs security.secret_key_file (CURVE is off without this daemon's key)")
            }
            return
        }
        _ = try Self.readSecretKey(secretKeyFile)
        for (name, endpoints, serverKey, allowed) in [
            ("telemetry", telemetryEndpoints, telemetryServerKey, allowedPublishersFile),
            ("alerts", [alertsEndpoint], alertsServerKey, allowedSubscribersFile),
        ] {
            let actions = Set(endpoints.map(\.action))
            guard actions.count == 1 else {
                throw ConfigurationError("\(name): with CURVE, the endpoints must all bind (@) or all connect (>)")
            }
            if actions.first == .connect && serverKey == nil {
                throw ConfigurationError("security.\(name)_server_key: required when the \(name) socket connects with CURVE (the server's public key)")
            }
            if let allowed { _ = try Self.readKeyList(allowed) }
        }
    }

    /// The file a key setting names: a path, or `credential:NAME`, a systemd credential
    /// (`LoadCredential=NAME` in the unit), read from `$CREDENTIALS_DIRECTORY/NAME`.
    public static func keyFilePath(_ setting: String, key: String, environment: [String: String]? = nil)
        throws(ConfigurationError) -> String
    {
        guard setting.hasPrefix("credential:") else { return setting }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let name = String(setting.dropFirst("credential:".count))
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw ConfigurationError("\(key): \"\(setting)\" must name a credential, e.g. credential:spikewatch.key")
        }
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
            throw ConfigurationError(
                "\(key): \(setting) is a systemd credential, but $CREDENTIALS_DIRECTORY is not set "
                    + "(the unit passes it with LoadCredential=\(name), from /etc/credstore/\(name))")
        }
        return directory + "/" + name
    }

    /// Why a file cannot be read, in words: missing, a directory, not a regular file (a
    /// device, a FIFO, a socket), or not readable by this user.
    public static func unreadable(_ path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return errno == ENOENT ? "no such file" : String(cString: strerror(errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return "is a directory"
        case S_IFREG: break
        default: return "not a regular file (a device, FIFO or socket)"
        }
        return access(path, R_OK) == 0 ? "cannot be read" : "permission denied"
    }

    /// Reads a secret key file: one 40-character Z85 key (a trailing newline is fine).
    /// `credential:NAME` reads the systemd credential NAME.
    public static func readSecretKey(_ setting: String) throws(ConfigurationError) -> CurveKeyPair {
        let path = try keyFilePath(setting, key: "security.secret_key_file")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("security.secret_key_file: cannot read \(path) (\(unreadable(path)))")
        }
        guard let key = CurveKey(z85: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ConfigurationError("security.secret_key_file: \(path) does not hold a 40-character Z85 key (`spikewatch keygen` writes one)")
        }
        do {
            return try CurveKeyPair.derive(secretKey: key)
        } catch {
            throw ConfigurationError("security.secret_key_file: \(path): \(error)")
        }
    }

    /// Reads an allow-list: one Z85 public key per line (anything after a blank ignored);
    /// blank lines and lines starting with `#` are skipped.
    public static func readKeyList(_ setting: String) throws(ConfigurationError) -> Set<CurveKey> {
        let path = try keyFilePath(setting, key: "security allow-list")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("cannot read the key list \(path) (\(unreadable(path)))")
        }
        var keys = Set<CurveKey>()
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Z85 uses '#', so a comment is a line that starts with it; after a key, anything
            // past the first blank is ignored too.
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let line = String(trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
            guard let key = CurveKey(z85: line) else {
                throw ConfigurationError("\(path):\(number + 1): not a 40-character Z85 public key: \"\(line.prefix(60))\"")
            }
            keys.insert(key)
        }
        return keys
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
