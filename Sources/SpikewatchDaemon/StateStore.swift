import Detection
import Foundation

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Learned state on disk: one checkpoint file, replaced atomically (write a temporary
/// file, fsync it, rename it over the old one, fsync the directory), so a crash or a
/// full disk at any moment leaves the previous checkpoint valid.
struct StateStore: Sendable {
    let directory: String
    var path: String { directory + "/state.json" }
    var temporaryPath: String { directory + "/state.json.tmp" }
    /// Where a checkpoint refused at the start is kept once a new one replaces it.
    var refusedPath: String { directory + "/state.json.refused" }
    var lockPath: String { directory + "/state.lock" }

    /// Why a stored checkpoint was not used.
    enum LoadOutcome {
        case none
        case loaded(Checkpoint)
        case refused(String)
    }

    /// Reads the checkpoint, if any. A corrupted or other-version file is refused with a
    /// message and left untouched until a good checkpoint replaces it.
    func load() -> LoadOutcome {
        guard FileManager.default.fileExists(atPath: path) else { return .none }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .refused("\(path): cannot be read (permissions?)")
        }
        do {
            return .loaded(try Checkpoint.decode(data))
        } catch {
            return .refused("\(path): \(error)")
        }
    }

    /// Writes a checkpoint atomically, streaming its pieces to the file.
    /// - Throws: ``StateStoreError`` naming the path and the system or encoding error.
    func save(_ checkpoint: Checkpoint) throws(StateStoreError) {
        try save { emit in try checkpoint.write(emit) }
    }

    /// Writes the bytes `produce` hands to its sink as the new checkpoint, atomically.
    func save(_ produce: ((Data) throws -> Void) throws -> Void) throws(StateStoreError) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StateStoreError("cannot create state directory \(directory): \(error.localizedDescription)")
            }
        }
        // A new file every time, never one already there: a symlink planted as the
        // temporary file would otherwise be followed and its target overwritten.
        unlink(temporaryPath)
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateStoreError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))") }
        var failure: String?
        /// Pieces are gathered to about 256 KiB per write(2).
        var pending = Data()
        func flush() throws {
            try pending.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw StateStoreError(String(cString: strerror(errno)))
                    }
                    offset += written
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        do {
            try produce { piece in
                pending.append(piece)
                if pending.count >= 256 * 1024 { try flush() }
            }
            try flush()
        } catch {
            failure = "\(error)"
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure {
            unlink(temporaryPath)
            throw StateStoreError("cannot write \(temporaryPath): \(failure); the previous checkpoint is kept")
        }
        guard rename(temporaryPath, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw StateStoreError("cannot replace \(path): \(message); the previous checkpoint is kept")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}

extension StateStore {
    /// Why the daemon could not keep its state here, or nil: the directory exists and is
    /// writable, or it can be created. Checked at start (and by `run --check`), so a
    /// directory that cannot be used is refused then, not found out at the stop with all
    /// that was learned.
    func problem() -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return "state directory \(directory) is not a directory" }
            guard access(directory, W_OK | X_OK) == 0 else {
                return "state directory \(directory) is not writable: \(String(cString: strerror(errno)))"
            }
            // The checkpoint, its temporary file and the lock are files this process
            // writes: a directory in their place would fail the first checkpoint at the
            // stop, with all that was learned.
            for file in [path, temporaryPath, lockPath] {
                var status = stat()
                if lstat(file, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
                    return "\(file) is a directory: spikewatch writes a file there; remove or rename it"
                }
            }
            return nil
        }
        // Not there yet: the nearest existing ancestor must let it be created.
        var ancestor = (directory as NSString).deletingLastPathComponent
        while !ancestor.isEmpty && !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if ancestor.isEmpty { ancestor = "." }
        guard FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory), isDirectory.boolValue,
            access(ancestor, W_OK | X_OK) == 0
        else { return "state directory \(directory) cannot be created (\(ancestor) is not a writable directory)" }
        return nil
    }

    /// Takes the directory for this process: creates it if needed and holds an exclusive
    /// lock on `state.lock` in it for as long as the returned lock lives. Two daemons on
    /// one directory would overwrite each other's checkpoints; the second is refused.
    func claim() throws(StateStoreError) -> StateLock {
        if let problem = problem() { throw StateStoreError(problem) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StateStoreError("cannot create state directory \(directory): \(error.localizedDescription)")
        }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateStoreError("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let message = String(cString: strerror(errno))
            close(fd)
            throw StateStoreError(
                busy
                    ? "state directory \(directory) is in use by another spikewatch (it holds \(lockPath)); two daemons would overwrite each other's checkpoints"
                    : "cannot lock \(lockPath): \(message)")
        }
        return StateLock(fd: fd)
    }
}

/// The exclusive lock on a state directory; released when this is released (or the
/// process ends, whatever the way).
final class StateLock: Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// Whether `path` is still the file this lock holds (not deleted with its directory,
    /// nor replaced): a lock on a deleted file keeps no other daemon out.
    func holds(_ path: String) -> Bool {
        var held = stat()
        var current = stat()
        guard fstat(fd, &held) == 0, lstat(path, &current) == 0 else { return false }
        return held.st_dev == current.st_dev && held.st_ino == current.st_ino
    }
}

/// A checkpoint that could not be written, or a state directory that cannot be used.
struct StateStoreError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
