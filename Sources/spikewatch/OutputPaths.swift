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
