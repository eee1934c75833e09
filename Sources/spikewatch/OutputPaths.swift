import ArgumentParser
import Foundation

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

/// A file written piece by piece and put in place at the end (a replay's scores, one row
/// per sample, however long the stream). A regular file, or a new one, is written to a
/// hidden temporary file beside it and renamed over it by ``commit()``: a reader never
/// sees half of it, and a run that fails leaves the old file and no temporary one. A path
/// that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place.
final class StreamedFile {
    let path: String
    private let handle: FileHandle
    private let temporary: String?
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG && (status.st_mode & S_IFMT) != S_IFDIR {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CommandFailure("cannot write \(path): it cannot be opened for writing")
            }
            self.handle = handle
            temporary = nil
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary)
        else {
            throw CommandFailure("cannot write \(path): \(writeFailureReason(path, CocoaError(.fileWriteUnknown)))")
        }
        self.handle = handle
        self.temporary = temporary
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        // Not committed: the temporary file goes.
        try? handle.close()
        if let temporary { unlink(temporary) }
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
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

    /// Writes what is left and puts the file in place.
    func commit() throws {
        try flush()
        try? handle.close()
        if let temporary, rename(temporary, path) != 0 {
            throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
