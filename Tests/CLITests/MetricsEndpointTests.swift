import Foundation
import SpikewatchTestSupport
import Telemetry
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A raw HTTP/1.1 request that asks the server to close afterwards.
func rawRequest(_ method: String, _ path: String, extra: String = "") -> [UInt8] {
    Array("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\(extra)Connection: close\r\n\r\n".utf8)
}

/// A telemetry payload of cell `cell` with `seq` (ts a minute per seq).
func telemetrySample(_ cell: String, _ seq: Int, value: Int = 1) -> [UInt8] {
    let quoted = cell.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return Array(#"{"v":1,"cell":"\#(quoted)","ts":\#(1_793_923_200 + seq * 60),"seq":\#(seq),"metrics":{"m":\#(value)}}"#.utf8)
}

@Suite("The metrics endpoint: routes, bounds, per-cell, build and process metrics", .serialized)
struct MetricsEndpointTests {
    @Test("100 idle connections do not delay a scrape; idle ones are closed after the head timeout")
    func idleConnectionsDoNotStarve() throws {
        let run = try RunningDaemon()
        #expect(run.ready())
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<100 {
            if let fd = connectTCP(port: run.port) { idle.append(fd) }
        }
        #expect(idle.count == 100)
        let started = Date()
        let answer = try #require(httpExchange(port: run.port, rawRequest("GET", "/metrics"), timeout: 2))
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 2, "the scrape took \(elapsed) s")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        // Complete: as long as its Content-Length says, ending in a full line.
        #expect(answer.headers["content-length"] == String(answer.body.count))
        #expect(answer.text.hasSuffix("\n") && answer.text.contains("spikewatch_messages_received_total 0"))
        // Beyond the bound of 64, the connections that waited longest made room.
        let closed = metricValue(answer.text, #"spikewatch_metrics_connections_closed_total{reason="evicted_at_limit"}"#) ?? 0
        #expect(closed >= 36, "\(closed) evicted")

        // The head timeout (5 s) closes a connection that sends nothing, and one that
        // trickles its head a byte at a time.
        let survivor = try #require(idle.last)
        let trickler = try #require(connectTCP(port: run.port))
        defer { close(trickler) }
        let opening = Array("GET /metrics HTTP/1.1\r\nX-Slow: ".utf8)
        _ = opening.withUnsafeBytes { send(trickler, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let begun = Date()
        var idleClosed: Double?
        var trickleClosed: Double?
        var byte: UInt8 = 0x61
        while Date().timeIntervalSince(begun) < 8, idleClosed == nil || trickleClosed == nil {
            let now = Date().timeIntervalSince(begun)
            if idleClosed == nil, recv(survivor, &byte, 1, Int32(MSG_DONTWAIT)) == 0 { idleClosed = now }
            if trickleClosed == nil {
                byte = 0x61
                if send(trickler, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 || recv(trickler, &byte, 1, Int32(MSG_DONTWAIT)) == 0 {
                    trickleClosed = now
                }
            }
            usleep(200_000)
        }
        #expect(idleClosed != nil, "an idle connection stayed open")
        let trickled = try #require(trickleClosed, "a trickling connection stayed open")
        #expect(trickled > 4 && trickled < 7, "closed after \(trickled) s")
        #expect((run.metric(#"spikewatch_metrics_connections_closed_total{reason="head_timeout"}"#) ?? 0) >= 1)
        #expect(run.stop() == 0, "stderr: \(run.daemon.stderr)")
    }

    @Test("a client that sends thousands of requests and reads none is closed within seconds; its answers are not queued")
    func unreadAnswersNotQueued() throws {
        let run = try RunningDaemon()
        #expect(run.ready())
        let fd = try #require(connectTCP(port: run.port))
        defer { close(fd) }
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let requests = Array(String(repeating: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", count: 2000).utf8)
        var sent = 0
        let begun = Date()
        // Send what the socket takes without ever reading an answer.
        while sent < requests.count && Date().timeIntervalSince(begun) < 3 {
            let count = requests[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if count > 0 { sent += count } else { usleep(10_000) }
        }
        // Closed for not reading well before the 10 s answer timeout (before, each
        // pipelined request re-armed it, and every answer was queued in memory).
        var closed = 0.0
        while Date().timeIntervalSince(begun) < 8 {
            closed = run.metric(#"spikewatch_metrics_connections_closed_total{reason="answer_timeout"}"#) ?? 0
            if closed >= 1 { break }
            usleep(200_000)
        }
        #expect(closed >= 1, "the connection that reads nothing was not closed within 8 s")
        let answer = try #require(httpExchange(port: run.port, rawRequest("GET", "/metrics"), timeout: 2))
        #expect(answer.status == 200)
        #expect(run.stop() == 0, "stderr: \(run.daemon.stderr)")
    }

    @Test("HEAD has headers and no body; /healthz, 404, 405, keep-alive, an oversize head is refused with 431")
    func routes() throws {
        let run = try RunningDaemon()
        #expect(run.ready())
        // The start-up line names the metrics listener and the model.
        let startup = run.daemon.stderr.split(separator: "\n").first { $0.contains("spikewatch ready") }
        #expect(startup?.contains("metrics.listen=127.0.0.1:\(run.port)") == true, "\(startup ?? "no start-up line")")
        #expect(startup?.contains("model=none") == true, "\(startup ?? "no start-up line")")
        let get = try #require(httpExchange(port: run.port, rawRequest("GET", "/metrics")))
        let head = try #require(httpExchange(port: run.port, rawRequest("HEAD", "/metrics")))
        #expect(head.status == 200)
        #expect(head.body.isEmpty, "HEAD answered a body of \(head.body.count) bytes")
        #expect(head.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let length = try #require(head.headers["content-length"].flatMap(Int.init))
        // The exposition changes between scrapes (process figures), its size only a little.
        #expect(abs(length - get.body.count) < 512, "HEAD says \(length), GET sent \(get.body.count)")

        let health = try #require(httpExchange(port: run.port, rawRequest("GET", "/healthz")))
        #expect(health.status == 200)
        #expect(health.text == "ok\n")
        let healthHead = try #require(httpExchange(port: run.port, rawRequest("HEAD", "/healthz")))
        #expect(healthHead.status == 200 && healthHead.body.isEmpty && healthHead.headers["content-length"] == "3")

        let missing = try #require(httpExchange(port: run.port, rawRequest("GET", "/")))
        #expect(missing.status == 404)
        #expect(try #require(httpExchange(port: run.port, rawRequest("HEAD", "/nope"))).status == 404)
        let post = try #require(httpExchange(port: run.port, rawRequest("POST", "/metrics", extra: "Content-Length: 0\r\n")))
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")

        // Keep-alive: two pipelined requests on one connection, both answered in order.
        let twice = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8) + rawRequest("GET", "/metrics")
        guard let fd = connectTCP(port: run.port) else {
            Issue.record("cannot connect")
            return
        }
        var limit = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        _ = twice.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
        }
        close(fd)
        let first = try #require(parseHTTPAnswer(received))
        #expect(first.status == 200)
        #expect(String(decoding: first.body, as: UTF8.self).hasPrefix("ok\nHTTP/1.1 200 OK"))
        #expect(String(decoding: first.body, as: UTF8.self).contains("spikewatch_build_info"))

        // A request head over 8 KiB: 431, and the connection is closed.
        let big = rawRequest("GET", "/metrics", extra: "X-Padding: \(String(repeating: "a", count: 16 * 1024))\r\n")
        let refused = try #require(httpExchange(port: run.port, big))
        #expect(refused.status == 431)
        #expect(refused.headers["connection"] == "close")
        // Still serving afterwards, and counted.
        #expect((run.metric(#"spikewatch_metrics_connections_closed_total{reason="head_too_large"}"#) ?? 0) == 1)
        #expect(run.stop() == 0, "stderr: \(run.daemon.stderr)")
    }

    @Test("build_info and the process metrics are exported with plausible values")
    func buildAndProcess() throws {
        let run = try RunningDaemon()
        #expect(run.ready())
        let text = try #require(httpGet(port: run.port, path: "/metrics"))
        let build = text.split(separator: "\n").first { $0.hasPrefix("spikewatch_build_info{") }
        #expect(build?.contains(#"version="0.1.0""#) == true, "\(build ?? "none")")
        #expect(build?.contains(#"swift="6."#) == true, "\(build ?? "none")")
        #expect(build?.hasSuffix("} 1") == true)
        let now = Date().timeIntervalSince1970
        let start = try #require(metricValue(text, "process_start_time_seconds"))
        #expect(start <= now + 1 && start > now - 120, "start \(start), now \(now)")
        let open = try #require(metricValue(text, "process_open_fds"))
        let maximum = try #require(metricValue(text, "process_max_fds"))
        #expect(open >= 3 && open <= maximum)
        let resident = try #require(metricValue(text, "process_resident_memory_bytes"))
        let virtual = try #require(metricValue(text, "process_virtual_memory_bytes"))
        #expect(resident > 1_000_000 && virtual > resident)
        #expect(try #require(metricValue(text, "process_cpu_seconds_total")) >= 0)
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
        #expect(run.stop() == 0)
    }

    @Test("spikewatch_cell_last_score is the detector's score; spikewatch_cell_alert_open is 1 while an alert is open, 0 once cleared")
    func scoreAndAlertGauges() throws {
        // The in-process replay (the daemon's pipeline, deterministically) says each
        // sample's score and which sample raises the fixture's first alert; the daemon
        // gets the fixture in three parts: up to the first sample with a score above 0,
        // up to the raising sample, then the rest.
        let directory = temporaryDirectory()
        let replayed = directory.appendingPathComponent("alerts.jsonl").path
        let scores = directory.appendingPathComponent("scores.csv").path
        let fixture = repositoryRoot.appendingPathComponent("fixtures/small.jsonl").path
        let replay = try SpikewatchProcess.run(["replay", fixture, "--alerts", replayed, "--scores", scores])
        #expect(replay.status == 0, "\(replay.stderr)")
        let scoreRows = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Double($0.split(separator: ",", omittingEmptySubsequences: false).last ?? "") ?? 0 }
        #expect(scoreRows.count == fixtureLines.count)
        let scored = try #require(scoreRows.firstIndex { $0 > 0 })
        let first = try #require(
            try String(contentsOfFile: replayed, encoding: .utf8).split(separator: "\n")
                .compactMap { try? Alert(json: Array($0.utf8)) }.first { $0.state == .raised })
        var decoder = TelemetryDecoder()
        let samples = try fixtureLines.map { try decoder.decode($0) }
        let raising = try #require(samples.firstIndex { $0.cell == first.cell && $0.timestamp == first.timestamp })

        #expect(scored < raising)

        let run = try RunningDaemon()
        #expect(run.ready())
        for index in 0...scored { try run.peers.publish(fixtureLines[index], cell: samples[index].cell) }
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: Double(scored + 1)) == Double(scored + 1))
        let score = try #require(run.metric("spikewatch_cell_last_score{cell=\"\(samples[scored].cell)\"}"))
        // The CSV has six decimals.
        #expect(abs(score - scoreRows[scored]) < 1e-6, "gauge \(score), replay \(scoreRows[scored])")
        for index in (scored + 1)...raising { try run.peers.publish(fixtureLines[index], cell: samples[index].cell) }
        let open = "spikewatch_cell_alert_open{cell=\"\(first.cell)\"}"
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: Double(raising + 1)) == Double(raising + 1))
        let during = try #require(httpGet(port: run.port, path: "/metrics"))
        #expect(metricValue(during, open) == 1, "\(during)")
        let last = try #require(metricValue(during, "spikewatch_cell_last_score{cell=\"\(first.cell)\"}"))
        #expect(abs(last - scoreRows[raising]) < 1e-6)
        for index in (raising + 1)..<fixtureLines.count { try run.peers.publish(fixtureLines[index], cell: samples[index].cell) }
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: Double(fixtureLines.count)) == Double(fixtureLines.count))
        let after = try #require(httpGet(port: run.port, path: "/metrics"))
        // Every alert of the fixture is cleared by its end.
        #expect(metricValue(after, open) == 0)
        #expect(metricValue(after, "spikewatch_active_alerts") == 0)
        #expect(run.stop() == 0)
    }

    @Test("per-cell gauges: counts, scores, ages and alerts of the cells that sent telemetry; evicted cells disappear")
    func perCell() throws {
        let run = try RunningDaemon(config: "cells:\n  idle_eviction_s: 4\n")
        #expect(run.ready())
        for seq in 0..<5 { try run.peers.publish(telemetrySample("a", seq), cell: "a") }
        for seq in 0..<3 { try run.peers.publish(telemetrySample("b\"q", seq), cell: "b\"q") }
        // Two duplicates of cell a: rejections attributable to a.
        try run.peers.publish(telemetrySample("a", 4), cell: "a")
        try run.peers.publish(telemetrySample("a", 4), cell: "a")
        #expect(waitForMetric(port: run.port, "spikewatch_samples_processed_total", atLeast: 8, timeout: 10) == 8)
        #expect(waitForMetric(port: run.port, #"spikewatch_messages_rejected_total{reason="duplicate"}"#, atLeast: 2, timeout: 10) == 2)
        let text = try #require(httpGet(port: run.port, path: "/metrics"))
        // The processing histogram counts every message, processed or rejected.
        #expect(metricValue(text, "spikewatch_processing_seconds_count") == 10)
        #expect(metricValue(text, "spikewatch_messages_received_total") == 10)
        #expect(metricValue(text, #"spikewatch_cell_samples_total{cell="a"}"#) == 5)
        #expect(metricValue(text, #"spikewatch_cell_samples_total{cell="b\"q"}"#) == 3)
        #expect(metricValue(text, #"spikewatch_cell_rejections_total{cell="a"}"#) == 2)
        #expect(metricValue(text, #"spikewatch_cell_rejections_total{cell="b\"q"}"#) == 0)
        for cell in ["a", #"b\"q"#] {
            let score = try #require(metricValue(text, "spikewatch_cell_last_score{cell=\"\(cell)\"}"))
            #expect(score >= 0 && score <= 1)
            let age = try #require(metricValue(text, "spikewatch_cell_last_sample_age_seconds{cell=\"\(cell)\"}"))
            #expect(age >= 0 && age < 4, "age \(age)")
            #expect(metricValue(text, "spikewatch_cell_alert_open{cell=\"\(cell)\"}") == 0)
        }
        #expect(!text.contains(#"cell="c""#))
        // Silent for longer than cells.idle_eviction_s of telemetry time (another cell's
        // samples move the stream's time on): evicted, and gone from the exposition.
        let deadline = Date().addingTimeInterval(15)
        var after = text
        var seq = 10
        while Date() < deadline, after.contains("spikewatch_cell_") && after.contains(#"{cell="a"}"#) {
            if seq < 60 {
                try run.peers.publish(telemetrySample("z", seq), cell: "z")
                seq += 1
            }
            usleep(200_000)
            after = httpGet(port: run.port, path: "/metrics") ?? after
        }
        #expect(!after.contains(#"{cell="a"}"#), "cell a was not evicted")
        #expect(!after.contains(#"{cell="b\"q"}"#))
        #expect(metricValue(after, #"spikewatch_cells_evicted_total{reason="idle"}"#) == 2)
        #expect(after.contains("# TYPE spikewatch_cell_last_sample_age_seconds gauge"))
        #expect(run.stop() == 0)
    }
}
