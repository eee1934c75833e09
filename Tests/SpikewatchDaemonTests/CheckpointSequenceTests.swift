import Detection
import Foundation
import Telemetry
import Testing

@Suite("The checkpoint carries the publisher's alert seq")
struct CheckpointSequenceTests {
    @Test("written as alertSequence (format 3) and read back; a version 2 file (the earlier detector's) is refused with the reason")
    func sequence() throws {
        let checkpoint = Checkpoint(tracker: SequenceTracker(), detector: SpikingDetector(), alertSequence: 42)
        let text = String(decoding: try checkpoint.encoded(), as: UTF8.self)
        #expect(text.contains("\"alertSequence\":42"))
        #expect(text.contains("\"version\":3"))
        #expect(try Checkpoint.decode(Data(text.utf8)).alertSequence == 42)
        // A seq that could not go on increasing, or below zero, was not written by a daemon.
        for corrupted in ["9223372036854775807", "4611686018427387904", "-1"] {
            do {
                _ = try Checkpoint.decode(Data(text.replacingOccurrences(of: "\"alertSequence\":42", with: "\"alertSequence\":\(corrupted)").utf8))
                Issue.record("accepted alertSequence \(corrupted)")
            } catch {
                #expect(error.description.contains("corrupted checkpoint") && error.description.contains("alertSequence"), "\(error)")
            }
        }
        #expect(try Checkpoint.decode(Data(text.replacingOccurrences(of: "\"alertSequence\":42", with: "\"alertSequence\":4611686018427387903").utf8)).alertSequence == (1 << 62) - 1)
        // What a build before the publisher owned `seq` wrote.
        let versionTwo = text.replacingOccurrences(of: "\"alertSequence\":42,", with: "")
            .replacingOccurrences(of: "\"version\":3", with: "\"version\":2")
            .replacingOccurrences(of: "\"detector\":{", with: "\"detector\":{\"nextSequence\":17,")
        #expect(!versionTwo.contains("alertSequence"))
        do {
            _ = try Checkpoint.decode(Data(versionTwo.utf8))
            Issue.record("accepted a version 2 checkpoint")
        } catch {
            #expect(error.description.contains("earlier detector"), "\(error)")
        }
    }
}
