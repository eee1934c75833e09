import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The metrics endpoint: HTTP/1.1 on swift-nio, one event-loop thread, every client
/// served concurrently (README.md, "Metrics"). Routes: `GET`/`HEAD /metrics` (the text
/// exposition), `GET`/`HEAD /healthz` (the watchdog's verdict on the processing loops),
/// 404 for any other path, 405 for any other method.
///
/// Nobody who can reach the port can blind monitoring: connections are bounded (at the
/// bound the one that has waited longest for its request head makes room), so are the
/// bytes of a request head and the time to send it.
/// The exporter only formats (``exposition``); this only serves.
final class MetricsEndpoint: Sendable {
    /// Connections served at once. Scrapers need one or two; the bound keeps a flood of
    /// connections from costing unbounded descriptors and memory.
    static let maximumConnections = 64
    /// Bytes a client may send before its request head is complete (431 beyond it): a
    /// scrape's head is a few hundred bytes, and nothing else is read into memory.
    static let maximumHeadBytes = 8 * 1024
    /// Time from accepting a connection (or finishing the previous response on a
    /// kept-alive one) to a complete request head; a silent or trickling client is closed
    /// then, so it holds its slot for at most this long.
    static let headTimeout: TimeAmount = .seconds(5)
    /// Time from a complete request head to the end of its answer: a client that does
    /// not read what it asked for loses its slot then (Prometheus' default scrape
    /// timeout is 10 s, so a scraper that waits longer has given up anyway).
    static let answerTimeout: TimeAmount = .seconds(10)
    /// How long an answer may wait for a client that is not reading what it was sent
    /// (its earlier answers fill the socket): then the connection is closed, so clients
    /// that never read cannot hold the connection slots a scraper needs.
    static let unreadTimeout: TimeAmount = .seconds(2)
    /// Connections the kernel queues before they are accepted: accepting is cheap, and a
    /// burst of scrapers should not see refusals.
    static let backlog: Int32 = 256
    /// After refusing a request (431), how long the rest of what the client sent is read
    /// and dropped before the connection is closed: closing with unread bytes would reset
    /// the connection, and the client could lose the answer.
    static let refusalLinger: TimeAmount = .seconds(1)
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Ends a refused connection: no more output (the client sees the answer, then the
    /// end), what still arrives is dropped, and it is closed after ``refusalLinger`` at
    /// the latest (at once if the client closes first).
    static func closeAfterRefusal(_ channel: any Channel) {
        channel.close(mode: .output, promise: nil)
        channel.eventLoop.scheduleTask(in: refusalLinger) { channel.close(promise: nil) }
    }

    let host: String
    let port: UInt16
    /// The address bound, for the log (`127.0.0.1:9464`, `[::1]:9464`).
    let boundAddress: String
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    let connections: ConnectionTable

    /// Splits `HOST:PORT` (IPv6 as `[::1]:9464`).
    static func parse(_ text: String) -> (host: String, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port >= 1 else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty,
            host.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || [0x2D, 0x2E, 0x5F, 0x3A, 0x2A].contains($0)
            })
        else { return nil }
        return (host, port)
    }

    /// The address to bind: the first `getaddrinfo` answer for a passive socket (`*`: any).
    static func resolve(_ host: String, _ port: UInt16) throws -> SocketAddress {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host == "*" ? nil : host, String(port), &hints, &result) == 0, let info = result else {
            throw ConfigurationError("metrics.listen: cannot resolve \"\(host)\"")
        }
        defer { freeaddrinfo(result) }
        var name = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &name, socklen_t(name.count), nil, 0, NI_NUMERICHOST) == 0,
            let address = try? SocketAddress(
                ipAddress: String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: Int(port))
        else {
            throw ConfigurationError("metrics.listen: cannot resolve \"\(host)\"")
        }
        return address
    }

    /// Binds and listens; throws a message naming the address on failure.
    /// - Parameters:
    ///   - exposition: the text exposition, made at each scrape.
    ///   - stalled: the processing loops the watchdog's latest check found stalled.
    init(
        listen: String, metrics: DaemonMetrics, logger: Logger,
        exposition: @escaping @Sendable () -> [UInt8], stalled: @escaping @Sendable () -> [String]
    ) throws {
        guard let (host, port) = Self.parse(listen) else { throw ConfigurationError("metrics.listen: \"\(listen)\" is not HOST:PORT (port 1-65535)") }
        self.host = host
        self.port = port
        let address = try Self.resolve(host, port)
        let connections = ConnectionTable(metrics: metrics)
        self.connections = connections
        // One thread: a scrape is cheap, and the daemon's cores belong to detection.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let routes = MetricsRoutes(exposition: exposition, stalled: stalled)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Self.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard let id = connections.admit(channel) else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                }
                channel.closeFuture.whenComplete { _ in connections.remove(id) }
                return channel.eventLoop.makeCompletedFuture {
                    let state = ConnectionState(id: id)
                    let operations = channel.pipeline.syncOperations
                    try operations.addHandler(HeadGuard(state: state, connections: connections, metrics: metrics))
                    try operations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try operations.addHandler(MetricsHandler(state: state, connections: connections, metrics: metrics, routes: routes))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        do {
            channel = try bootstrap.bind(to: address).wait()
        } catch {
            try? group.syncShutdownGracefully()
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw ConfigurationError("metrics.listen: cannot listen on \(listen): \(reason)")
        }
        self.group = group
        let bound = channel.localAddress ?? address
        let ip = bound.ipAddress ?? host
        boundAddress = (ip.contains(":") ? "[\(ip)]" : ip) + ":\(bound.port ?? Int(port))"
        logger.info("serving metrics and /healthz", metadata: ["metrics.listen": "\(boundAddress)"])
    }

    /// Stops listening, closes every connection and ends the event-loop thread.
    func stop() async {
        try? await channel.close()
        for connection in connections.all() { try? await connection.close() }
        try? await group.shutdownGracefully()
    }
}

/// Why the endpoint closed a connection itself (`spikewatch_metrics_connections_closed_total{reason}`).
enum ConnectionCloseReason: String, CaseIterable, Sendable {
    /// Refused at the connection bound: every slot was serving a request.
    case refusedAtLimit = "refused_at_limit"
    /// Closed to make room at the connection bound: it had waited longest for a request head.
    case evictedAtLimit = "evicted_at_limit"
    /// No complete request head within the head timeout.
    case headTimeout = "head_timeout"
    /// The client did not take its answer within the answer timeout.
    case answerTimeout = "answer_timeout"
    /// A request head over the size bound (answered 431).
    case headTooLarge = "head_too_large"
}

/// The open connections, for the connection bound. Read and written on the endpoint's
/// event loop (accepts and closes) and at stop, so a lock is cheap and never contended
/// for long.
final class ConnectionTable: Sendable {
    struct Entry {
        let channel: any Channel
        /// When it began waiting for a request head, or nil while a request is served.
        var waitingSince: NIODeadline?
    }

    private let entries = Mutex<(next: Int, open: [Int: Entry])>((0, [:]))
    let metrics: DaemonMetrics

    init(metrics: DaemonMetrics) { self.metrics = metrics }

    /// Takes a new connection: its id, or nil when it must be refused. At the bound, the
    /// connection that has waited longest for its request head is closed to make room
    /// (idle connections cannot crowd a scraper out); if every one is mid-request, the
    /// new one is refused.
    func admit(_ channel: any Channel) -> Int? {
        let (id, evicted): (Int?, (any Channel)?) = entries.withLock { table in
            var evicted: (any Channel)?
            if table.open.count >= MetricsEndpoint.maximumConnections {
                let oldest = table.open.filter { $0.value.waitingSince != nil }.min { $0.value.waitingSince! < $1.value.waitingSince! }
                guard let oldest else { return (nil, nil) }
                table.open[oldest.key] = nil
                evicted = oldest.value.channel
            }
            let id = table.next
            table.next += 1
            table.open[id] = Entry(channel: channel, waitingSince: .now())
            return (id, evicted)
        }
        if let evicted {
            metrics.closedConnection(.evictedAtLimit)
            evicted.close(promise: nil)
        }
        if id == nil { metrics.closedConnection(.refusedAtLimit) }
        return id
    }

    func remove(_ id: Int) { entries.withLock { _ = $0.open.removeValue(forKey: id) } }

    /// The connection waits for a request head (true) or is serving one (false).
    func setWaiting(_ id: Int, _ waiting: Bool) {
        entries.withLock { table in
            table.open[id]?.waitingSince = waiting ? .now() : nil
        }
    }

    func all() -> [any Channel] { entries.withLock { $0.open.values.map(\.channel) } }
}

/// One connection's request-head state, shared by its two handlers (both run on the
/// connection's event loop, so no lock).
final class ConnectionState {
    let id: Int
    /// Waiting for a request head (not serving one).
    var awaitingHead = true
    /// Bytes received since the last request head was decoded.
    var bytesSinceHead = 0
    /// Closes the connection when the current phase (waiting for a head, answering)
    /// takes too long.
    var deadline: Scheduled<Void>?
    /// Answered 431 and closing: nothing more is read.
    var refused = false

    init(id: Int) { self.id = id }

    /// (Re)starts the timer of the current phase: `reason` is counted if it runs out.
    func arm(_ channel: any Channel, in timeout: TimeAmount, reason: ConnectionCloseReason, metrics: DaemonMetrics) {
        deadline?.cancel()
        deadline = channel.eventLoop.scheduleTask(in: timeout) {
            metrics.closedConnection(reason)
            channel.close(promise: nil)
        }
    }
}

/// First in the pipeline, on raw bytes: enforces the head size and head time bounds
/// before the HTTP decoder buffers anything.
final class HeadGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let state: ConnectionState
    let connections: ConnectionTable
    let metrics: DaemonMetrics

    init(state: ConnectionState, connections: ConnectionTable, metrics: DaemonMetrics) {
        self.state = state
        self.connections = connections
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        state.arm(context.channel, in: MetricsEndpoint.headTimeout, reason: .headTimeout, metrics: metrics)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        state.deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !state.refused else { return }
        state.bytesSinceHead += unwrapInboundIn(data).readableBytes
        context.fireChannelRead(data)
        // Still no head after more than the bound (a head decoded in this read reset it).
        if state.awaitingHead && state.bytesSinceHead > MetricsEndpoint.maximumHeadBytes && !state.refused {
            state.refused = true
            state.deadline?.cancel()
            metrics.closedConnection(.headTooLarge)
            let body = "request header fields too large (more than \(MetricsEndpoint.maximumHeadBytes) bytes)\n"
            let response = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            let channel = context.channel
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in
                MetricsEndpoint.closeAfterRefusal(channel)
            }
        }
    }
}

/// The routes, shared by every connection.
struct MetricsRoutes: Sendable {
    let exposition: @Sendable () -> [UInt8]
    let stalled: @Sendable () -> [String]

    /// Status, content type and body for a request.
    func respond(method: HTTPMethod, path: String) -> (HTTPResponseStatus, String, [UInt8], allow: Bool) {
        let plain = "text/plain; charset=utf-8"
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        guard route == "/metrics" || route == "/healthz" else {
            return (.notFound, plain, Array("not found: the routes are /metrics and /healthz\n".utf8), false)
        }
        guard method == .GET || method == .HEAD else {
            return (.methodNotAllowed, plain, Array("method not allowed: GET or HEAD\n".utf8), true)
        }
        if route == "/metrics" { return (.ok, MetricsEndpoint.metricsContentType, exposition(), false) }
        let stalled = stalled()
        if stalled.isEmpty { return (.ok, plain, Array("ok\n".utf8), false) }
        return (.serviceUnavailable, plain, Array("stalled: \(stalled.joined(separator: " "))\n".utf8), false)
    }
}

/// After the HTTP codec: answers each request and manages keep-alive and the head timer.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: ConnectionState
    let connections: ConnectionTable
    let metrics: DaemonMetrics
    let routes: MetricsRoutes
    var request: HTTPRequestHead?

    init(state: ConnectionState, connections: ConnectionTable, metrics: DaemonMetrics, routes: MetricsRoutes) {
        self.state = state
        self.connections = connections
        self.metrics = metrics
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            state.awaitingHead = false
            state.bytesSinceHead = 0
            state.arm(context.channel, in: MetricsEndpoint.answerTimeout, reason: .answerTimeout, metrics: metrics)
            connections.setWaiting(state.id, false)
            let size = head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if size > MetricsEndpoint.maximumHeadBytes {
                state.refused = true
                metrics.closedConnection(.headTooLarge)
                send(context, head: head, status: .init(statusCode: 431, reasonPhrase: "Request Header Fields Too Large"),
                     type: "text/plain; charset=utf-8",
                     body: Array("request header fields too large (more than \(MetricsEndpoint.maximumHeadBytes) bytes)\n".utf8),
                     allow: false, keepAlive: false, refusal: true)
                return
            }
            request = head
        case .body:
            break
        case .end:
            guard let head = request, !state.refused else { return }
            request = nil
            guard context.channel.isWritable else {
                // The client is not reading what it was sent: answer when it has (the
                // pipelining assistant holds its next requests meanwhile, and the answer
                // timer closes a connection that never reads). Without this, a client
                // sending thousands of requests without reading had every answer queued.
                waiting = head
                state.arm(context.channel, in: MetricsEndpoint.unreadTimeout, reason: .answerTimeout, metrics: metrics)
                return
            }
            answer(context, head)
        }
    }

    /// A request answered once the connection can take the answer (nil: none).
    var waiting: HTTPRequestHead?

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let head = waiting {
            waiting = nil
            answer(context, head)
        }
        context.fireChannelWritabilityChanged()
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let (status, type, body, allow) = routes.respond(method: head.method, path: head.uri)
        send(context, head: head, status: status, type: type, body: body, allow: allow, keepAlive: head.isKeepAlive)
    }

    private func send(
        _ context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, type: String, body: [UInt8],
        allow: Bool, keepAlive: Bool, refusal: Bool = false
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        if allow { headers.add(name: "Allow", value: "GET, HEAD") }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version.major == 1 && head.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let version = HTTPVersion(major: 1, minor: head.version.minor == 0 ? 0 : 1)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD && !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        if keepAlive {
            // The next request head is due within the head timeout (set before the end is
            // written: a pipelined request may be handed on while it is).
            state.awaitingHead = true
            connections.setWaiting(state.id, true)
            state.arm(channel, in: MetricsEndpoint.headTimeout, reason: .headTimeout, metrics: metrics)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            // The answer timer stays armed until the answer is written and the connection closed.
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if refusal { MetricsEndpoint.closeAfterRefusal(channel) } else { channel.close(promise: nil) }
            }
        }
    }
}
