import Foundation
import Synchronization
import SpikewatchTestSupport
import Testing

/// A fixture of `count` samples of one cell, `step` seconds apart from `start`, with
/// the timestamp of line `farLine` (1-based), if any, 10 years ahead.
private func smallFixture(count: Int, step: Int = 60, start: Int = 1_793_923_200, farLine: Int? = nil) -> String {
    (1...count).map { line in
        let ts = line == farLine ? start + 315_360_000 : start + (line - 1) * step
        return #"{"v": 1, "cell": "c1", "ts": \#(ts), "seq": \#(line - 1), "metrics": {"RRC.ConnMean": \#(40 + line % 3)}}"#
    }.joined(separator: "\n") + "\n"
}

/// Writes `text` to a fresh temporary file and returns its path.
private func temporaryFile(_ text: String, suffix: String = ".jsonl") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID())\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("numeric options are refused with the flag, value and range, not a crash")
struct NumericOptionCLITests {
    /// (arguments, the flag the message names)
    static let cases: [([String], String)] = [
        (["evaluate", "--days=nan"], "--days"), (["evaluate", "--days=inf"], "--days"),
        (["evaluate", "--days=1e300"], "--days"), (["evaluate", "--days=-5"], "--days"),
        (["evaluate", "--cells=-5"], "--cells"), (["evaluate", "--grace=nan"], "--grace"),
        (["evaluate", "--fault-free-hours=nan"], "--fault-free-hours"),
        (["evaluate", "--learning-hours=-1"], "--learning-hours"),
        (["train", "--out", "/tmp/never.json", "--days=nan"], "--days"),
        (["train", "--out", "/tmp/never.json", "--days=-5"], "--days"),
        (["train", "--out", "/tmp/never.json", "--cells=-5"], "--cells"),
        (["train", "--out", "/tmp/never.json", "--epochs=-5"], "--epochs"),
        (["iris", "--epochs=-5"], "--epochs"), (["iris", "--seeds=0"], "--seeds"),
        (["trace", "network", "examples/leak.json", "--out", "/tmp/never.svg", "--tau-ms", "1e300"], "--tau-ms"),
        (["tail", "--timeout", "nan"], "--timeout"), (["tail", "--timeout", "inf"], "--timeout"),
        (["tail", "--timeout", "1e300"], "--timeout"), (["tail", "--count", "0"], "--count"),
        (["replay", "x.jsonl", "--to", "@ipc:///tmp/never", "--wait-subscriber", "inf"], "--wait-subscriber"),
        (["replay", "x.jsonl", "--to", "@ipc:///tmp/never", "--speed", "1e-300"], "--speed"),
        (["demo", "--speed", "0"], "--speed"), (["demo", "--speed", "nan"], "--speed"),
        (["demo", "--speed", "inf"], "--speed"), (["demo", "--speed", "1e300"], "--speed"),
        (["synth", "--period", "1e7", "--cells", "1", "--days", "0.01"], "--period"),
        (["synth", "--rate", "nan"], "--rate"), (["synth", "--start", "1e300"], "--start"), (["synth", "--weather-swing", "nan"], "--weather-swing"),
        (["network", "simulate", "x.json", "--max-records", "0"], "--max-records"),
        (["bench", "engine", "--repetitions=-1"], "--repetitions"),
        (["bench", "sparsity", "--cells=-5"], "--cells"),
        (["bench", "ingest", "--workers", "0"], "--workers"),
        // A negative number as its own argument reaches the range check too.
        (["evaluate", "--cells", "-1"], "--cells"), (["evaluate", "--days", "-0.5"], "--days"),
        (["synth", "--cells", "-5"], "--cells"), (["tail", "--timeout", "-1e3"], "--timeout"),
    ]

    @Test("each hostile value exits 64 with a message naming the flag", arguments: cases)
    func refused(arguments: [String], flag: String) throws {
        let result = try SpikewatchProcess.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("\(flag) must be"), "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("got "), "\(arguments): \(result.stderr)")
    }

    @Test("the message states the allowed range and the value as typed")
    func message() throws {
        let result = try SpikewatchProcess.run(["evaluate", "--days=nan"])
        #expect(result.stderr.contains("--days must be a finite number in (0, 366], got nan"))
        let cells = try SpikewatchProcess.run(["train", "--out", "/tmp/never.json", "--cells=-5"])
        #expect(cells.stderr.contains("--cells must be an integer in [1, 100000], got -5"))
    }

    @Test("synth with an hour-long period and under a day ends (the fault schedule terminates)")
    func longPeriod() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("synth-\(UUID()).jsonl").path
        let result = try SpikewatchProcess.run(["synth", "--period", "3600", "--cells", "1", "--days", "0.01", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
    }
}

@Suite("network simulate and trace network stay bounded on a cycle that spikes forever")
struct NetworkBoundCLITests {
    /// Two neurons exciting each other every microsecond for 10 s.
    static let cycle = #"""
        {"neurons":[{"id":"a","tau_ms":20},{"id":"b","tau_ms":20}],
         "inputs":[{"id":"i","spikes_ms":[1]}],
         "synapses":[{"from":"i","to":"a","weight":2},{"from":"a","to":"b","weight":2,"delay_ms":0.001},{"from":"b","to":"a","weight":2,"delay_ms":0.001}],
         "duration_ms":10000}
        """#

    @Test("network simulate stops at --max-records, prints the spikes so far and fails naming the time reached")
    func simulate() throws {
        let result = try SpikewatchProcess.run(["network", "simulate", "-", "--max-records", "1000"], stdin: Data(Self.cycle.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("stopped at 2 ms of 10000 ms: more than 1000 spikes and voltage samples (--max-records"))
        let rows = result.stdout.split(separator: "\n")
        #expect(rows.first == "time_ms,neuron")
        #expect(rows.count == 1 + 1001)
    }

    @Test("trace network refuses a network with more spikes than a panel holds, without a huge SVG")
    func trace() throws {
        let net = try temporaryFile(Self.cycle, suffix: ".json")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cycle-\(UUID()).svg").path
        let result = try SpikewatchProcess.run(["trace", "network", net, "--out", out])
        #expect(result.status == 1)
        #expect(result.stderr.contains("more than 100000 spikes and voltage samples"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("a description with tau_ms beyond 1e9 is refused, not a trap")
    func hugeTau() throws {
        let result = try SpikewatchProcess.run(
            ["network", "simulate", "-"], stdin: Data(#"{"neurons":[{"id":"a","tau_ms":1e300}],"duration_ms":1}"#.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("tau_ms must be at most 1000000000"))
    }
}

@Suite("replay --to does not stall on a far-future timestamp")
struct ReplayPacingCLITests {
    @Test("the far-future line is sent without waiting, with a warning naming FILE:LINE")
    func farFuture() throws {
        // 6 samples 1 s apart at --speed 20 (0.25 s of pacing), line 4 ten years ahead.
        let fixture = try temporaryFile(smallFixture(count: 6, step: 1, farLine: 4))
        let endpoint = "@ipc://" + FileManager.default.temporaryDirectory.appendingPathComponent("pace-\(UUID())").path
        let started = Date()
        let result = try SpikewatchProcess.run(["replay", fixture, "--to", endpoint, "--wait-subscriber", "0", "--speed", "20"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(result.stderr.contains("warning: \(fixture):4: ts is 315359998 s after the latest sample's (more than 3600 s); sent without waiting"))
        #expect(result.stderr.contains("published 6 samples"))
    }
}

@Suite("outputs never overwrite inputs, and unwritable outputs say why")
struct OutputPathCLITests {
    @Test("replay --scores naming the fixture is refused and the fixture kept")
    func replayScores() throws {
        let text = smallFixture(count: 3)
        let fixture = try temporaryFile(text)
        let result = try SpikewatchProcess.run(["replay", fixture, "--scores", fixture])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--scores: \(fixture) is the input \(fixture)"))
        #expect(try String(contentsOfFile: fixture, encoding: .utf8) == text)
        // Another name of the same file (a hard link) is the same input.
        let link = fixture + ".link.jsonl"
        try FileManager.default.linkItem(atPath: fixture, toPath: link)
        let linked = try SpikewatchProcess.run(["replay", fixture, "--alerts", link])
        #expect(linked.status == 64)
        #expect(linked.stderr.contains("--alerts: \(link) is the input"))
    }

    @Test("train --out naming its input is refused")
    func trainOut() throws {
        let text = smallFixture(count: 3)
        let fixture = try temporaryFile(text)
        let result = try SpikewatchProcess.run(["train", fixture, "--out", fixture])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--out: \(fixture) is the input"))
        #expect(try String(contentsOfFile: fixture, encoding: .utf8) == text)
    }

    @Test("two outputs naming one file are refused")
    func sameOutputs() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("same-\(UUID()).csv").path
        let fixture = try temporaryFile(smallFixture(count: 3))
        let result = try SpikewatchProcess.run(["replay", fixture, "--scores", path, "--alerts", path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--scores and --alerts name the same file"))
    }

    @Test("a directory as --scores is named as a directory, not NSCocoaErrorDomain")
    func directoryOutput() throws {
        let fixture = try temporaryFile(smallFixture(count: 3))
        let directory = FileManager.default.temporaryDirectory.path
        let result = try SpikewatchProcess.run(["replay", fixture, "--scores", directory])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--scores: \(directory) is a directory"))
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        let missing = try SpikewatchProcess.run(["replay", fixture, "--scores", "/nonexistent-dir/scores.csv"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot write /nonexistent-dir/scores.csv: no such directory /nonexistent-dir"))
    }

    @Test("an input that is a device or a directory is named as such, exit 1 without the usage text")
    func unreadableInputs() throws {
        for (path, reason) in [
            ("/dev/null", "not a regular file (a device, FIFO or socket)"),
            (FileManager.default.temporaryDirectory.path, "is a directory"),
            ("/nonexistent-spikewatch-input.jsonl", "no such file"),
        ] {
            let result = try SpikewatchProcess.run(["replay", path])
            #expect(result.status == 1, "\(path): exit \(result.status)")
            #expect(result.stderr.contains("cannot read \(path): \(reason)"), "\(result.stderr)")
            #expect(!result.stderr.contains("Usage:"), "\(result.stderr)")
        }
    }
}

@Suite("--set refuses what the configuration file refuses")
struct SetRangeCLITests {
    @Test("deadZone=-1 and maximumSpikes=-1 are refused by name", arguments: ["deadZone=-1", "maximumSpikes=-1", "maximumSpikes=0", "warmupSamples=5"])
    func refused(assignment: String) throws {
        let fixture = try temporaryFile(smallFixture(count: 3))
        let result = try SpikewatchProcess.run(["replay", fixture, "--set", assignment])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--set \(assignment):"), "\(result.stderr)")
        #expect(result.stderr.contains("must be a"), "\(result.stderr)")
    }

    @Test("a baseline's threshold=-1 is refused too")
    func baseline() throws {
        let fixture = try temporaryFile(smallFixture(count: 3))
        let result = try SpikewatchProcess.run(["replay", fixture, "--detector", "ewma", "--set", "threshold=-1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("threshold must be a number > 0, got -1.0"))
    }
}

@Suite("Outputs that are not regular files")
struct SpecialOutputCLITests {
    @Test("replay --alerts to a FIFO writes through it and leaves it a FIFO (an atomic rename once replaced /dev/null with a regular file)")
    func fifoOutput() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikewatch-fifo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/alerts"
        try #require(mkfifo(fifo, 0o600) == 0)
        let received = Mutex<Data?>(nil)
        let reader = Thread {
            let data = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile()
            received.withLock { $0 = data ?? Data() }
        }
        reader.start()
        let fixture = try temporaryFile(smallFixture(count: 3))
        let result = try SpikewatchProcess.run(["replay", fixture, "--alerts", fifo])
        #expect(result.status == 0, "\(result.stderr)")
        var waited = 0
        while received.withLock({ $0 }) == nil && waited < 200 {
            usleep(50_000)
            waited += 1
        }
        #expect(received.withLock { $0 } != nil, "the reader got nothing")
        var status = stat()
        #expect(stat(fifo, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO, "the FIFO was replaced")
    }
}
