import Foundation
import Testing
@testable import Telemetry

@Suite("Telemetry decoding: strict, with the contract's reason codes")
struct TelemetryDecoderTests {
    let good = #"{"v": 1, "cell": "gnb-0017/cell-2", "ts": 1764331200.25, "seq": 1042, "metrics": {"RRU.PrbTotDl": 63.5, "DRB.UEThpDl": 84210.0, "RRC.ConnMean": 37}}"#

    func reason(_ payload: String) -> RejectionReason? {
        var decoder = TelemetryDecoder()
        do {
            _ = try decoder.decode(payload)
            return nil
        } catch {
            return error.reason
        }
    }

    func reason(bytes: [UInt8]) -> RejectionReason? {
        var decoder = TelemetryDecoder()
        do {
            _ = try decoder.decode(bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("the documented example decodes with its values and metric names")
    func example() throws {
        var decoder = TelemetryDecoder()
        let sample = try decoder.decode(good)
        #expect(sample.cell == "gnb-0017/cell-2")
        #expect(sample.timestamp == 1764331200.25)
        #expect(sample.sequence == 1042)
        #expect(sample.metrics.map(\.value) == [63.5, 84210, 37])
        #expect(sample.metrics.map { decoder.metricNames.names[Int($0.id)] } == ["RRU.PrbTotDl", "DRB.UEThpDl", "RRC.ConnMean"])
        // A second message reuses the ids.
        let again = try decoder.decode(#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"RRC.ConnMean":1,"X":2}}"#)
        #expect(again.metrics[0].id == sample.metrics[2].id)
        #expect(decoder.metricNames.count == 4)
    }

    @Test("decoded samples round-trip through the encoder")
    func roundTrip() throws {
        var decoder = TelemetryDecoder()
        let sample = try decoder.decode(#"{"v":1,"cell":"a\"b\\c\u00e9","ts":0.001,"seq":9223372036854775807,"metrics":{"m\n":-1.5e-7,"n":1e21},"label":"congestion"}"#)
        #expect(sample.cell == "a\"b\\cé")
        #expect(sample.label == "congestion")
        let encoded = sample.json(names: decoder.metricNames)
        var second = TelemetryDecoder()
        let again = try second.decode(encoded)
        #expect(again.cell == sample.cell)
        #expect(again.timestamp == sample.timestamp)
        #expect(again.sequence == sample.sequence)
        #expect(again.metrics.map(\.value) == sample.metrics.map(\.value))
        #expect(again.label == "congestion")
    }

    @Test("numbers convert exactly, fast path and slow path alike", arguments: [
        "0", "-0", "1", "63.5", "84210.0", "1764331200.25", "0.1", "0.3", "123456789012345", "1234567890123456789",
        "3.141592653589793238462643", "1e-7", "2.5E+10", "9007199254740993", "1e22", "1e23", "4.9e-324", "1.7976931348623157e308",
        "0.000001", "100000000000000000000000",
    ])
    func numbers(literal: String) throws {
        var decoder = TelemetryDecoder()
        let sample = try decoder.decode(#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":\#(literal)}}"#)
        #expect(sample.metrics[0].value == Double(literal)!)
    }

    @Test("each rule rejects with its reason", arguments: [
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}", RejectionReason.invalidJSON),  // truncated
        ("not json", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":NaN,\"seq\":0,\"metrics\":{\"m\":1}}", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":Infinity}}", .invalidJSON),
        ("{\"v\":1,\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1,\"m\":2}}", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1},\"x\":{\"a\":1,\"a\":2}}", .invalidJSON),
        ("{\"v\":1,\"cell\":\"\\ud800\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}} x", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1,}}", .invalidJSON),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":01,\"seq\":0,\"metrics\":{\"m\":1}}", .invalidJSON),
        ("{\"v\":2,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .unsupportedVersion),
        ("{\"v\":2,\"ts\":1,\"seq\":0}", .unsupportedVersion),
        ("{\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .missingField),
        ("{\"v\":1,\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .missingField),
        ("{\"v\":1,\"cell\":\"c\",\"seq\":0,\"metrics\":{\"m\":1}}", .missingField),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"metrics\":{\"m\":1}}", .missingField),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0}", .missingField),
        ("{\"v\":1,\"cell\":5,\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":\"1\",\"seq\":0,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":0,\"seq\":0,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":-5,\"seq\":0,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":-1,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":1.5,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":9223372036854775808,\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":\"7\",\"metrics\":{\"m\":1}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":[1]}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":\"1\"}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":null}}", .badType),
        // `v` is checked first: anything but the number 1 is unsupported_version.
        ("{\"v\":\"1\",\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .unsupportedVersion),
        ("{\"v\":null,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .unsupportedVersion),
        ("{\"v\":[1],\"cell\":5,\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .unsupportedVersion),
        ("{\"v\":1e400,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}", .unsupportedVersion),
        ("{\"v\":1.0,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":\"x\"}}", .badType),
        ("[1,2]", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1e400,\"seq\":0,\"metrics\":{\"m\":1}}", .notFinite),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1e400}}", .notFinite),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":-1e400}}", .notFinite),
        // An ignored field is validated like the rest, numbers included.
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1},\"n\":1e400}", .notFinite),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1},\"n\":{\"a\":[1,-1e400]}}", .notFinite),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{}}", .noMetrics),
        // Precedence: the earliest applicable reason wins.
        ("{\"v\":2,\"cell\":5,\"ts\":1e400,\"seq\":0,\"metrics\":{}}", .unsupportedVersion),
        ("{\"cell\":5,\"ts\":1e400,\"seq\":0,\"metrics\":{}}", .missingField),
        ("{\"v\":1,\"cell\":5,\"ts\":1e400,\"seq\":0,\"metrics\":{}}", .badType),
        ("{\"v\":1,\"cell\":\"c\",\"ts\":1e400,\"seq\":0,\"metrics\":{}}", .notFinite),
        ("{\"v\":2,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}", .invalidJSON),
    ])
    func rejections(payload: String, expected: RejectionReason) {
        #expect(reason(payload) == expected, "\(payload)")
    }

    @Test("byte-level hostility: BOM, invalid UTF-8, control characters, deep nesting, empty")
    func bytes() {
        let body = Array(good.utf8)
        #expect(reason(bytes: [0xEF, 0xBB, 0xBF] + body) == .invalidJSON)
        var invalid = body
        invalid.replaceSubrange(17..<18, with: [0xC3, 0x28])  // inside the cell id
        #expect(reason(bytes: invalid) == .invalidJSON)
        #expect(reason(bytes: Array(#"{"v":1,"cell":"a"#.utf8) + [0xFF] + Array(#"","ts":1,"seq":0,"metrics":{"m":1}}"#.utf8)) == .invalidJSON)
        #expect(reason("{\"v\":1,\"cell\":\"a\tb\",\"ts\":1,\"seq\":0,\"metrics\":{\"m\":1}}") == .invalidJSON)
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(reason(#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":1},"x":\#(deep)}"#) == .invalidJSON)
        #expect(reason(bytes: []) == .invalidJSON)
        #expect(reason("   ") == .invalidJSON)
        // 128 bytes of cell id is fine, 129 is not.
        #expect(reason(#"{"v":1,"cell":"\#(String(repeating: "x", count: 128))","ts":1,"seq":0,"metrics":{"m":1}}"#) == nil)
        #expect(reason(#"{"v":1,"cell":"\#(String(repeating: "x", count: 129))","ts":1,"seq":0,"metrics":{"m":1}}"#) == .badType)
    }

    @Test("unknown fields are ignored, nested ones too; integral exponent seq is accepted")
    func forwardCompatible() throws {
        var decoder = TelemetryDecoder()
        let sample = try decoder.decode(#"{"extra":{"a":[1,{"b":null}],"c":"d"},"v":1.0,"cell":"c","ts":1,"seq":1e3,"metrics":{"m":1},"label":null,"more":true}"#)
        #expect(sample.sequence == 1000)
        #expect(sample.label == nil)
    }

    @Test("a decoder stays usable after any rejection")
    func recovers() throws {
        var decoder = TelemetryDecoder()
        #expect(throws: Rejection.self) { try decoder.decode(#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":1,"m":2}}"#) }
        let sample = try decoder.decode(#"{"v":1,"cell":"c","ts":1,"seq":0,"metrics":{"m":1,"n":2}}"#)
        #expect(sample.metrics.count == 2)
    }
}

@Suite("Per-cell sequence checks")
struct SequenceTrackerTests {
    @Test("duplicates, restarts, gaps and time going backwards")
    func rules() throws {
        var tracker = SequenceTracker(maximumCells: 2, idleEviction: 100)
        #expect(try tracker.admit(cell: "a", sequence: 5, timestamp: 10).admission.isNewCell)
        #expect(throws: Rejection(.duplicate, "cell \"a\" seq 5 was already received")) {
            try tracker.admit(cell: "a", sequence: 5, timestamp: 11)
        }
        #expect(try tracker.admit(cell: "a", sequence: 9, timestamp: 11).admission.gap == 3)
        #expect(try tracker.admit(cell: "a", sequence: 0, timestamp: 12).admission.publisherRestarted)
        do {
            _ = try tracker.admit(cell: "a", sequence: 1, timestamp: 11.5)
            Issue.record("accepted a sample from the past")
        } catch {
            #expect(error.reason == .timeBackwards)
        }
        // The same ts again under a new seq is the same sample sent twice.
        #expect(throws: Rejection(.duplicate, "cell \"a\" ts 12.0 was already received")) {
            try tracker.admit(cell: "a", sequence: 1, timestamp: 12)
        }
        #expect(try tracker.admit(cell: "a", sequence: 1, timestamp: 12.5).admission.gap == 0)
        _ = try tracker.admit(cell: "b", sequence: 0, timestamp: 12)
        do {
            _ = try tracker.admit(cell: "c", sequence: 0, timestamp: 13)
            Issue.record("accepted a cell over the cap")
        } catch {
            #expect(error.reason == .tooManyCells)
        }
        // One sample of "a" far ahead does not make "b" idle: the stream's clock is the
        // median of recent times. Once the stream as a whole has moved on, "b" goes.
        _ = try tracker.admit(cell: "a", sequence: 2, timestamp: 200)
        #expect(throws: Rejection.self) { try tracker.admit(cell: "c", sequence: 0, timestamp: 201) }
        var evicted: [String] = []
        for step in 1...20 { evicted += try tracker.admit(cell: "a", sequence: Int64(3 + step), timestamp: 200 + Double(step)).evicted }
        let result = try tracker.admit(cell: "c", sequence: 0, timestamp: 230)
        #expect(result.admission.isNewCell)
        #expect(evicted + result.evicted == ["b"])
        #expect(tracker.cells["b"] == nil)
    }

    @Test("the last sample again with its ts nudged (+1 µs, +1 s) is a duplicate; a cell set to report faster is followed")
    func repeats() throws {
        var tracker = SequenceTracker(maximumCells: 10, idleEviction: 86_400)
        var sequence: Int64 = 0
        func admit(_ time: Double) throws(Rejection) {
            defer { sequence += 1 }
            _ = try tracker.admit(cell: "a", sequence: sequence, timestamp: time)
        }
        // The first repeat cannot be told (nothing known of the cell's period); of the
        // first two intervals the shorter is under 5% of the longer, so the longer is the
        // period and the next repeat is refused.
        try admit(1_000_000)
        try admit(1_000_000.000001)
        try admit(1_000_060)
        #expect(tracker.cells["a"].map { abs($0.spacing - 60) < 0.001 } == true)
        #expect(throws: Rejection(.duplicate, "cell \"a\" ts 1000061.0 is 1 s after its last ts 1000060.0, and the cell reports every 60 s: the last sample again")) {
            try admit(1_000_061)
        }
        do {
            try admit(1_000_060.000001)
            Issue.record("accepted a repeat 1 µs later")
        } catch {
            #expect(error.reason == .duplicate)
        }
        // A repeat does not move the cell: the next sample is judged against the original.
        try admit(1_000_120)
        // Jitter and a reporting gap are no repeats, and a gap does not make the next
        // samples look like repeats.
        try admit(1_000_175)
        try admit(1_000_240)
        try admit(1_003_840)
        for minute in 1...5 { try admit(1_003_840 + Double(minute) * 60) }
        #expect(tracker.cells["a"].map { abs($0.spacing - 60) < 20 } == true)
        // Set to report every second: a few samples are refused while the period follows,
        // then every one is accepted.
        var refused = 0
        var acceptedLast10 = 0
        for second in 1...200 {
            do {
                try admit(1_004_140 + Double(second))
                if second > 190 { acceptedLast10 += 1 }
            } catch {
                #expect(error.reason == .duplicate)
                refused += 1
            }
        }
        #expect(refused > 0 && refused < 20, "refused \(refused)")
        #expect(acceptedLast10 == 10)
        #expect(tracker.cells["a"]?.spacing == 1)
        // A checkpoint keeps the period: after a restore the next repeat is refused at once.
        var restored = try JSONDecoder().decode(SequenceTracker.self, from: JSONEncoder().encode(tracker))
        #expect(restored.cells["a"]?.spacing == 1)
        #expect(throws: Rejection.self) { try restored.admit(cell: "a", sequence: sequence, timestamp: 1_004_340.01) }
        // A gap of ten minutes among a new cell's first two intervals is not its period.
        _ = try restored.admit(cell: "b", sequence: 0, timestamp: 2_000_000)
        _ = try restored.admit(cell: "b", sequence: 1, timestamp: 2_000_060)
        _ = try restored.admit(cell: "b", sequence: 2, timestamp: 2_000_660)
        #expect(restored.cells["b"]?.spacing == 60)
        // A damaged checkpoint's spacing beyond the longest jump judges nothing.
        let damaged = String(decoding: try JSONEncoder().encode(restored), as: UTF8.self)
            .replacingOccurrences(of: "\"spacing\":60", with: "\"spacing\":86400")
        var relearning = try JSONDecoder().decode(SequenceTracker.self, from: Data(damaged.utf8))
        #expect(relearning.cells["b"]?.spacing == 86400)
        for minute in 1...5 { _ = try relearning.admit(cell: "b", sequence: Int64(2 + minute), timestamp: 2_000_660 + Double(minute) * 60) }
        #expect(relearning.cells["b"]?.spacing == 60)
    }

    @Test("seq at the top of its range: a jump no loss explains is a renumbering (a restart), not 2^63 lost messages; real gaps count")
    func extremeSequence() throws {
        var tracker = SequenceTracker()
        _ = try tracker.admit(cell: "a", sequence: 0, timestamp: 10)
        let top = try tracker.admit(cell: "a", sequence: .max, timestamp: 11).admission
        #expect(top.gap == 0 && top.publisherRestarted)
        #expect(try tracker.admit(cell: "a", sequence: 1, timestamp: 12).admission.publisherRestarted)
        // Once the period is known (60 s), a gap the time could hold counts, one far beyond it does not.
        for step in 2...5 { _ = try tracker.admit(cell: "a", sequence: Int64(step), timestamp: 12 + Double(step - 1) * 60) }
        #expect(try tracker.admit(cell: "a", sequence: 15, timestamp: 252 + 600).admission.gap == 9)
        let far = try tracker.admit(cell: "a", sequence: 15 + 50_000, timestamp: 852 + 60).admission
        #expect(far.gap == 0 && far.publisherRestarted)
    }

    @Test("a ts in milliseconds or microseconds is implausible_time; the cell goes on, no other cell notices")
    func epochUnits() throws {
        var tracker = SequenceTracker(maximumCells: 10, idleEviction: 86_400)
        for (index, cell) in ["a", "b", "c"].enumerated() {
            _ = try tracker.admit(cell: cell, sequence: 0, timestamp: 1_793_923_200 + Double(index))
        }
        for bad in [1_764_400_000_000.0, 1_793_923_200_000_000.0, 1e308, 1e11] {
            #expect(throws: Rejection.self) {
                try tracker.admit(cell: "a", sequence: 1, timestamp: bad)
            }
            do {
                _ = try tracker.admit(cell: "new", sequence: 0, timestamp: bad)
                Issue.record("a new cell was admitted at ts \(bad)")
            } catch {
                #expect(error.reason == .implausibleTime)
            }
        }
        #expect(tracker.cells["new"] == nil)
        // The sender's cell goes on, and nothing was evicted.
        let next = try tracker.admit(cell: "a", sequence: 1, timestamp: 1_793_923_260)
        #expect(next.evicted.isEmpty)
        #expect(tracker.cells.count == 3)
        #expect(tracker.cells["a"]?.lastTimestamp == 1_793_923_260)
        #expect(tracker.latestTimestamp == 1_793_923_260)
    }

    @Test("a ts far ahead of the cell's history needs the next sample to confirm it")
    func timeJumps() throws {
        var tracker = SequenceTracker()
        _ = try tracker.admit(cell: "a", sequence: 0, timestamp: 1_000_000)
        // One outlier five days ahead: refused, and the cell's next good sample is taken.
        do {
            _ = try tracker.admit(cell: "a", sequence: 1, timestamp: 1_000_000 + 5 * 86_400)
            Issue.record("a jump of five days was accepted on one sample")
        } catch {
            #expect(error.reason == .implausibleTime)
        }
        _ = try tracker.admit(cell: "a", sequence: 2, timestamp: 1_000_060)
        #expect(tracker.cells["a"]?.lastTimestamp == 1_000_060)
        // A real jump (the cell was off for two days): the second sample confirms it.
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 3, timestamp: 1_200_000) }
        _ = try tracker.admit(cell: "a", sequence: 4, timestamp: 1_200_060)
        #expect(tracker.cells["a"]?.lastTimestamp == 1_200_060)
        // A gap within the limit is an ordinary reporting gap.
        _ = try tracker.admit(cell: "a", sequence: 5, timestamp: 1_200_060 + 3000)
        // Precedence: implausible_time before duplicate.
        do {
            _ = try tracker.admit(cell: "a", sequence: 5, timestamp: 1e12)
        } catch {
            #expect(error.reason == .implausibleTime)
        }
    }

    @Test("a cell pushed ahead by two wrong samples comes back: a jump back that the next sample confirms restarts the cell")
    func jumpBack() throws {
        var tracker = SequenceTracker()
        _ = try tracker.admit(cell: "a", sequence: 0, timestamp: 1_000_000)
        _ = try tracker.admit(cell: "b", sequence: 0, timestamp: 1_000_000)
        // Two samples 80,000 s ahead: the second confirms the first (the documented rule).
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 1, timestamp: 1_080_000) }
        #expect(try tracker.admit(cell: "a", sequence: 2, timestamp: 1_080_060).admission.clockReset == false)
        // The good samples again: the first is refused, the second confirms it and the
        // cell starts afresh from it.
        do {
            _ = try tracker.admit(cell: "a", sequence: 3, timestamp: 1_000_060)
            Issue.record("a sample 80,000 s back was accepted on its own")
        } catch {
            #expect(error.reason == .timeBackwards)
            #expect(error.detail.contains("restarts from it once its next sample confirms it"), "\(error.detail)")
        }
        let back = try tracker.admit(cell: "a", sequence: 4, timestamp: 1_000_120)
        #expect(back.admission.clockReset)
        #expect(back.admission.gap == 0)
        #expect(tracker.cells["a"]?.lastTimestamp == 1_000_120)
        #expect(tracker.latestTimestamp == 1_000_120)
        #expect(try tracker.admit(cell: "a", sequence: 5, timestamp: 1_000_180).admission.clockReset == false)
        // One late sample far back is refused and changes nothing; the next good one is
        // taken as usual, with no restart. A step back within the limit is refused, never confirmed.
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 6, timestamp: 990_000) }
        #expect(try tracker.admit(cell: "a", sequence: 7, timestamp: 1_000_240).admission.clockReset == false)
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 8, timestamp: 1_000_200) }
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 9, timestamp: 1_000_210) }
        #expect(tracker.cells["a"]?.lastTimestamp == 1_000_240)
        // Two old samples in a row (a backlog sent late) do not restart a cell whose clock
        // agrees with the stream's: both refused, nothing changes.
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 10, timestamp: 1_000_240 - 5 * 86_400) }
        #expect(throws: Rejection.self) { try tracker.admit(cell: "a", sequence: 11, timestamp: 1_000_300 - 5 * 86_400) }
        #expect(tracker.cells["a"]?.lastTimestamp == 1_000_240)
        #expect(tracker.cells["b"]?.lastTimestamp == 1_000_000)
    }

    @Test("replay: new cells with a wrong ts do not move the stream clock, so no other cell goes idle")
    func newCellsLeaveTheClock() throws {
        var tracker = SequenceTracker(maximumCells: 100, idleEviction: 86_400)
        var sequence: Int64 = 0
        var evicted: [String] = []
        for minute in 0..<120 {
            for cell in ["a", "b"] {
                evicted += try tracker.admit(cell: cell, sequence: sequence, timestamp: 1_000_000 + Double(minute) * 60).evicted
            }
            sequence += 1
        }
        for index in 0..<9 {
            evicted += try tracker.admit(cell: "evil-\(index)", sequence: 0, timestamp: 1_000_000 + 30 * 86_400).evicted
        }
        for minute in 120..<240 {
            for cell in ["a", "b"] {
                evicted += try tracker.admit(cell: cell, sequence: sequence, timestamp: 1_000_000 + Double(minute) * 60).evicted
            }
            sequence += 1
        }
        #expect(evicted.isEmpty, "evicted \(evicted)")
        #expect(tracker.streamTime < 1_000_000 + 86_400)
        #expect(tracker.cells["a"] != nil && tracker.cells["b"] != nil)
    }

    @Test("live: a ts far in the future of the wall clock is implausible_time; too_many_cells comes first")
    func wallClock() throws {
        var tracker = SequenceTracker(maximumCells: 1)
        tracker.now = 1_800_000_000
        _ = try tracker.admit(cell: "a", sequence: 0, timestamp: 1_700_000_000)  // the past is fine
        do {
            _ = try tracker.admit(cell: "a", sequence: 1, timestamp: 1_800_000_000 + 2 * 86_400)
            Issue.record("two days ahead of the wall clock was accepted")
        } catch {
            #expect(error.reason == .implausibleTime)
        }
        do {
            _ = try tracker.admit(cell: "b", sequence: 0, timestamp: 1e12)
            Issue.record("a new cell over the cap was accepted")
        } catch {
            #expect(error.reason == .tooManyCells)
        }
    }

    @Test("idleness is telemetry time (the stream's, never ahead of the wall clock), not the wall clock; a checkpoint keeps only plausible times")
    func telemetryClock() throws {
        var tracker = SequenceTracker(maximumCells: 10, idleEviction: 100)
        tracker.sweepsOnAdmission = false
        tracker.now = 5000
        _ = try tracker.admit(cell: "old", sequence: 0, timestamp: 1_000)  // a replayed past: telemetry time is 1,000
        tracker.now = 50_000  // the wall clock runs on; no telemetry: nobody is idle
        #expect(tracker.sweep().isEmpty)
        for seq in 0..<30 { _ = try tracker.admit(cell: "b", sequence: Int64(seq), timestamp: 1_010 + Double(seq) * 10) }
        // Telemetry time passed 1,100: "old" has been silent for the idle limit, "b" has not.
        let evicted = tracker.sweep()
        #expect(evicted.map(\.cell) == ["old"])
        #expect(evicted.first?.reason == .idle)
        #expect(tracker.cells.keys.sorted() == ["b"])
        // Live, the clock never runs ahead of the wall clock: a publisher whose times run
        // a day ahead cannot make "b" idle.
        var live = SequenceTracker(maximumCells: 10, idleEviction: 100)
        live.sweepsOnAdmission = false
        live.now = 1_000_000
        _ = try live.admit(cell: "b", sequence: 0, timestamp: 999_990)
        for seq in 0..<40 { _ = try live.admit(cell: "ahead", sequence: Int64(seq), timestamp: 1_000_000 + 3000 + Double(seq) * 2000) }
        #expect(live.clock == 1_000_000)
        #expect(live.sweep().isEmpty)
        #expect(Set(live.cells.keys) == ["b", "ahead"])

        // A record restored from an earlier build's checkpoint with a time in milliseconds
        // is evicted; the rest stay, and a checkpoint holds neither clock nor suspects.
        let encoded = try JSONEncoder().encode(tracker)
        var restored = try JSONDecoder().decode(SequenceTracker.self, from: encoded)
        #expect(restored.cells["b"]?.lastTimestamp == 1_300)
        #expect(!String(decoding: encoded, as: UTF8.self).contains("lastSeen"))
        restored.restore(["b": .init(lastSequence: 0, lastTimestamp: 1_010), "ms": .init(lastSequence: 0, lastTimestamp: 1_764_400_000_000)])
        let implausible = restored.evictImplausible()
        #expect(implausible.map(\.cell) == ["ms"])
        #expect(implausible.first?.reason == .implausibleTime)
        #expect(restored.latestTimestamp == 1_010)
    }
}

@Suite("Alert payloads")
struct AlertTests {
    @Test("alerts encode every documented field and decode back")
    func roundTrip() throws {
        let alert = Alert(
            cell: "gnb-1/cell-2", state: .raised, severity: .major, kind: "congestion", score: 0.8123456,
            timestamp: 1764331260, startedAt: 1764331260, sequence: 7,
            evidence: [.init(metric: "RRU.PrbTotDl", value: 99.5, low: 20, high: 70)])
        let text = String(decoding: alert.json(), as: UTF8.self)
        for field in ["\"v\":1", "\"id\":", "\"key\":", "\"cell\":", "\"state\":\"raised\"", "\"severity\":\"major\"",
                      "\"kind\":\"congestion\"", "\"score\":0.8123", "\"ts\":1764331260", "\"started_at\":1764331260",
                      "\"seq\":7", "\"evidence\":[{\"metric\":\"RRU.PrbTotDl\",\"value\":99.5,\"low\":20,\"high\":70}]"] {
            #expect(text.contains(field), "\(field) in \(text)")
        }
        #expect(!text.contains("resent"))
        let decoded = try Alert(json: alert.json())
        #expect(decoded.id == alert.id)
        #expect(decoded.evidence == alert.evidence)
        #expect(decoded.topic == "alert.major.gnb-1/cell-2")
        // Same cell and start: same id; another start: another id.
        #expect(Alert.id(cell: "gnb-1/cell-2", startedAt: 1764331260) == alert.id)
        #expect(Alert.id(cell: "gnb-1/cell-2", startedAt: 1764331320) != alert.id)
    }
}

@Suite("Metric names: what a rejected message leaves, and how long a name may be")
struct MetricNameTableTests {
    /// A message naming `count` new metrics `prefix0...`; cut short when `truncated`.
    static func message(prefix: String, count: Int, truncated: Bool, ts: String = "1") -> String {
        let metrics = (0..<count).map { "\"\(prefix)\($0)\":1" }.joined(separator: ",")
        return "{\"v\":1,\"cell\":\"c\",\"ts\":\(ts),\"seq\":0,\"metrics\":{\(metrics)" + (truncated ? "" : "}}")
    }

    @Test("a rejected message's new names are forgotten: a table filled by bad messages would refuse every good one after")
    func rejectedNamesForgotten() throws {
        var decoder = TelemetryDecoder(metricNames: MetricNames(capacity: 8))
        _ = try decoder.decode(Self.message(prefix: "good", count: 2, truncated: false))
        for round in 0..<20 {
            // Truncated JSON, a negative ts, and a type error after the names: each rejected.
            for bad in [Self.message(prefix: "evil\(round)_", count: 6, truncated: true),
                        Self.message(prefix: "neg\(round)_", count: 6, truncated: false, ts: "-5")] {
                #expect(throws: Rejection.self) { try decoder.decode(bad) }
                #expect(decoder.metricNames.count == 2, "round \(round): \(decoder.metricNames.names)")
            }
        }
        // Room is left for six new names of a good message, and the old ids still hold.
        let sample = try decoder.decode(Self.message(prefix: "new", count: 6, truncated: false))
        #expect(sample.metrics.map(\.id) == Array(2..<8))
        let again = try decoder.decode(Self.message(prefix: "good", count: 2, truncated: false))
        #expect(again.metrics.map(\.id) == [0, 1])
        // Without the rollback the table would be full: a ninth name is refused as documented.
        #expect(throws: Rejection.self) { try decoder.decode(Self.message(prefix: "ninth", count: 1, truncated: false)) }
    }

    @Test("removing the newest names keeps every other name's lookup exact (probe chains repaired)")
    func removalKeepsLookups() {
        var names = MetricNames()
        var generator = SystemRandomNumberGenerator()
        let all = (0..<3000).map { "m\($0)-\(UInt32.random(in: 0...UInt32.max, using: &generator))" }
        for name in all { _ = names.id(for: name) }
        for keep in [2500, 1200, 700, 1] {
            names.removeNames(from: keep)
            #expect(names.count == keep)
            for (index, name) in all.prefix(keep).enumerated() where index % 7 == 0 || index == keep - 1 {
                #expect(names.id(for: name) == Int32(index))
            }
            #expect(names.count == keep, "a kept name was not found and was added again")
            // A removed name comes back as a new one, with the next id.
            #expect(names.id(for: all[keep]) == Int32(keep))
            names.removeNames(from: keep)
        }
    }

    @Test("a metric name longer than 256 bytes is bad_type, and leaves nothing behind")
    func longNames() throws {
        var decoder = TelemetryDecoder()
        let ok = String(repeating: "n", count: 256)
        let long = String(repeating: "n", count: 257)
        _ = try decoder.decode("{\"v\":1,\"cell\":\"c\",\"ts\":1,\"seq\":0,\"metrics\":{\"\(ok)\":1}}")
        do {
            _ = try decoder.decode("{\"v\":1,\"cell\":\"c\",\"ts\":2,\"seq\":1,\"metrics\":{\"a\":1,\"\(long)\":1}}")
            Issue.record("a 257-byte name was accepted")
        } catch {
            #expect(error.reason == .badType)
            #expect(error.detail.contains("257 bytes"), "\(error.detail)")
        }
        #expect(decoder.metricNames.names == [ok])
    }
}
