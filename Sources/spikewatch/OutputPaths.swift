import ArgumentParser
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Refuses, before any work, an output that would destroy an input or another output:
/// an output that is the same file as an input (same device and inode, so links and
/// `./x` vs `x` count), two outputs naming one file, and an output that is a directory.
/// `nil` outputs are not given; `-` (stdin) inputs are skipped.
func refuseOverwrite(outputs: [(flag: String, path: String?)], inputs: [String]) throws {
    let given = outputs.compactMap { output in output.path.map { (flag: output.flag, path: $0) } }
    for output in given {
        if isDirectory(output.path) {
            throw ValidationError("\(output.flag): \(output.path) is a directory; give a file path")
        }
        guard let outputID = fileID(output.path) else { continue }
        for input in inputs where input != "-" && fileID(input) == outputID {
            throw ValidationError("\(output.flag): \(output.path) is the input \(input); writing it would destroy the input")
        }
    }
    for (index, first) in given.enumerated() {
        for second in given[(index + 1)...] where sameFile(first.path, second.path) {
            throw ValidationError("\(first.flag) and \(second.flag) name the same file \(first.path)")
        }
    }
}

/// Device and inode of an existing path (after symlinks), or nil.
private func fileID(_ path: String) -> [UInt64]? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return [UInt64(info.st_dev), UInt64(info.st_ino)]
}

/// Whether two paths name one file: the same inode, or the same resolved path.
private func sameFile(_ a: String, _ b: String) -> Bool {
    if let first = fileID(a), let second = fileID(b) { return first == second }
    return resolved(a) == resolved(b)
}

/// An absolute path with `.`, `..` and symlinks resolved as far as they exist.
private func resolved(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
}

private func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}

/// Why `path` cannot be written, in words (for errors where Foundation has only a code).
func writeFailureReason(_ path: String, _ error: any Error) -> String {
    if isDirectory(path) { return "it is a directory" }
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    if !isDirectory(parent) { return "no such directory \(parent)" }
    if !FileManager.default.isWritableFile(atPath: parent) { return "permission denied in \(parent)" }
    if FileManager.default.fileExists(atPath: path) && !FileManager.default.isWritableFile(atPath: path) {
        return "permission denied"
    }
    return error.localizedDescription
}

/// The file a write to `path` lands in: a symbolic link's target (followed through
/// every link, even to a file not there yet), or `path` itself. A file put in place by
/// renaming would otherwise replace the link with a regular file and leave its target
/// as it was.
func writeTarget(_ path: String) -> String {
    var current = path
    for _ in 0..<40 {  // the kernel's own limit on links followed (a loop stops here)
        var status = stat()
        guard lstat(current, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return current }
        var bytes = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let count = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { readlink(current, $0.baseAddress!, $0.count) }
        }
        guard count > 0 else { return current }
        let target = String(decoding: bytes[..<count], as: UTF8.self)
        current = target.hasPrefix("/")
            ? target : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(target).path
    }
    return current
}

/// The temporary file a signal must remove (one at a time: a command writes its files
/// one after another; a second file's replaces the first's here): the address of its path as a C string (0: none), which the handler passes to
/// unlink(2), an async-signal-safe call.
private let pendingTemporary = Atomic<Int>(0)

/// Removes the pending temporary file, then lets the signal do what it does by default.
private func removeTemporaryAndDie(_ signal: Int32) {
    if let path = UnsafeMutablePointer<CChar>(bitPattern: pendingTemporary.exchange(0, ordering: .acquiringAndReleasing)) {
        unlink(path)
    }
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}

/// A file written piece by piece and put in place at the end (a replay's scores, one row
/// per sample, however long the stream). A regular file, or a new one, is written to a
/// hidden temporary file beside it and renamed over it by ``commit()``: a reader never
/// sees half of it, and a run that fails, or is interrupted (SIGINT, SIGTERM, SIGHUP),
/// leaves the old file and no temporary one. The new file keeps the old one's
/// permissions, and a symbolic link is followed: its target is replaced, the link stays.
/// A path that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in
/// place.
final class StreamedFile {
    let path: String
    private let handle: FileHandle
    private let temporary: String?
    private let target: String
    /// The temporary path as the signal handler holds it (0: none).
    private var pending = 0
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        let target = writeTarget(path)
        self.target = target
        var status = stat()
        let exists = stat(target, &status) == 0
        if exists && (status.st_mode & S_IFMT) != S_IFREG && (status.st_mode & S_IFMT) != S_IFDIR {
            guard let handle = FileHandle(forWritingAtPath: target) else {
                throw CommandFailure("cannot write \(path): it cannot be opened for writing")
            }
            self.handle = handle
            temporary = nil
            return
        }
        let url = URL(fileURLWithPath: target)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary)
        else {
            throw CommandFailure("cannot write \(path): \(writeFailureReason(target, CocoaError(.fileWriteUnknown)))")
        }
        if exists { fchmod(handle.fileDescriptor, status.st_mode & 0o777) }  // never set-id bits on a file of ours
        self.handle = handle
        self.temporary = temporary
        buffer.reserveCapacity(1 << 16)
        pending = Int(bitPattern: strdup(temporary))
        free(UnsafeMutablePointer<CChar>(bitPattern: pendingTemporary.exchange(pending, ordering: .acquiringAndReleasing)))
        // Only where the signal would end the process anyway (its disposition the
        // default): a command that handles it (a publisher stopping gracefully) keeps
        // its own handling, and is never even briefly without it.
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            Glibc.signal(signal, removeTemporaryAndDie)
        }
    }

    deinit {
        try? handle.close()
        // Not committed: the temporary file goes.
        if let temporary, !committed {
            unlink(temporary)
            release()
        }
    }

    /// Put in place (its temporary name may be another's now).
    private var committed = false

    /// The temporary file is no longer the signal handler's to remove.
    private func release() {
        // (If a signal's handler took it, the process is ending: the path is not freed
        // under it.)
        if pendingTemporary.compareExchange(expected: pending, desired: 0, ordering: .acquiringAndReleasing).exchanged {
            free(UnsafeMutablePointer<CChar>(bitPattern: pending))
        }
        pending = 0
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func write(_ data: Data) throws {
        buffer.append(contentsOf: data)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw CommandFailure("cannot write \(path): \(writeFailureReason(path, error))")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left, makes it durable, and puts the file in place (a write that
    /// failed, even one that shows only at close, leaves the old file).
    func commit() throws {
        try flush()
        guard let temporary else {
            try? handle.close()
            return
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw CommandFailure("cannot write \(path): \(writeFailureReason(path, error))")
        }
        if rename(temporary, target) != 0 {
            let reason = String(cString: strerror(errno))
            throw CommandFailure("cannot write \(path): \(reason)")
        }
        committed = true
        release()
    }
}
