import Detection
import Foundation
@testable import SpikewatchDaemon
import Telemetry
import Testing

@Suite("The state directory: checkpoints written safely, one daemon at a time")
struct StateStoreTests {
    func directory() throws -> String {
        let path = NSTemporaryDirectory() + "spikewatch-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a symlink planted as the temporary file is not followed: its target is untouched")
    func temporarySymlink() throws {
        let root = try directory()
        let victim = root + "/victim.txt"
        try "precious".write(toFile: victim, atomically: true, encoding: .utf8)
        let store = StateStore(directory: root + "/state")
        try FileManager.default.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: store.temporaryPath, withDestinationPath: victim)
        try store.save(Checkpoint(tracker: SequenceTracker(), detector: SpikingDetector()))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        guard case .loaded = store.load() else {
            Issue.record("the checkpoint written is not readable")
            return
        }
    }

    @Test("a second claim on a directory is refused while the first holds it, and granted once it is released")
    func exclusive() throws {
        let store = StateStore(directory: try directory() + "/state")
        var first: StateLock? = try store.claim()
        #expect(first != nil)
        do {
            _ = try store.claim()
            Issue.record("two claims on one state directory")
        } catch {
            #expect(error.description.contains("is in use by another spikewatch"), "\(error)")
        }
        first = nil
        #expect(throws: Never.self) { _ = try store.claim() }
    }

    @Test("a regular file, or a path under one, is no state directory: said at once")
    func unusable() throws {
        let root = try directory()
        let file = root + "/afile"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(StateStore(directory: file).problem() == "state directory \(file) is not a directory")
        #expect(StateStore(directory: file + "/state").problem()?.contains("cannot be created") == true)
        #expect(StateStore(directory: root + "/new/state").problem() == nil)
        #expect(throws: StateStoreError.self) { _ = try StateStore(directory: file).claim() }
    }

    @Test("a directory where the checkpoint, its temporary file or the lock goes is said at once, by name")
    func directoryInPlaceOfAFile() throws {
        for name in ["state.json", "state.json.tmp", "state.lock"] {
            let root = try directory()
            #expect(StateStore(directory: root).problem() == nil)
            try FileManager.default.createDirectory(atPath: root + "/" + name + "/inside", withIntermediateDirectories: true)
            let problem = StateStore(directory: root).problem()
            #expect(problem == "\(root)/\(name) is a directory: spikewatch writes a file there; remove or rename it", "\(name): \(problem ?? "nil")")
            #expect(throws: StateStoreError.self) { _ = try StateStore(directory: root).claim() }
        }
    }
}
