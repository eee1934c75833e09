internal import CZeroMQ

/// A 32-byte CURVE key, read from or written as its 40-character Z85 text.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The raw 32 bytes.
    public let bytes: [UInt8]

    /// Decodes a 40-character Z85 key; `nil` if the text is not one.
    /// The corresponding C function is `zmq_z85_decode`.
    public init?(z85 text: String) {
        let text = text.trimmingWhitespace
        guard text.utf8.count == 40 else { return nil }
        var decoded = [UInt8](repeating: 0, count: 32)
        let ok = text.withCString { zmq_z85_decode(&decoded, $0) != nil }
        guard ok else { return nil }
        bytes = decoded
    }

    /// Wraps 32 raw bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// The key as Z85 text. The corresponding C function is `zmq_z85_encode`.
    public var z85: String {
        var text = [CChar](repeating: 0, count: 41)
        _ = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, 32) }
        return String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The Z85 text; secret keys print like public ones, so log only public keys.
    public var description: String { z85 }
}

/// A CURVE public/secret key pair.
public struct CurveKeyPair: Hashable, Sendable {
    /// The key peers are told.
    public let publicKey: CurveKey
    /// The key kept private.
    public let secretKey: CurveKey

    /// Pairs two keys.
    public init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Generates a fresh key pair. The corresponding C function is `zmq_curve_keypair`.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        _ = try zmqCall { zmq_curve_keypair(&publicText, &secretText) }
        let toString = { (text: [CChar]) in String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        // zmq_curve_keypair writes valid Z85, so decoding cannot fail.
        return CurveKeyPair(
            publicKey: CurveKey(z85: toString(publicText))!,
            secretKey: CurveKey(z85: toString(secretText))!
        )
    }

    /// Derives the public key of a secret key. The corresponding C function is `zmq_curve_public`.
    public static func derive(secretKey: CurveKey) throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        _ = try zmqCall { zmq_curve_public(&publicText, secretKey.z85) }
        let text = String(decoding: publicText.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return CurveKeyPair(publicKey: CurveKey(z85: text)!, secretKey: secretKey)
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return Substring(scalars[first...last])
    }
}
