import Foundation
import Synchronization
import Testing
import ZeroMQ

@Suite("ZeroMQ wrapper over the real libzmq")
struct ZeroMQTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test("PUB/SUB multipart round trip", arguments: ["ipc", "tcp"])
    func publishSubscribe(transport: String) throws {
        let publisher = try Socket(context, type: .publisher)
        if transport == "ipc" {
            try publisher.bind(temporaryIPCEndpoint())
        } else {
            try publisher.bind("tcp://127.0.0.1:*")  // a free port, chosen by the kernel
        }
        let endpoint = try publisher.lastEndpoint
        #expect(endpoint.hasPrefix(transport + "://"))
        let subscriber = try Socket(context, type: .subscriber)
        try subscriber.subscribe("telemetry.")
        try subscriber.connect(endpoint)
        #expect(try awaitSubscription(publisher: publisher, subscriber: subscriber, topic: "telemetry.probe"))

        try publisher.send(topic: "other.cell", payload: Array("ignored".utf8))
        let payload = #"{"v":1,"cell":"gnb-1/cell-1","ts":1.5,"seq":0,"metrics":{"a":1}}"#
        try publisher.send(topic: "telemetry.gnb-1/cell-1", payload: Array(payload.utf8))
        try publisher.send(multipart: [Array("telemetry.x".utf8), [], Array("three".utf8)])

        let first = try receive(subscriber)
        #expect(first == ["telemetry.gnb-1/cell-1", payload])
        let second = try receive(subscriber)
        #expect(second == ["telemetry.x", "", "three"])
        #expect(try receive(subscriber, timeoutMilliseconds: 50) == nil)
    }

    @Test("frames are read in place with their sizes and more-flags")
    func messageFrames() throws {
        let endpoint = "inproc://frames"
        let pull = try Socket(context, type: .pull)
        try pull.bind(endpoint)
        let push = try Socket(context, type: .push)
        try push.connect(endpoint)
        let big = [UInt8](repeating: 7, count: 100_000)
        try push.send(multipart: [Array("a".utf8), big])
        let frames = try #require(try pull.receiveMultipart())
        #expect(frames.count == 2)
        #expect(frames[0].hasMore)
        #expect(!frames[1].hasMore)
        #expect(frames[1].count == 100_000)
        #expect(frames[1].withUnsafeBytes { $0.allSatisfy { $0 == 7 } })
    }

    @Test("poll times out when nothing arrives and reports readiness when something does")
    func pollTimeout() throws {
        let pull = try Socket(context, type: .pull)
        let endpoint = temporaryIPCEndpoint()
        try pull.bind(endpoint)
        var items = [pull.pollItem()]
        let start = ContinuousClock.now
        #expect(try poll(&items, timeoutMilliseconds: 100) == 0)
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(90))
        #expect(items[0].ready.isEmpty)

        let push = try Socket(context, type: .push)
        try push.connect(endpoint)
        try push.send("x")
        #expect(try poll(&items, timeoutMilliseconds: 2000) == 1)
        #expect(items[0].ready.contains(.readable))
        #expect(try pull.receive(dontWait: true)?.string == "x")
        #expect(try pull.receive(dontWait: true) == nil)
    }

    @Test("a full send queue refuses non-blocking sends at the high-water mark")
    func highWaterMark() throws {
        let endpoint = temporaryIPCEndpoint()
        let pull = try Socket(context, type: .pull)
        try pull.setReceiveHighWaterMark(5)
        try pull.bind(endpoint)
        let push = try Socket(context, type: .push)
        try push.setSendHighWaterMark(5)
        #expect(try push.sendHighWaterMark == 5)
        try push.setLinger(milliseconds: 0)
        try push.connect(endpoint)
        // Wait until the connection is up so both queues count.
        try push.send("first")
        #expect(try receive(pull)?.first == "first")
        var accepted = 0
        for _ in 0..<10_000 {
            guard try push.send(Array("m".utf8), dontWait: true) else { break }
            accepted += 1
        }
        // Both pipes' queues (5 + 5, libzmq counts them loosely) plus what sits in
        // kernel and batching buffers: a few dozen at most, not the 10,000 offered.
        #expect(accepted >= 1)
        #expect(accepted <= 60)
        // Draining makes room again.
        var drained = 0
        while try receive(pull, timeoutMilliseconds: 200) != nil { drained += 1 }
        #expect(drained == accepted)
        #expect(try push.send(Array("again".utf8), dontWait: true))
    }

    @Test("an XPUB with NODROP refuses sends a slow subscriber cannot take, visibly")
    func xpubNoDrop() throws {
        let endpoint = temporaryIPCEndpoint()
        let xpub = try Socket(context, type: .extendedPublisher)
        try xpub.setNoDrop(true)
        try xpub.setSendHighWaterMark(10)
        try xpub.bind(endpoint)
        let subscriber = try Socket(context, type: .subscriber)
        try subscriber.setReceiveHighWaterMark(10)
        try subscriber.subscribe("alert.")
        try subscriber.connect(endpoint)
        // An XPUB receives the subscription itself: byte 1 then the prefix.
        let subscription = try #require(try receive(xpub))
        #expect(subscription.first?.utf8.first == 1)
        #expect(subscription.first?.dropFirst() == "alert.")
        var refused = 0
        for index in 0..<100_000 {
            if try !xpub.send(topic: "alert.major.c\(index)", payload: [1], dontWait: true) {
                refused += 1
                break
            }
        }
        #expect(refused == 1)
    }

    @Test("CURVE: a client with the server's key talks; one with a wrong key gets nothing")
    func curve() throws {
        #expect(Context.has("curve"))
        let serverKeys = try CurveKeyPair.generate()
        let endpoint = temporaryIPCEndpoint()
        let publisher = try Socket(context, type: .publisher)
        try publisher.makeCurveServer(secretKey: serverKeys.secretKey)
        try publisher.bind(endpoint)

        let good = try Socket(context, type: .subscriber)
        try good.makeCurveClient(serverKey: serverKeys.publicKey, keyPair: try CurveKeyPair.generate())
        try good.subscribe("")
        try good.connect(endpoint)

        let wrongServer = try CurveKeyPair.generate()
        let bad = try Socket(context, type: .subscriber)
        try bad.makeCurveClient(serverKey: wrongServer.publicKey, keyPair: try CurveKeyPair.generate())
        try bad.subscribe("")
        try bad.connect(endpoint)

        #expect(try awaitSubscription(publisher: publisher, subscriber: good, topic: "t"))
        for _ in 0..<20 {
            try publisher.send(topic: "secret", payload: Array("payload".utf8))
        }
        #expect(try receive(good)?.last == "payload")
        #expect(try receive(bad, timeoutMilliseconds: 300) == nil)
    }

    @Test("Z85 keys round-trip and a public key derives from its secret")
    func curveKeys() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.z85.count == 40)
        #expect(CurveKey(z85: pair.publicKey.z85) == pair.publicKey)
        #expect(CurveKey(z85: " \(pair.secretKey.z85)\n") == pair.secretKey)
        #expect(try CurveKeyPair.derive(secretKey: pair.secretKey) == pair)
        #expect(CurveKey(z85: "too short") == nil)
        #expect(CurveKey(bytes: [1, 2, 3]) == nil)
    }

    @Test("errors carry zmq_errno and its message")
    func errors() throws {
        let socket = try Socket(context, type: .publisher)
        #expect(throws: ZMQError.protocolNotSupported) { try socket.bind("nonsense://x") }
        #expect(throws: ZMQError.invalidArgument) { try socket.bind("tcp://") }
        let other = try Socket(context, type: .publisher)
        try other.bind("tcp://127.0.0.1:*")
        let taken = try other.lastEndpoint
        #expect(throws: ZMQError.addressInUse) { try socket.bind(taken) }
        #expect(ZMQError.addressInUse.description.contains("in use"))
    }

    @Test("context shutdown wakes a blocked poll with ETERM")
    func shutdownWakesPoller() throws {
        let context = try Context()
        let endpoint = temporaryIPCEndpoint()
        let outcome = PollOutcome()
        // A dedicated thread, as the daemon uses: not the cooperative pool, which other
        // tests may keep busy.
        let thread = Thread {
            do {
                let pull = try Socket(context, type: .pull)
                try pull.setLinger(milliseconds: 0)
                try pull.bind(endpoint)
                var items = [pull.pollItem()]
                outcome.polling.signal()
                _ = try poll(&items, timeoutMilliseconds: 20_000)
            } catch let error as ZMQError {
                outcome.error.withLock { $0 = error }
            } catch {}
            outcome.done.signal()
        }
        thread.start()
        #expect(outcome.polling.wait(timeout: .now() + 10) == .success)
        Thread.sleep(forTimeInterval: 0.05)
        let shutdownAt = ContinuousClock.now
        context.shutdown()
        #expect(outcome.done.wait(timeout: .now() + 10) == .success)
        #expect(ContinuousClock.now - shutdownAt < .seconds(2))
        #expect(outcome.error.withLock { $0 } == .contextTerminated)
    }
}

final class PollOutcome: Sendable {
    let polling = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let error = Mutex<ZMQError?>(nil)
}

@Suite("Endpoints in CZMQ notation")
struct EndpointTests {
    @Test func parsing() throws {
        #expect(try Endpoint(parsing: "@tcp://127.0.0.1:5557", defaultAction: .connect) == Endpoint(.bind, "tcp://127.0.0.1:5557"))
        #expect(try Endpoint(parsing: ">ipc:///run/x", defaultAction: .bind) == Endpoint(.connect, "ipc:///run/x"))
        #expect(try Endpoint(parsing: "tcp://h:1", defaultAction: .connect).action == .connect)
        #expect(try Endpoint(parsing: "tcp://h:1", defaultAction: .bind).description == "@tcp://h:1")
        #expect(try Endpoint.parseList(">tcp://a:1, tcp://b:2", defaultAction: .connect).count == 2)
        #expect(throws: EndpointError.self) { try Endpoint(parsing: "127.0.0.1:5556", defaultAction: .connect) }
        #expect(throws: EndpointError.self) { try Endpoint(parsing: "@tcp://", defaultAction: .connect) }
        #expect(throws: EndpointError.self) { try Endpoint.parseList(",", defaultAction: .connect) }
    }
}
