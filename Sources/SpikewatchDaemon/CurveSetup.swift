import Foundation
import ZeroMQ

/// CURVE for the daemon's two sockets (README, "Reliability and security"): this
/// daemon's key pair and the ZAP handler that checks clients against the allow-lists.
struct CurveSetup: Sendable {
    let keys: CurveKeyPair?
    let authenticator: ZAPAuthenticator?

    init(_ configuration: DaemonConfiguration, context: Context) throws {
        guard let secret = configuration.secretKeyFile else {
            keys = nil
            authenticator = nil
            return
        }
        keys = try DaemonConfiguration.readSecretKey(secret)
        authenticator = ZAPAuthenticator(context: context, allowLists: [
            "telemetry": try configuration.allowedPublishersFile.map { try DaemonConfiguration.readKeyList($0) },
            "alerts": try configuration.allowedSubscribersFile.map { try DaemonConfiguration.readKeyList($0) },
        ])
    }

    /// Sets a socket's CURVE role: server (it binds; clients checked by ZAP in `domain`)
    /// or client (it connects to a server whose public key is `serverKey`).
    func apply(_ socket: borrowing Socket, endpoints: [Endpoint], serverKey: CurveKey?, domain: String) throws(ZMQError) {
        guard let keys else { return }
        if endpoints.first?.action == .bind {
            try socket.setZAPDomain(domain)
            try socket.makeCurveServer(secretKey: keys.secretKey)
        } else if let serverKey {
            try socket.makeCurveClient(serverKey: serverKey, keyPair: keys)
        }
    }
}
