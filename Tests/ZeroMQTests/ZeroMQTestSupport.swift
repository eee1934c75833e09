import Foundation
import ZeroMQ

/// A fresh `ipc://` endpoint in a private temporary directory.
func temporaryIPCEndpoint(_ name: String = "sock") -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("spikewatch-zmq-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return "ipc://" + directory.appendingPathComponent(name).path
}

/// Receives one multipart message, waiting at most `timeoutMilliseconds`.
func receive(_ socket: borrowing Socket, timeoutMilliseconds: Int = 2000) throws -> [String]? {
    var items = [socket.pollItem()]
    guard try poll(&items, timeoutMilliseconds: timeoutMilliseconds) > 0 else { return nil }
    return try socket.receiveMultipart(dontWait: true)?.map(\.string)
}

/// Waits out the slow-joiner window: publishes a probe until the subscriber sees one,
/// then drains any further probes. Returns whether the subscription became live.
func awaitSubscription(publisher: borrowing Socket, subscriber: borrowing Socket, topic: String) throws -> Bool {
    for _ in 0..<200 {
        try publisher.send(topic: topic, payload: Array("probe".utf8))
        if try receive(subscriber, timeoutMilliseconds: 20) != nil {
            while try receive(subscriber, timeoutMilliseconds: 20) != nil {}
            return true
        }
    }
    return false
}
