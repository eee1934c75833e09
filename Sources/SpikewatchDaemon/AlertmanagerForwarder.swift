import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Prometheus
import Synchronization
import Telemetry

#if canImport(Glibc)
import Glibc
#endif

// async-http-client was chosen over a hand-written client on purpose: it brings TLS with a
// custom CA (NIOSSL's trust roots), connect/read timeouts and connection reuse, and the
// daemon already pays for swift-nio. Only this module depends on it.

/// The `alertmanager.*` settings (README, "Alertmanager").
public struct AlertmanagerSettings: Sendable, Equatable {
    /// Alertmanager base URLs (`http(s)://host:port[/prefix]`); the daemon posts to
    /// `<url>/api/v2/alerts` on each. Empty: the forwarder is off.
    public var urls: [String] = []
    /// Seconds one POST may take (connect, send, answer).
    public var timeout = 10.0
    /// Seconds between re-posts of the open alerts (well under Alertmanager's
    /// `resolve_timeout`, 5 minutes by default).
    public var resendInterval = 60.0
    public var username: String?
    public var passwordFile: String?
    public var bearerTokenFile: String?
    /// PEM file of the CA(s) that sign the Alertmanagers' certificates (replaces the
    /// system's CAs for these connections).
    public var caFile: String?

    public init() {}

    /// Why `text` is not an Alertmanager base URL, or nil when it is one.
    static func problem(url text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme)
        else { return "must be an http:// or https:// URL" }
        guard let host = components.host, !host.isEmpty else { return "must name a host" }
        if components.user != nil || components.password != nil {
            return "must not carry credentials (use alertmanager.basic_auth)"
        }
        if components.query != nil || components.fragment != nil { return "must have no query or fragment" }
        if let port = components.port, !(1...65535).contains(port) { return "port must be from 1 to 65535" }
        if text.hasSuffix("/api/v2/alerts") || text.hasSuffix("/api/v2/alerts/") {
            return "must be the base URL: /api/v2/alerts is added"
        }
        return nil
    }

    /// The POST target for a base URL.
    static func alertsURL(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/v2/alerts"
    }

    /// Checks what depends on several keys, and reads the credential and CA files.
    func validate() throws(ConfigurationError) {
        if username != nil && passwordFile == nil {
            throw ConfigurationError("alertmanager.basic_auth.password_file: required with alertmanager.basic_auth.username")
        }
        if passwordFile != nil && username == nil {
            throw ConfigurationError("alertmanager.basic_auth.username: required with alertmanager.basic_auth.password_file")
        }
        if username != nil && bearerTokenFile != nil {
            throw ConfigurationError("alertmanager: set alertmanager.basic_auth or alertmanager.bearer_token_file, not both")
        }
        _ = try authorization()
        _ = try tlsConfiguration()
    }

    /// The `Authorization` header value, from the files as they are now.
    func authorization() throws(ConfigurationError) -> String? {
        if let username, let passwordFile {
            let password = try Self.readSecret(passwordFile, key: "alertmanager.basic_auth.password_file")
            return "Basic " + Data((username + ":" + password).utf8).base64EncodedString()
        }
        if let bearerTokenFile {
            return "Bearer " + (try Self.readSecret(bearerTokenFile, key: "alertmanager.bearer_token_file"))
        }
        return nil
    }

    /// A secret file's first line (a trailing newline is not part of the secret);
    /// `credential:NAME` reads the systemd credential NAME.
    static func readSecret(_ setting: String, key: String) throws(ConfigurationError) -> String {
        let path = try DaemonConfiguration.keyFilePath(setting, key: key)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(key): cannot read \(path) (\(DaemonConfiguration.unreadable(path)))")
        }
        let secret = String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        guard !secret.isEmpty else { throw ConfigurationError("\(key): \(path) is empty") }
        return secret
    }

    /// The TLS settings for a custom CA; nil: the system's CAs.
    func tlsConfiguration() throws(ConfigurationError) -> TLSConfiguration? {
        guard let caFile else { return nil }
        guard FileManager.default.isReadableFile(atPath: caFile) else {
            throw ConfigurationError("alertmanager.tls_ca_file: cannot read \(caFile) (\(DaemonConfiguration.unreadable(caFile)))")
        }
        let certificates: [NIOSSLCertificate]
        do { certificates = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
            throw ConfigurationError("alertmanager.tls_ca_file: \(caFile) holds no readable PEM certificate (\(error))")
        }
        guard !certificates.isEmpty else {
            throw ConfigurationError("alertmanager.tls_ca_file: \(caFile) holds no PEM certificate")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(certificates)
        return tls
    }
}

/// What Alertmanager holds, as the forwarder last knew it: the open alerts by id and the
/// resolutions not yet delivered everywhere, each stamped with the `generation` of its
/// last change. A target that has accepted a post made at generation g holds every
/// change up to g.
struct AlertmanagerBook {
    struct Entry {
        var id: String
        var labels: [(String, String)]
        var annotations: [(String, String)]
        /// Wall-clock seconds.
        var startsAt: Double
        /// Wall-clock seconds; nil while open.
        var endsAt: Double?
        var version: Int64

        var labelKey: String { labels.map { $0.0 + "=" + $0.1 }.joined(separator: "\u{1}") }
        var resolvedKey: String { id + "\u{0}" + labelKey }
    }

    /// The `alertname` label of every alert.
    static let alertName = "SpikewatchAnomaly"

    /// Open alerts at most, and resolutions at most (the cell cap: one open alert per cell).
    let capacity: Int
    /// By alert id, and resolutions by their labels, each byte for byte (``ExactKey``).
    private(set) var open: [ExactKey: Entry] = [:]
    private(set) var resolved: [ExactKey: Entry] = [:]
    private(set) var generation: Int64 = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    static func labels(_ alert: Alert) -> [(String, String)] {
        [("alertname", alertName), ("cell", alert.cell), ("severity", alert.severity.rawValue), ("kind", alert.kind)]
    }

    static func annotations(_ alert: Alert) -> [(String, String)] {
        let score = String(format: "%.4f", alert.score)
        return [
            ("summary", "\(alert.cell): \(alert.kind) (\(alert.severity.rawValue), score \(String(format: "%.2f", alert.score)))"),
            ("score", score), ("evidence", evidenceLine(alert.evidence)),
            ("first_ts", rfc3339ExactTime(alert.startedAt)), ("last_ts", rfc3339ExactTime(alert.timestamp)),
            ("id", alert.id), ("seq", String(alert.sequence)),
        ]
    }

    /// The evidence as `spikewatch tail` prints it: `metric=value (normal low..high), ...`.
    static func evidenceLine(_ evidence: [Alert.Evidence]) -> String {
        func number(_ value: Double) -> String {
            if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
            return String(format: abs(value) >= 10_000 ? "%.0f" : "%.4g", value)
        }
        return evidence.map { "\($0.metric)=\(number($0.value)) (normal \(number($0.low))..\(number($0.high)))" }
            .joined(separator: ", ")
    }

    /// Takes a numbered transition; returns how many states were dropped to stay within
    /// ``capacity``.
    mutating func apply(_ alert: Alert, wallTime: Double) -> Int {
        generation += 1
        let labels = Self.labels(alert)
        var dropped = 0
        switch alert.state {
        case .raised, .updated:
            var entry: Entry
            if let existing = open[ExactKey(alert.id)] {
                entry = existing
                if entry.labelKey != Self.key(labels) {
                    // New labels are a new alert to Alertmanager: resolve the old one.
                    var old = entry
                    old.endsAt = max(wallTime, old.startsAt)
                    old.version = generation
                    resolved[ExactKey(old.resolvedKey)] = old
                }
            } else {
                // The raise is now; an alert first seen on a later transition (open across
                // a restart) started as long before as the telemetry says.
                let startsAt = max(0, wallTime - max(0, alert.timestamp - alert.startedAt))
                entry = Entry(id: alert.id, labels: labels, annotations: [], startsAt: startsAt, endsAt: nil, version: 0)
            }
            entry.labels = labels
            entry.annotations = Self.annotations(alert)
            entry.version = generation
            open[ExactKey(alert.id)] = entry
            // A resolution of these very labels would contradict it in the same post.
            resolved[ExactKey(entry.resolvedKey)] = nil
            if open.count > capacity, let oldest = open.values.min(by: { $0.version < $1.version }) {
                open[ExactKey(oldest.id)] = nil
                dropped += 1
            }
        case .cleared:
            var entry = open.removeValue(forKey: ExactKey(alert.id))
                ?? Entry(id: alert.id, labels: labels, annotations: [],
                         startsAt: max(0, wallTime - max(0, alert.timestamp - alert.startedAt)), endsAt: nil, version: 0)
            entry.annotations = Self.annotations(alert)
            entry.endsAt = max(wallTime, entry.startsAt)
            entry.version = generation
            resolved[ExactKey(entry.resolvedKey)] = entry
        }
        while resolved.count > capacity, let oldest = resolved.values.min(by: { $0.version < $1.version }) {
            resolved[ExactKey(oldest.resolvedKey)] = nil
            dropped += 1
        }
        return dropped
    }

    static func key(_ labels: [(String, String)]) -> String { labels.map { $0.0 + "=" + $0.1 }.joined(separator: "\u{1}") }

    /// Forgets resolutions every target has accepted (`acked`: the lowest generation
    /// accepted by all; nil: no target, nothing to keep).
    mutating func collect(acked: Int64?) {
        guard let acked else {
            resolved.removeAll()
            return
        }
        resolved = resolved.filter { $0.value.version > acked }
    }

    /// States some target has not accepted yet.
    func pending(acked: Int64?) -> Int {
        guard let acked else { return 0 }
        return open.values.count { $0.version > acked } + resolved.values.count { $0.version > acked }
    }

    /// What a target that accepted up to `acked` is sent: the resolutions it has not
    /// seen (first, so that a new alert with the same labels follows its predecessor's
    /// end), then every open alert with `endsAt` `openLifetime` seconds ahead. Nil when
    /// there is nothing to send.
    func payload(acked: Int64, now: Double, openLifetime: Double) -> [UInt8]? {
        let resolutions = resolved.values.filter { $0.version > acked }.sorted { $0.version < $1.version }
        let opens = open.values.sorted { $0.version < $1.version }
        guard !resolutions.isEmpty || !opens.isEmpty else { return nil }
        var writer = JSONWriter(capacity: 512 * (resolutions.count + opens.count))
        writer.byte(UInt8(ascii: "["))
        for (index, entry) in (resolutions + opens).enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"labels\":")
            Self.write(entry.labels, into: &writer)
            writer.key("annotations")
            Self.write(entry.annotations, into: &writer)
            writer.key("startsAt")
            writer.string(rfc3339Time(entry.startsAt, milliseconds: true))
            writer.key("endsAt")
            writer.string(rfc3339Time(entry.endsAt ?? now + openLifetime, milliseconds: true))
            writer.byte(UInt8(ascii: "}"))
        }
        writer.byte(UInt8(ascii: "]"))
        return writer.bytes
    }

    private static func write(_ pairs: [(String, String)], into writer: inout JSONWriter) {
        writer.byte(UInt8(ascii: "{"))
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(name)
            writer.byte(UInt8(ascii: ":"))
            writer.string(value)
        }
        writer.byte(UInt8(ascii: "}"))
    }
}

/// RFC 3339 UTC for epoch seconds: `2026-11-06T09:41:00Z`, or with milliseconds.
func rfc3339Time(_ seconds: Double, milliseconds: Bool) -> String {
    let whole = seconds.rounded(.down)
    let base = rfc3339Seconds(whole)
    guard milliseconds else { return base + "Z" }
    return base + String(format: ".%03dZ", min(999, Int(((seconds - whole) * 1000).rounded(.down))))
}

/// RFC 3339 UTC for epoch seconds as exactly as the alert carries them (to the
/// microsecond, trailing zeros dropped): `2026-11-06T09:41:00Z`,
/// `2026-11-06T09:41:00.25Z`. The annotations map the alert's `started_at` and `ts`
/// without loss.
func rfc3339ExactTime(_ seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e11 else { return "\(seconds)" }  // no calendar shows it (a broken checkpoint's)
    let micros = Int64((seconds * 1_000_000).rounded())  // checked: |seconds| < 1e11
    let whole = micros >= 0 ? micros / 1_000_000 : -((-micros + 999_999) / 1_000_000)
    let fraction = micros - whole * 1_000_000
    guard fraction != 0 else { return rfc3339Seconds(Double(whole)) + "Z" }
    var digits = String(format: "%06lld", fraction)
    while digits.hasSuffix("0") { digits.removeLast() }
    return rfc3339Seconds(Double(whole)) + "." + digits + "Z"
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) of whole epoch seconds.
private func rfc3339Seconds(_ whole: Double) -> String {
    var time = time_t(whole)
    var parts = tm()
    gmtime_r(&time, &parts)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                  parts.tm_hour, parts.tm_min, parts.tm_sec)
}

/// The Alertmanager forwarder: posts the alert transitions to every configured
/// Alertmanager (API v2), re-posts the open alerts every `alertmanager.resend_interval_s`,
/// and retries an unreachable or refusing Alertmanager with exponential back-off. It owns
/// its task, its HTTP client and its state; the publisher hands it each numbered
/// transition through a bounded queue that never blocks (the oldest transition is
/// dropped, and counted, when it is full).
final class AlertmanagerForwarder: Sendable {
    /// A transition as handed over, with the wall-clock time it was numbered.
    struct Offered: Sendable {
        var alert: Alert
        var wallTime: Double
    }

    struct Inbox: Sendable {
        var items: [Offered] = []
        /// Where the oldest item is, once the queue has wrapped round.
        var head = 0
        var signalled = false
    }

    enum Event: Sendable {
        case input
        case reconfigure
        case posted(url: String, generation: Int64, error: String?)
        case wake
        case finish(deadline: ContinuousClock.Instant)
    }

    /// The first retry after a failure, and the cap of the doubling back-off.
    static let firstRetry = 1.0
    static let longestRetry = 60.0
    /// An open alert is posted with `endsAt` this many re-send intervals ahead.
    static let openLifetimeIntervals = 4.0
    /// Failures of one Alertmanager are logged at most this often.
    static let failureLogPeriod: Duration = .seconds(60)

    let shared: DaemonShared
    let capacity: Int
    private let inbox = Mutex(Inbox())
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(shared: DaemonShared) {
        self.shared = shared
        capacity = max(1, shared.current.maximumCells)
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    // MARK: Other threads' side

    /// Hands over a numbered transition; never blocks (drops the oldest queued one when
    /// the queue is full).
    func offer(_ alert: Alert) {
        let offered = Offered(alert: alert, wallTime: Date().timeIntervalSince1970)
        let capacity = self.capacity
        let (dropped, signal) = inbox.withLock { box -> (Bool, Bool) in
            var dropped = false
            if box.items.count < capacity {
                box.items.append(offered)
            } else {
                box.items[box.head] = offered
                box.head = (box.head + 1) % capacity
                dropped = true
            }
            defer { box.signalled = true }
            return (dropped, !box.signalled)
        }
        if dropped { shared.metrics.alertmanagerDropped.increment() }
        if signal { continuation.yield(.input) }
    }

    /// The configuration was reloaded: URLs, credentials, timeout and interval apply now.
    func reconfigure() { continuation.yield(.reconfigure) }

    /// Starts the forwarder's task.
    func start() {
        let running = Task { await self.run() }
        task.withLock { $0 = running }
    }

    /// Delivers what is left (for at most `timeout` seconds), then stops.
    func finish(timeout: Double) async {
        continuation.yield(.finish(deadline: .now + .seconds(timeout)))
        let running = task.withLock { $0 }
        await running?.value
    }

    func takeInbox() -> [Offered] {
        inbox.withLock { box in
            let taken = box.head == 0 ? box.items : Array(box.items[box.head...] + box.items[..<box.head])
            box = Inbox()
            return taken
        }
    }

    // MARK: The forwarder's task

    /// One Alertmanager.
    struct Target {
        let url: String
        /// The highest generation it has accepted.
        var acked: Int64
        var inFlight = false
        var lastPost: ContinuousClock.Instant?
        var nextAttempt: ContinuousClock.Instant = .now
        var backoff = 0.0
        var failures = 0
        var suppressed = 0
        var lastFailureLog: ContinuousClock.Instant?
    }

    private func run() async {
        let logger = shared.logger
        let metrics = shared.metrics
        let startSettings = shared.current.alertmanager
        var settings = startSettings
        var authorization = try? settings.authorization()
        // Read once: the CA applies to the client, made at the first post.
        var tls: TLSConfiguration?
        do { tls = try startSettings.tlsConfiguration() } catch {
            logger.error("alertmanager: \(error); using the system's CAs")
        }
        var client: HTTPClient?
        var book = AlertmanagerBook(capacity: capacity)
        var targets: [String: Target] = [:]
        var finishDeadline: ContinuousClock.Instant?
        var timer: Task<Void, Never>?

        func sync(_ urls: [String]) {
            for url in targets.keys where !urls.contains(url) { targets[url] = nil }
            for url in urls where targets[url] == nil {
                targets[url] = Target(url: url, acked: 0)
                _ = metrics.alertmanagerPosts(url: url, success: true)
                _ = metrics.alertmanagerPosts(url: url, success: false)
            }
        }
        sync(settings.urls)
        if !settings.urls.isEmpty {
            logger.info("posting alerts to Alertmanager", metadata: [
                "alertmanager.urls": "\(settings.urls.joined(separator: ","))",
                "alertmanager.resend_interval_s": "\(settings.resendInterval)",
            ])
        }

        func acked() -> Int64? { targets.isEmpty ? nil : targets.values.map(\.acked).min() }

        func makeClient() -> HTTPClient {
            if let client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.tlsConfiguration = tls
            // A redirect is an answer to look at, not a POST to turn into a GET elsewhere.
            configuration.redirectConfiguration = .disallow
            let timeout = TimeAmount.milliseconds(Int64(settings.timeout * 1000))
            configuration.timeout = .init(connect: timeout, read: timeout)
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            client = made
            return made
        }

        func failed(_ target: inout Target, _ error: String) {
            metrics.alertmanagerPosts(url: target.url, success: false).increment()
            let limit = min(Self.longestRetry, max(0.05, settings.resendInterval))
            target.backoff = target.backoff == 0 ? min(Self.firstRetry, limit) : min(target.backoff * 2, limit)
            // Jitter (+-20%) so that several daemons do not retry in step.
            target.nextAttempt = .now + .seconds(target.backoff * Double.random(in: 0.8...1.2))
            target.failures += 1
            let now = ContinuousClock.now
            if let last = target.lastFailureLog, now - last < Self.failureLogPeriod {
                target.suppressed += 1
                return
            }
            logger.warning("cannot post alerts to Alertmanager; retrying with back-off", metadata: [
                "alertmanager.url": "\(target.url)", "error": "\(loggable(error))",
                "retry_in_s": "\(String(format: "%.1f", target.backoff))",
                "failed_since_last_log": "\(target.suppressed)",
            ])
            target.lastFailureLog = now
            target.suppressed = 0
        }

        func dispatch() {
            let now = ContinuousClock.now
            let wall = Date().timeIntervalSince1970
            let resend = Duration.seconds(max(0.05, settings.resendInterval))
            for url in targets.keys.sorted() {
                guard var target = targets[url], !target.inFlight, now >= target.nextAttempt else { continue }
                let changed = target.acked < book.generation
                let resendDue = finishDeadline == nil && !book.open.isEmpty && (target.lastPost.map { now - $0 >= resend } ?? true)
                guard changed || resendDue else { continue }
                guard let body = book.payload(acked: target.acked, now: wall,
                                              openLifetime: Self.openLifetimeIntervals * settings.resendInterval)
                else {
                    target.acked = book.generation
                    targets[url] = target
                    continue
                }
                target.inFlight = true
                targets[url] = target
                let generation = book.generation
                let client = makeClient()
                let timeout = settings.timeout
                let header = authorization
                let continuation = self.continuation
                Task {
                    let error = await Self.post(client: client, url: url, body: body, authorization: header, timeout: timeout)
                    continuation.yield(.posted(url: url, generation: generation, error: error))
                }
            }
        }

        /// When the loop must look again without an event.
        func nextDue() -> ContinuousClock.Instant? {
            let resend = Duration.seconds(max(0.05, settings.resendInterval))
            var due: ContinuousClock.Instant? = finishDeadline
            for target in targets.values where !target.inFlight {
                var at: ContinuousClock.Instant?
                if target.acked < book.generation {
                    at = target.nextAttempt
                } else if finishDeadline == nil && !book.open.isEmpty {
                    at = max(target.nextAttempt, (target.lastPost ?? .now) + resend)
                }
                if let at { due = min(due ?? at, at) }
            }
            return due
        }

        for await event in events {
            switch event {
            case .input:
                for offered in takeInbox() {
                    let dropped = book.apply(offered.alert, wallTime: offered.wallTime)
                    if dropped > 0 { metrics.alertmanagerDropped.increment(by: Int64(dropped)) }
                }
            case .reconfigure:
                let next = shared.current.alertmanager
                if next.caFile != startSettings.caFile {
                    logger.warning("SIGHUP: alertmanager.tls_ca_file changes on restart only; the other alertmanager keys apply now")
                }
                do { authorization = try next.authorization() } catch {
                    logger.error("alertmanager: keeping the previous credentials: \(error)")
                }
                if next.urls != settings.urls {
                    logger.info("Alertmanager URLs changed", metadata: ["alertmanager.urls": "\(next.urls.joined(separator: ","))"])
                }
                settings = next
                sync(settings.urls)
            case .posted(let url, let generation, let error):
                guard var target = targets[url] else { break }
                target.inFlight = false
                if let error {
                    failed(&target, error)
                } else {
                    metrics.alertmanagerPosts(url: url, success: true).increment()
                    if target.failures > 0 {
                        logger.notice("Alertmanager reachable again", metadata: [
                            "alertmanager.url": "\(url)", "failed_posts": "\(target.failures)",
                        ])
                    }
                    target.acked = max(target.acked, generation)
                    target.lastPost = .now
                    target.backoff = 0
                    target.failures = 0
                    target.suppressed = 0
                    target.lastFailureLog = nil
                    target.nextAttempt = .now
                }
                targets[url] = target
            case .wake:
                break
            case .finish(let deadline):
                finishDeadline = deadline
                // What was handed over before the stop is still delivered.
                for offered in takeInbox() {
                    let dropped = book.apply(offered.alert, wallTime: offered.wallTime)
                    if dropped > 0 { metrics.alertmanagerDropped.increment(by: Int64(dropped)) }
                }
            }
            book.collect(acked: acked())
            metrics.alertmanagerPending.set(Double(book.pending(acked: acked())))
            if let finishDeadline {
                let delivered = targets.values.allSatisfy { $0.acked >= book.generation }
                if delivered || ContinuousClock.now >= finishDeadline {
                    if !delivered {
                        logger.warning("stopping with alert states not delivered to every Alertmanager", metadata: [
                            "pending": "\(book.pending(acked: acked()))",
                        ])
                    }
                    break
                }
            }
            dispatch()
            timer?.cancel()
            timer = nil
            if let due = nextDue() {
                let continuation = self.continuation
                timer = Task {
                    guard (try? await Task.sleep(until: due, clock: .continuous)) != nil else { return }
                    continuation.yield(.wake)
                }
            }
        }
        timer?.cancel()
        continuation.finish()
        try? await client?.shutdown()
    }

    /// One POST of `body` to `<url>/api/v2/alerts`; nil on a 2xx answer, else what went wrong.
    static func post(client: HTTPClient, url: String, body: [UInt8], authorization: String?, timeout: Double) async -> String? {
        var request = HTTPClientRequest(url: AlertmanagerSettings.alertsURL(url))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "spikewatch")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        do {
            // The client's deadline ends with the response head; the body is read within
            // what is left of the timeout, and no more of it than a reason needs (a server
            // sending an endless or trickling body held the POST, and every alert behind
            // it, for as long as it kept sending).
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let answer = await Self.firstBytes(of: response.body, limit: 512, until: deadline)
            guard (200..<300).contains(Int(response.status.code)) else {
                return "HTTP \(response.status.code): \(answer.map { String($0.prefix(300)) } ?? "(the body did not come within the timeout)")"
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Up to `limit` bytes of a response body, or nil if they do not all come by
    /// `deadline` (the body is then abandoned, which cancels the request).
    static func firstBytes(of body: HTTPClientResponse.Body, limit: Int, until deadline: ContinuousClock.Instant) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                var answer = ByteBuffer()
                do {
                    for try await chunk in body {
                        var chunk = chunk
                        answer.writeBuffer(&chunk)
                        if answer.readableBytes >= limit { break }
                    }
                } catch {
                    return nil
                }
                return String(buffer: answer)
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
