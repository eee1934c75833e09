internal import CZeroMQ

/// Typed socket options. The corresponding C functions are `zmq_setsockopt` and
/// `zmq_getsockopt`; each property names its `ZMQ_*` option.
extension Socket {
    func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        _ = try zmqCall { zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) }
    }

    func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var value = value
        _ = try zmqCall { zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) }
    }

    func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        _ = try bytes.withUnsafeBytes { buffer in
            Result { () throws(ZMQError) in try zmqCall { zmq_setsockopt(handle, option, buffer.baseAddress, buffer.count) } }
        }.get()
    }

    func intOption(_ option: Int32) throws(ZMQError) -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        _ = try zmqCall { zmq_getsockopt(handle, option, &value, &size) }
        return value
    }

    /// Messages queued for sending before sends block or drop (`ZMQ_SNDHWM`; 0 = no limit).
    public func setSendHighWaterMark(_ messages: Int) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, Int32(clamping: messages))
    }

    /// Messages queued on receipt before the peer is pushed back (`ZMQ_RCVHWM`; 0 = no limit).
    public func setReceiveHighWaterMark(_ messages: Int) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, Int32(clamping: messages))
    }

    /// How long unsent messages are kept after close, in milliseconds (`ZMQ_LINGER`; -1 = forever).
    public func setLinger(milliseconds: Int) throws(ZMQError) {
        try setOption(ZMQ_LINGER, Int32(clamping: milliseconds))
    }

    /// How long a blocking receive waits before `EAGAIN` (`ZMQ_RCVTIMEO`; -1 = forever).
    public func setReceiveTimeout(milliseconds: Int) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, Int32(clamping: milliseconds))
    }

    /// How long a blocking send waits before `EAGAIN` (`ZMQ_SNDTIMEO`; -1 = forever).
    public func setSendTimeout(milliseconds: Int) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, Int32(clamping: milliseconds))
    }

    /// The largest inbound message accepted; larger ones drop the peer (`ZMQ_MAXMSGSIZE`; -1 = none).
    public func setMaximumMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, bytes)
    }

    /// Queue only to completed connections (`ZMQ_IMMEDIATE`).
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, Int32(on ? 1 : 0))
    }

    /// On an XPUB: refuse a send with `EAGAIN` instead of dropping it when a
    /// subscriber's queue is full (`ZMQ_XPUB_NODROP`).
    public func setNoDrop(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_XPUB_NODROP, Int32(on ? 1 : 0))
    }

    /// On an XPUB: pass every subscription message up, not only new ones (`ZMQ_XPUB_VERBOSE`).
    public func setVerbose(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_XPUB_VERBOSE, Int32(on ? 1 : 0))
    }

    /// Accept IPv6 as well as IPv4 on TCP endpoints (`ZMQ_IPV6`).
    public func setIPv6(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IPV6, Int32(on ? 1 : 0))
    }

    /// On a SUB: receive messages whose first frame starts with `prefix` (`ZMQ_SUBSCRIBE`).
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: Array(prefix.utf8))
    }

    /// On a SUB: drop a subscription made with ``subscribe(_:)`` (`ZMQ_UNSUBSCRIBE`).
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: Array(prefix.utf8))
    }

    /// ZMTP heartbeats: send a PING every `interval`, drop the peer when no traffic comes
    /// back within `timeout` (`ZMQ_HEARTBEAT_IVL`, `ZMQ_HEARTBEAT_TIMEOUT`, `ZMQ_HEARTBEAT_TTL`).
    public func setHeartbeat(intervalMilliseconds: Int, timeoutMilliseconds: Int, ttlMilliseconds: Int? = nil)
        throws(ZMQError)
    {
        try setOption(ZMQ_HEARTBEAT_IVL, Int32(clamping: intervalMilliseconds))
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, Int32(clamping: timeoutMilliseconds))
        if let ttlMilliseconds {
            try setOption(ZMQ_HEARTBEAT_TTL, Int32(clamping: ttlMilliseconds))
        }
    }

    /// How long to wait before reconnecting a dropped connection (`ZMQ_RECONNECT_IVL`).
    public func setReconnectInterval(milliseconds: Int) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL, Int32(clamping: milliseconds))
    }

    /// Make this socket a CURVE server holding `secretKey` (`ZMQ_CURVE_SERVER`, `ZMQ_CURVE_SECRETKEY`).
    public func makeCurveServer(secretKey: CurveKey) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, Int32(1))
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: secretKey.bytes)
    }

    /// Make this socket a CURVE client of the server whose public key is `serverKey`
    /// (`ZMQ_CURVE_SERVERKEY`, `ZMQ_CURVE_PUBLICKEY`, `ZMQ_CURVE_SECRETKEY`).
    public func makeCurveClient(serverKey: CurveKey, keyPair: CurveKeyPair) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: serverKey.bytes)
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: keyPair.publicKey.bytes)
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: keyPair.secretKey.bytes)
    }

    /// The ZAP domain this socket's connections are authenticated in (`ZMQ_ZAP_DOMAIN`).
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8))
    }

    /// Whether a receive left more frames of the current message (`ZMQ_RCVMORE`).
    public var hasMoreFrames: Bool {
        get throws(ZMQError) { try intOption(ZMQ_RCVMORE) != 0 }
    }

    /// The current send high-water mark (`ZMQ_SNDHWM`).
    public var sendHighWaterMark: Int {
        get throws(ZMQError) { Int(try intOption(ZMQ_SNDHWM)) }
    }
}
