import Foundation
import Synchronization

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The metrics endpoint: a minimal HTTP/1.0 server for `GET /metrics` on its own
/// thread, owning the listening socket. The exporter only formats
/// (``DaemonMetrics/exposition()``); this only serves.
final class MetricsEndpoint: Sendable {
    /// Connections the kernel queues while one request is served.
    static let backlog: Int32 = 16
    /// A client that sends no complete request within this is dropped.
    static let requestTimeoutSeconds = 2

    let host: String
    let port: UInt16
    let fd: Int32
    let metrics: DaemonMetrics
    let stopping = Atomic<Bool>(false)
    let wake: WakePipe

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

    /// Binds and listens; throws a message naming the address on failure.
    init(listen: String, metrics: DaemonMetrics) throws {
        guard let (host, port) = Self.parse(listen) else { throw ConfigurationError("metrics.listen: \"\(listen)\" is not HOST:PORT (port 1-65535)") }
        self.host = host
        self.port = port
        self.metrics = metrics
        wake = try WakePipe()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host == "*" ? nil : host, String(port), &hints, &result) == 0, let info = result else {
            throw ConfigurationError("metrics.listen: cannot resolve \"\(host)\"")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConfigurationError("metrics.listen: socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, Glibc.listen(fd, Self.backlog) == 0 else {
            let code = errno
            close(fd)
            throw ConfigurationError("metrics.listen: cannot listen on \(listen): \(String(cString: strerror(code)))")
        }
        self.fd = fd
    }

    /// Serves until ``stop()``.
    func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "spikewatch-metrics"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        wake.notify()
    }

    private func serve() {
        defer { close(fd) }
        // Sleeps until a client connects or ``stop()`` wakes it.
        var descriptors = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)]
        while !stopping.load(ordering: .relaxed) {
            guard poll(&descriptors, 2, -1) > 0, descriptors[0].revents & Int16(POLLIN) != 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: Self.requestTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8](repeating: 0, count: 4096)
        var length = 0
        while length < request.count {
            let count = request.withUnsafeMutableBytes { recv(client, $0.baseAddress! + length, $0.count - length, 0) }
            if count <= 0 { break }
            length += count
            if request[..<length].windowsContains([13, 10, 13, 10]) || request[..<length].windowsContains([10, 10]) { break }
        }
        let line = String(decoding: request[..<length].prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        var status = "200 OK"
        var body: [UInt8]
        var type = "text/plain; version=0.0.4; charset=utf-8"
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            body = metrics.exposition()
        } else if parts.count >= 2, parts[0] == "GET", parts[1] == "/" {
            type = "text/html; charset=utf-8"
            body = Array("<html><body><a href=\"/metrics\">metrics</a></body></html>\n".utf8)
        } else {
            status = parts.first == "GET" ? "404 Not Found" : "405 Method Not Allowed"
            body = Array("\(status)\n".utf8)
        }
        let header = "HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let response = Array(header.utf8) + body
        var sent = 0
        while sent < response.count {
            let count = response.withUnsafeBytes { send(client, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            sent += count
        }
    }
}

extension ArraySlice where Element == UInt8 {
    func windowsContains(_ needle: [UInt8]) -> Bool {
        guard count >= needle.count else { return false }
        var index = startIndex
        while index + needle.count <= endIndex {
            if self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
