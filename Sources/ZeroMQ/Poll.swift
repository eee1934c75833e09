internal import CZeroMQ

/// The conditions a poll waits for.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// A message can be received (`ZMQ_POLLIN`).
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking (`ZMQ_POLLOUT`).
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// One entry of a ``poll(_:timeoutMilliseconds:)`` call: a socket or a plain file descriptor.
public struct PollItem {
    let socket: UnsafeMutableRawPointer?
    let fileDescriptor: Int32
    /// What to wait for.
    public var events: PollEvents
    /// What was ready when the poll returned.
    public internal(set) var ready: PollEvents = []

    init(socket: UnsafeMutableRawPointer?, fileDescriptor: Int32, events: PollEvents) {
        self.socket = socket
        self.fileDescriptor = fileDescriptor
        self.events = events
    }

    /// A poll entry for a plain file descriptor (a pipe, an eventfd, a signalfd).
    public static func fileDescriptor(_ fd: Int32, events: PollEvents = .readable) -> PollItem {
        PollItem(socket: nil, fileDescriptor: fd, events: events)
    }
}

/// Waits until one of `items` is ready or the timeout passes, and marks what is ready.
///
/// - Parameter timeoutMilliseconds: how long to wait; -1 waits for ever, 0 checks and returns.
/// - Returns: how many items are ready (0 on timeout).
/// - Throws: ``ZMQError/contextTerminated`` once the context is shut down.
/// The corresponding C function is `zmq_poll`; `EINTR` is retried.
@discardableResult
public func poll(_ items: inout [PollItem], timeoutMilliseconds: Int) throws(ZMQError) -> Int {
    var raw = items.map {
        zmq_pollitem_t(socket: $0.socket, fd: $0.fileDescriptor, events: $0.events.rawValue, revents: 0)
    }
    let count = try zmqCall { zmq_poll(&raw, Int32(raw.count), timeoutMilliseconds) }
    for index in items.indices {
        items[index].ready = PollEvents(rawValue: raw[index].revents)
    }
    return Int(count)
}
