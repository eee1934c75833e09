import ArgumentParser
import Foundation
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a CURVE key pair for the daemon, a publisher or a subscriber.",
        discussion: """
            Writes PREFIX.key (the secret key, Z85, mode 0600) and PREFIX.pub (the public \
            key, mode 0644). An existing key pair is never overwritten without --force. \
            Give the daemon its .key as security.secret_key_file (under systemd: put it in \
            /etc/credstore as spikewatch.key and set credential:spikewatch.key); give its \
            .pub to clients as the server key; list clients' .pub lines in the allow-list \
            files.
            """)

    @Option(help: "Path prefix of the two files.")
    var out: String

    @Flag(help: "Replace an existing key pair (clients holding the old public key are then refused).")
    var force = false

    func run() throws {
        let secretPath = out + ".key"
        let publicPath = out + ".pub"
        if !force {
            for path in [secretPath, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("\(path) exists; not overwriting a key pair (clients trust its public half). Use --force to replace it")
            }
        }
        let directory = (secretPath as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !directory.isEmpty && !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw CommandFailure("cannot write \(secretPath): the directory \(directory) does not exist (create it first, e.g. install -d -m 0700 \(directory))")
        }
        let pair = try CurveKeyPair.generate()
        try writeKeyFile(secretPath, pair.secretKey.z85 + "\n", mode: 0o600)
        try writeKeyFile(publicPath, pair.publicKey.z85 + "\n", mode: 0o644)
        print("public key \(pair.publicKey.z85)\nwrote \(secretPath) (secret, mode 0600, keep it private) and \(publicPath) (mode 0644)")
    }

    /// Writes a key file with exactly `mode` (whatever the umask), replacing any old one
    /// only through a rename, so a reader never sees half a key.
    func writeKeyFile(_ path: String, _ text: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        var failure: Int32 = 0
        let bytes = Array(text.utf8)
        if bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) != bytes.count { failure = errno }
        if failure == 0 && fchmod(fd, mode) != 0 { failure = errno }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw CommandFailure("cannot write \(path): \(String(cString: strerror(failure)))")
        }
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
