internal import CZeroMQ

/// The ZeroMQ socket types this project uses.
public enum SocketType: Sendable, CaseIterable {
    case publisher, subscriber, extendedPublisher, extendedSubscriber
    case push, pull, dealer, router, pair

    var rawValue: Int32 {
        switch self {
        case .publisher: ZMQ_PUB
        case .subscriber: ZMQ_SUB
        case .extendedPublisher: ZMQ_XPUB
        case .extendedSubscriber: ZMQ_XSUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pair: ZMQ_PAIR
        }
    }
}

/// One ZeroMQ socket with exactly one owner; it is closed once, when the owner drops it.
///
/// - Important: libzmq sockets are not thread-safe. Create, use and drop a socket on one
///   thread; `Socket` is not `Sendable`, so the compiler keeps it there.
public struct Socket: ~Copyable {
    let handle: UnsafeMutableRawPointer
    /// Keeps the context alive (its `zmq_ctx_term` waits for this socket's close).
    let context: Context

    /// Creates a socket. The corresponding C function is `zmq_socket`.
    public init(_ context: Context, type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else { throw ZMQError.last }
        self.handle = handle
        self.context = context
    }

    deinit {
        zmq_close(handle)
    }

    /// Closes the socket now. The corresponding C function is `zmq_close`.
    public consuming func close() {}

    // MARK: Endpoints

    /// Binds to an endpoint such as `tcp://127.0.0.1:*` or `ipc:///tmp/x`.
    /// The corresponding C function is `zmq_bind`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        _ = try zmqCall { zmq_bind(handle, endpoint) }
    }

    /// Connects to an endpoint; the connection is made in the background.
    /// The corresponding C function is `zmq_connect`.
    public func connect(_ endpoint: String) throws(ZMQError) {
        _ = try zmqCall { zmq_connect(handle, endpoint) }
    }

    /// Stops listening on a bound endpoint. The corresponding C function is `zmq_unbind`.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        _ = try zmqCall { zmq_unbind(handle, endpoint) }
    }

    /// Drops a connection made with ``connect(_:)``. The corresponding C function is `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        _ = try zmqCall { zmq_disconnect(handle, endpoint) }
    }

    /// Binds or connects as ``Endpoint/action`` says.
    public func attach(_ endpoint: Endpoint) throws(ZMQError) {
        switch endpoint.action {
        case .bind: try bind(endpoint.address)
        case .connect: try connect(endpoint.address)
        }
    }

    /// The endpoint last bound, with a wildcard port resolved (`ZMQ_LAST_ENDPOINT`).
    public var lastEndpoint: String {
        get throws(ZMQError) {
            var buffer = [CChar](repeating: 0, count: 512)
            var size = buffer.count
            _ = try zmqCall { zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: Sending

    /// Sends one frame.
    /// - Parameters:
    ///   - bytes: the frame's bytes.
    ///   - more: more frames of this multipart message follow (`ZMQ_SNDMORE`).
    ///   - dontWait: fail with `EAGAIN` rather than block (`ZMQ_DONTWAIT`).
    /// - Returns: `false` when `dontWait` is set and the message could not be queued.
    /// The corresponding C function is `zmq_send`.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        do {
            _ = try zmqCall { zmq_send(handle, bytes.baseAddress, bytes.count, flags) }
            return true
        } catch .wouldBlock where dontWait {
            return false
        }
    }

    /// Sends one frame from an array of bytes.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(ZMQError) in try send(buffer, more: more, dontWait: dontWait) }
        }.get()
    }

    /// Sends one frame holding a string's UTF-8 bytes.
    @discardableResult
    public func send(_ string: String, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var string = string
        return try string.withUTF8 { buffer in
            Result { () throws(ZMQError) in try send(UnsafeRawBufferPointer(buffer), more: more, dontWait: dontWait) }
        }.get()
    }

    /// Sends a multipart message. ZeroMQ delivers all of its frames or none.
    /// - Returns: `false` when `dontWait` is set and the first frame could not be queued
    ///   (once the first frame is queued, the rest always are).
    @discardableResult
    public func send(multipart frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        for (index, frame) in frames.enumerated() {
            let queued = try send(frame, more: index < frames.count - 1, dontWait: dontWait)
            if !queued { return false }
        }
        return true
    }

    /// Sends a `[topic][payload]` message, the shape of every message in this project.
    @discardableResult
    public func send(topic: String, payload: [UInt8], dontWait: Bool = false) throws(ZMQError) -> Bool {
        guard try send(topic, more: true, dontWait: dontWait) else { return false }
        return try send(payload, dontWait: dontWait)
    }

    // MARK: Receiving

    /// Receives one frame.
    /// - Returns: `nil` when `dontWait` is set (or a receive timeout expired) and nothing
    ///   was waiting. The corresponding C function is `zmq_msg_recv`.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> Message? {
        let message = Message()
        do {
            _ = try zmqCall { zmq_msg_recv(message.pointer, handle, dontWait ? ZMQ_DONTWAIT : 0) }
            return message
        } catch .wouldBlock {
            return nil
        }
    }

    /// Receives every frame of one multipart message, or `nil` if none was waiting.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [Message]? {
        guard let first = try receive(dontWait: dontWait) else { return nil }
        var frames = [first]
        while frames[frames.count - 1].hasMore {
            // The remaining frames of a multipart message arrive atomically with the first.
            guard let next = try receive() else { break }
            frames.append(next)
        }
        return frames
    }

    // MARK: Polling

    /// A poll entry for this socket. Keep the socket alive while polling with it.
    public func pollItem(_ events: PollEvents = .readable) -> PollItem {
        PollItem(socket: handle, fileDescriptor: -1, events: events)
    }
}
