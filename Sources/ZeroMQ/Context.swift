internal import CZeroMQ

/// A ZeroMQ context: the owner of I/O threads and of every socket made from it.
///
/// libzmq documents a context as thread-safe, so one context is shared by all the
/// threads of a process; each socket still belongs to one thread at a time.
public final class Context: @unchecked Sendable {
    // @unchecked Sendable: the only state is the context handle, which libzmq declares
    // thread-safe (zmq_ctx_new(3): "a ØMQ context is thread safe"); it is set once in
    // init and released once in deinit.
    let handle: UnsafeMutableRawPointer

    /// Creates a context. The corresponding C function is `zmq_ctx_new`.
    /// - Parameter ioThreads: the number of libzmq I/O threads (`ZMQ_IO_THREADS`).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last }
        self.handle = handle
        if ioThreads != 1 {
            _ = try zmqCall { zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads)) }
        }
    }

    /// Wakes every blocking call on this context's sockets with `ETERM`.
    ///
    /// Used from the shutdown path to stop socket threads at once; they then close their
    /// sockets. The corresponding C function is `zmq_ctx_shutdown`.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // Blocks until every socket is closed; sockets hold a reference to the context,
        // so by the time this runs they all are.
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }

    /// The libzmq version in use, as (major, minor, patch).
    public static var libraryVersion: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq was built with a capability such as `"curve"` or `"ipc"`.
    /// The corresponding C function is `zmq_has`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}
