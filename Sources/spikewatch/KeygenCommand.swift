import ArgumentParser
import Foundation
import ZeroMQ

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a CURVE key pair for the daemon, a publisher or a subscriber.",
        discussion: """
            Writes PREFIX.key (the secret key, Z85, mode 0600) and PREFIX.pub (the public \
            key). Give the daemon its .key as security.secret_key_file; give its .pub to \
            clients as the server key; list clients' .pub lines in the allow-list files.
            """)

    @Option(help: "Path prefix of the two files.")
    var out: String

    func run() throws {
        let pair = try CurveKeyPair.generate()
        let secretPath = out + ".key"
        let publicPath = out + ".pub"
        guard FileManager.default.createFile(atPath: secretPath, contents: Data((pair.secretKey.z85 + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600])
        else { throw CommandFailure("cannot write \(secretPath)") }
        try writeFile(publicPath, pair.publicKey.z85 + "\n")
        print("public key \(pair.publicKey.z85)\nwrote \(secretPath) (secret, keep it private) and \(publicPath)")
    }
}

/// CURVE options for a client of the daemon (`tail`, `replay --to`).
struct CurveClientOptions: ParsableArguments {
    @Option(help: "CURVE: the daemon's (server's) public key, Z85; turns encryption on.")
    var curveServerKey: String?

    @Option(help: "CURVE: this client's secret key file (from `spikewatch keygen`; default: a fresh key).")
    var curveSecretKeyFile: String?

    /// Makes `socket` a CURVE client if a server key was given.
    func apply(to socket: borrowing Socket) throws {
        guard let text = curveServerKey else {
            if curveSecretKeyFile != nil { throw ValidationError("--curve-secret-key-file needs --curve-server-key") }
            return
        }
        guard let serverKey = CurveKey(z85: text) else {
            throw ValidationError("--curve-server-key: not a 40-character Z85 key: \(text)")
        }
        var pair = try CurveKeyPair.generate()
        if let file = curveSecretKeyFile {
            guard let contents = FileManager.default.contents(atPath: file),
                let key = CurveKey(z85: String(decoding: contents, as: UTF8.self))
            else { throw ValidationError("--curve-secret-key-file: \(file) does not hold a Z85 key") }
            pair = try CurveKeyPair.derive(secretKey: key)
        }
        try socket.makeCurveClient(serverKey: serverKey, keyPair: pair)
    }
}
