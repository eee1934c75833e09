import Foundation
import Synchronization

/// A ZAP handler (ZeroMQ RFC 27) on its own thread: it answers the authentication
/// requests libzmq makes for CURVE connections on sockets of this context, allowing a
/// client only if its public key is on the allow-list of the socket's ZAP domain.
///
/// A domain with no list allows every client that completed the CURVE handshake (that
/// is, knew the server's public key); a domain with a list allows only those keys.
/// Requests for other mechanisms are refused.
public final class ZAPAuthenticator: Sendable {
    /// Allowed client public keys by ZAP domain; a `nil` entry allows any CURVE client.
    let allowLists: [String: Set<CurveKey>?]
    let context: Context
    let stopping = Atomic<Bool>(false)
    let stopped = Atomic<Bool>(false)
    let refusedCount = Atomic<Int>(0)
    let readiness = DispatchSemaphore(value: 0)
    let startError = Mutex<ZMQError?>(nil)

    /// The endpoint libzmq sends ZAP requests to.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Creates the handler; call ``start()`` before binding any CURVE server socket.
    public init(context: Context, allowLists: [String: Set<CurveKey>?]) {
        self.context = context
        self.allowLists = allowLists
    }

    /// Connections refused so far.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }

    /// Binds the ZAP endpoint and starts answering; throws if binding failed.
    public func start() throws(ZMQError) {
        let thread = Thread { [self] in serve() }
        thread.name = "spikewatch-zap"
        thread.start()
        readiness.wait()
        if let error = startError.withLock({ $0 }) { throw error }
    }

    /// Stops the thread (within 100 ms).
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        while !stopped.load(ordering: .acquiring) { usleep(1000) }
    }

    private func serve() {
        defer { stopped.store(true, ordering: .releasing) }
        let socket: Socket
        switch Result(catching: { () throws(ZMQError) -> Socket in
            let socket = try Socket(context, type: .router)
            try socket.setLinger(milliseconds: 0)
            try socket.bind(Self.endpoint)
            return socket
        }) {
        case .success(let made): socket = made
        case .failure(let error):
            startError.withLock { $0 = error }
            readiness.signal()
            return
        }
        readiness.signal()
        var items = [socket.pollItem()]
        while !stopping.load(ordering: .relaxed) {
            guard (try? poll(&items, timeoutMilliseconds: 100)) ?? 0 > 0 else { continue }
            while let frames = try? socket.receiveMultipart(dontWait: true) {
                // ROUTER: [peer][empty][version][request id][domain][address][identity][mechanism][credentials...]
                guard frames.count >= 8 else { continue }
                let peer = frames[0].bytes
                let version = frames[2].string
                let requestID = frames[3].bytes
                let domain = frames[4].string
                let mechanism = frames[7].string
                var allowed = false
                var reason = "unknown domain"
                if version != "1.0" {
                    reason = "unsupported ZAP version"
                } else if mechanism != "CURVE" {
                    reason = "only CURVE clients are accepted"
                } else if let entry = allowLists[domain] {
                    if let list = entry {
                        let key = frames.count > 8 ? CurveKey(bytes: frames[8].bytes) : nil
                        allowed = key.map { list.contains($0) } ?? false
                        reason = allowed ? "OK" : "client key not on the allow-list"
                    } else {
                        allowed = true
                        reason = "OK"
                    }
                }
                if !allowed { refusedCount.add(1, ordering: .relaxed) }
                let reply: [[UInt8]] = [
                    peer, [], Array("1.0".utf8), requestID, Array((allowed ? "200" : "400").utf8), Array(reason.utf8),
                    Array((allowed ? "client" : "").utf8), [],
                ]
                _ = try? socket.send(multipart: reply)
            }
        }
    }
}
