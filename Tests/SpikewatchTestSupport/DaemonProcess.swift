public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `spikewatch run` as a child process, with stderr kept in a file and systemd's notify
/// socket stood in for by a ``NotifySocketListener`` whose datagrams are collected.
public final class DaemonProcess: Sendable {
    public let process: Process
    public let stderrPath: String
    public let notify: NotifySocketListener
    let mailbox = Mailbox()

    final class Mailbox: Sendable {
        let messages = Mutex<[String]>([])
        let listening = Atomic<Bool>(true)
    }

    /// Starts `spikewatch arguments...` with `NOTIFY_SOCKET` set.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        notify = try NotifySocketListener()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikewatch-daemon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stderrPath = directory.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = SpikewatchProcess.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env.removeValue(forKey: "JOURNAL_STREAM")
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        let thread = Thread { [notify, mailbox] in
            while mailbox.listening.load(ordering: .relaxed) {
                if let message = notify.receive(timeoutMilliseconds: 100) { mailbox.messages.withLock { $0.append(message) } }
            }
        }
        thread.start()
        try process.run()
    }

    deinit {
        mailbox.listening.store(false, ordering: .relaxed)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Every notify datagram so far.
    public var notifications: [String] { mailbox.messages.withLock { $0 } }

    /// Waits until a datagram satisfies `predicate`; returns it, or nil on timeout.
    public func waitForNotification(after index: Int = 0, timeout: Double = 15, _ predicate: (String) -> Bool) -> (String, Int)? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let all = notifications
            if let found = all.indices.first(where: { $0 >= index && predicate(all[$0]) }) { return (all[found], found) }
            usleep(20_000)
        }
        return nil
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit; its status, or nil on timeout.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    public var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }
}

/// A TCP port nothing listens on now (the kernel's choice).
public func freeTCPPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            _ = bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// `GET path` from 127.0.0.1:port; the body, or nil if nothing answered.
public func httpGet(port: UInt16, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        response += buffer[..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}

/// The value of a Prometheus sample line, e.g. `spikewatch_messages_rejected_total{reason="duplicate"}`.
public func metricValue(_ exposition: String, _ name: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.split(separator: " ").last ?? "")
    }
    return nil
}

/// A fresh private directory.
public func temporaryDirectory(_ prefix: String = "spikewatch-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A TCP connection to 127.0.0.1:port (its descriptor), or nil if it was refused.
public func connectTCP(port: UInt16) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// What an HTTP server answered: the status code, the headers (names in lower case) and
/// the body bytes exactly as received.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends `request` (raw bytes) to 127.0.0.1:port and reads until the server closes or
/// `timeout` seconds pass; nil if nothing parseable came back. The request should ask
/// for `Connection: close` (or be HTTP/1.0) so that the server ends the answer.
public func httpExchange(port: UInt16, _ request: [UInt8], timeout: Double = 5) -> HTTPAnswer? {
    guard let fd = connectTCP(port: port) else { return nil }
    defer { close(fd) }
    var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var sent = 0
    while sent < request.count {
        let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
        if count <= 0 { break }
        sent += count
    }
    var response = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        response += buffer[..<count]
    }
    return parseHTTPAnswer(response)
}

/// Splits a raw HTTP response into status, headers and body.
public func parseHTTPAnswer(_ response: [UInt8]) -> HTTPAnswer? {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else { return nil }
    let head = String(decoding: response[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = head[0].split(separator: " ")
    guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else { return nil }
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return HTTPAnswer(status: status, headers: headers, body: Array(response[(end + 4)...]))
}
