internal import CZeroMQ

/// An error reported by libzmq, carrying the value of `zmq_errno()`.
public struct ZMQError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` value libzmq reported.
    public let code: Int32

    /// Wraps a raw errno value.
    public init(code: Int32) { self.code = code }

    /// The error of the last failed libzmq call on this thread.
    static var last: ZMQError { ZMQError(code: zmq_errno()) }

    /// The message `zmq_strerror` gives for this code.
    public var description: String {
        guard let cString = zmq_strerror(code) else { return "zmq error \(code)" }
        return String(cString: cString) + " (errno \(code))"
    }

    /// `EAGAIN`: a non-blocking call would have blocked, or a timeout expired.
    public static let wouldBlock = ZMQError(code: EAGAIN)
    /// `EINTR`: a signal interrupted the call.
    public static let interrupted = ZMQError(code: EINTR)
    /// `ETERM`: the context was shut down; close the socket.
    public static let contextTerminated = ZMQError(code: ETERM)
    /// `EINVAL`: an invalid argument, such as a malformed endpoint.
    public static let invalidArgument = ZMQError(code: EINVAL)
    /// `EADDRINUSE`: the address to bind is taken.
    public static let addressInUse = ZMQError(code: EADDRINUSE)
    /// `EPROTONOSUPPORT`: the endpoint's transport is not supported.
    public static let protocolNotSupported = ZMQError(code: EPROTONOSUPPORT)
}

/// Runs a libzmq call that returns -1 on failure, retrying `EINTR` and throwing the rest.
///
/// Every raw call in this module goes through here, so errno handling lives in one place.
@inline(__always)
func zmqCall(_ body: () -> Int32) throws(ZMQError) -> Int32 {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = ZMQError.last
        if error == .interrupted { continue }
        throw error
    }
}
