import Foundation
import SpikewatchTestSupport
import Testing

@Suite("replay --detector and --set")
struct ReplayDetectorCLITests {
    /// A CSV series with a level shift at sample 400.
    func series() throws -> String {
        var csv = "timestamp,kpi\n"
        for i in 0..<500 {
            let noise = Double((i * 7919) % 97) / 97 - 0.5
            csv += "\(1_793_923_200 + i * 60),\((i < 400 ? 100.0 : 140.0) + noise * 4)\n"
        }
        let file = temporaryDirectory().appendingPathComponent("kpi.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func scores(_ path: String) throws -> [Double] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Double($0.split(separator: ",", omittingEmptySubsequences: false).last ?? "") ?? -1 }
    }

    @Test("each baseline writes a score in 0..1 per row, higher at the shift than anywhere before it; --set changes its knob")
    func baselines() throws {
        let file = try series()
        let directory = temporaryDirectory()
        for detector in ["rolling_zscore", "ewma", "static_threshold"] {
            let out = directory.appendingPathComponent("\(detector).csv").path
            var arguments = ["replay", file, "--detector", detector, "--scores", out]
            if detector == "static_threshold" { arguments += ["--set", "learning_hours=2"] }
            let result = try SpikewatchProcess.run(arguments)
            #expect(result.status == 0, "\(detector): \(result.stderr)")
            let values = try scores(out)
            #expect(values.count == 500)
            #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(detector)")
            #expect(values[..<400].allSatisfy { $0 < values[400] }, "\(detector): a score before the shift is as high")
            #expect(values[400] > 0.5, "\(detector)")
        }
        // A larger score scale gives a lower score for the same deviation.
        let scaled = directory.appendingPathComponent("scaled.csv").path
        let result = try SpikewatchProcess.run(["replay", file, "--detector", "ewma", "--set", "scoreScale=100", "--scores", scaled])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scores(scaled)[400] < scores(directory.appendingPathComponent("ewma.csv").path)[400])
    }

    @Test("scores are written as the stream is read, put in place at the end: a run that fails on its second file leaves the old scores and no partial file")
    func streamedScores() throws {
        let file = try series()
        let directory = temporaryDirectory()
        let out = directory.appendingPathComponent("scores.csv").path
        try "old\n".write(toFile: out, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing.jsonl").path
        let failed = try SpikewatchProcess.run(["replay", file, missing, "--cell", "kpi", "--scores", out])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("missing.jsonl"), "\(failed.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "old\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!left.contains { $0.hasSuffix(".partial") }, "\(left)")
        // Two files are one stream: the second's rows follow the first's.
        let twice = try SpikewatchProcess.run(["replay", file, file, "--cell", "kpi", "--scores", out])
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(try scores(out).count == 1_000)
        #expect(twice.stderr.contains("1000 samples: 500 processed,"), "\(twice.stderr)")
    }

    @Test("outputs through a symbolic link write its target and keep the link and the file's permissions")
    func outputsThroughLinks() throws {
        let file = try series()
        let directory = temporaryDirectory()
        let scoresTarget = directory.appendingPathComponent("scores-target.csv").path
        let alertsTarget = directory.appendingPathComponent("alerts-target.jsonl").path
        try "old\n".write(toFile: scoresTarget, atomically: true, encoding: .utf8)
        #expect(chmod(scoresTarget, 0o640) == 0)
        let scoresLink = directory.appendingPathComponent("scores.csv").path
        let alertsLink = directory.appendingPathComponent("alerts.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: scoresLink, withDestinationPath: "scores-target.csv")  // relative
        try FileManager.default.createSymbolicLink(atPath: alertsLink, withDestinationPath: alertsTarget)  // target not there yet
        let result = try SpikewatchProcess.run(["replay", file, "--cell", "kpi", "--scores", scoresLink, "--alerts", alertsLink])
        #expect(result.status == 0, "\(result.stderr)")
        for (link, target) in [(scoresLink, scoresTarget), (alertsLink, alertsTarget)] {
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil, "\(link) is no longer a link")
            #expect(FileManager.default.fileExists(atPath: target))
        }
        #expect(try scores(scoresTarget).count == 500)
        #expect(try String(contentsOfFile: alertsTarget, encoding: .utf8).contains("\"raised\""))
        var status = stat()
        #expect(stat(scoresTarget, &status) == 0 && status.st_mode & 0o777 == 0o640)
        #expect(chmod(alertsTarget, 0o600) == 0)
        #expect(try SpikewatchProcess.run(["replay", file, "--cell", "kpi", "--alerts", alertsLink]).status == 0)
        #expect(stat(alertsTarget, &status) == 0 && status.st_mode & 0o777 == 0o600)
    }

    @Test("an interrupted replay (SIGINT while it reads standard input) leaves the old scores and no partial file")
    func interruptedReplay() throws {
        let directory = temporaryDirectory()
        let out = directory.appendingPathComponent("scores.csv").path
        try "old\n".write(toFile: out, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = SpikewatchProcess.executable
        process.arguments = ["replay", "-", "--scores", out]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(#"{"v":1,"cell":"c","ts":1793923200,"seq":0,"metrics":{"kpi":1}}"#.utf8 + [10]))
        // The scores are being written to a temporary file while standard input stays open.
        let partial = { (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".partial") } ?? [] }
        let deadline = Date().addingTimeInterval(20)
        while partial().isEmpty && process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(partial().count == 1)
        process.interrupt()
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT)
        #expect(partial().isEmpty)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "old\n")
    }

    @Test("CSV on standard input (-) is read as CSV, as the same file is, named by --cell; JSON Lines on standard input stay JSON")
    func csvOnStandardInput() throws {
        let file = try series()
        let directory = temporaryDirectory()
        let fromFile = directory.appendingPathComponent("file.csv").path
        let fromStdin = directory.appendingPathComponent("stdin.csv").path
        #expect(try SpikewatchProcess.run(["replay", file, "--cell", "kpi", "--scores", fromFile]).status == 0)
        let csv = try Data(contentsOf: URL(fileURLWithPath: file))
        let result = try SpikewatchProcess.run(["replay", "-", "--cell", "kpi", "--scores", fromStdin], stdin: csv)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: fromStdin, encoding: .utf8) == String(contentsOfFile: fromFile, encoding: .utf8))
        #expect(try scores(fromStdin).count == 500)
        let json = #"{"v":1,"cell":"c","ts":1793923200,"seq":0,"metrics":{"kpi":1}}"# + "\n"
        let jsonResult = try SpikewatchProcess.run(["replay", "-"], stdin: Data(json.utf8))
        #expect(jsonResult.status == 0, "\(jsonResult.stderr)")
        #expect(jsonResult.stderr.contains("1 processed") || jsonResult.stdout.contains("1 processed"), "\(jsonResult.stdout) \(jsonResult.stderr)")
    }

    @Test("--set on the spiking detector changes its alerts; an unknown key or bad value is refused with the valid keys")
    func spikingKnobs() throws {
        let file = try series()
        let directory = temporaryDirectory()
        let normal = directory.appendingPathComponent("normal.jsonl").path
        let deaf = directory.appendingPathComponent("deaf.jsonl").path
        #expect(try SpikewatchProcess.run(["replay", file, "--alerts", normal]).status == 0)
        let result = try SpikewatchProcess.run(["replay", file, "--detector", "spiking", "--set", "deadZone=1000",
                                                "--set", "slow_dead_zone=1000", "--set", "envelopeDeadZone=1000", "--alerts", deaf])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: normal, encoding: .utf8).contains("\"raised\""))
        #expect(try !String(contentsOfFile: deaf, encoding: .utf8).contains("\"raised\""))

        let unknown = try SpikewatchProcess.run(["replay", file, "--set", "deadzon=3"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown key") && unknown.stderr.contains("deadZone") && unknown.stderr.contains("evidenceThreshold"))
        let bad = try SpikewatchProcess.run(["replay", file, "--detector", "rolling_zscore", "--set", "window=wide"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("window"))
        let model = try SpikewatchProcess.run(["replay", file, "--detector", "ewma", "--model", "models/fault-classes.json"])
        #expect(model.status != 0)
    }

    @Test("replay and evaluate name each malformed line by file and line (the first five), then count the rest; good lines go on")
    func malformedLinesNamed() throws {
        var lines: [String] = []
        for i in 0..<40 {
            let ts = 1_793_923_200 + i * 60
            switch i {
            case 3: lines.append(#"{"v":1,"cell":"c","ts":\#(ts),"seq":\#(i),"metrics":{"a":1}"#)
            case 5: lines.append(#"{"v":1,"cell":"c","ts":-5,"seq":\#(i),"metrics":{"a":1}}"#)
            case 6: lines.append(#"{"v":1,"cell":"c","ts":\#(ts),"seq":\#(i),"metrics":{"\u001b[2Jevil\r\n":"x"}}"#)
            case 7...12: lines.append(#"{"v":1,"cell":"c","ts":\#(ts),"seq":\#(i),"metrics":{"a":"x"}}"#)
            default: lines.append(#"{"v":1,"cell":"c","ts":\#(ts),"seq":\#(i),"metrics":{"a":\#(i % 3)}}"#)
            }
        }
        let file = temporaryDirectory().appendingPathComponent("bad.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let replay = try SpikewatchProcess.run(["replay", file])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("bad.jsonl:4: invalid_json: "), "\(replay.stderr)")
        #expect(replay.stderr.contains("bad.jsonl:6: bad_type: \"ts\" must be > 0, got -5"), "\(replay.stderr)")
        #expect(replay.stderr.contains("bad.jsonl:8: bad_type: metric \"a\" must be a number, got a string"), "\(replay.stderr)")
        // A name with control characters is shown escaped: no escape sequence reaches the terminal.
        #expect(replay.stderr.contains(#"bad.jsonl:7: bad_type: metric "\u{1b}[2Jevil\u{d}\u{a}" must be a number"#), "\(replay.stderr)")
        #expect(!replay.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D })
        #expect(!replay.stderr.contains("bad.jsonl:10:"), "only the first five are named: \(replay.stderr)")
        #expect(replay.stderr.contains("... and 4 more rejected lines"), "\(replay.stderr)")
        #expect(replay.stderr.contains("40 samples: 31 processed, 1 invalid_json, 8 bad_type"), "\(replay.stderr)")
        let evaluate = try SpikewatchProcess.run(["evaluate", file, "--detectors", "spiking"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stderr.contains("bad.jsonl:4: invalid_json: "), "\(evaluate.stderr)")
        #expect(evaluate.stderr.contains("9 of 40 lines skipped as malformed"), "\(evaluate.stderr)")
    }
}

@Suite("synth realism flags")
struct SynthRealismCLITests {
    @Test("--realism on adds the extended metrics and is reproducible; single knobs with it are refused")
    func realism() throws {
        let directory = temporaryDirectory()
        let a = directory.appendingPathComponent("a.jsonl").path, b = directory.appendingPathComponent("b.jsonl").path
        for out in [a, b] {
            let result = try SpikewatchProcess.run(["synth", "--cells", "2", "--days", "0.2", "--realism", "on", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let text = try String(contentsOfFile: a, encoding: .utf8)
        #expect(text.contains("\"RACH.PreambleACell\"") && text.contains("\"DRB.PdcpSduVolumeUl\""))
        #expect(try text == String(contentsOfFile: b, encoding: .utf8))
        let plain = try SpikewatchProcess.run(["synth", "--cells", "2", "--days", "0.2", "--weather", "--holiday"])
        #expect(plain.status == 0)
        #expect(!plain.stdout.contains("RACH."))
        let refused = try SpikewatchProcess.run(["synth", "--cells", "2", "--days", "0.2", "--realism", "on", "--weather"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--realism on"))
        let bad = try SpikewatchProcess.run(["synth", "--subtle-share", "2"])
        #expect(bad.status != 0)
    }
}
