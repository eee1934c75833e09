import Detection
import Foundation
import Scenarios
import Telemetry
import Testing
@testable import Evaluation

@Suite("Event scoring arithmetic on hand-made cases")
struct EventScoringTests {
    let windows = [
        FaultWindow(cell: "a", kind: "congestion", start: 1000, end: 1600),
        FaultWindow(cell: "a", kind: "sleeping_cell", start: 5000, end: 5600),
        FaultWindow(cell: "b", kind: "congestion", start: 2000, end: 2300),
    ]
    let spans: [ExactKey: (first: Double, last: Double)] = ["a": (0, 86_400 * 2), "b": (0, 86_400 * 2)]

    @Test("detections, delays, false alarms and F1 come out as computed by hand")
    func arithmetic() {
        let alerts = [
            RaisedAlert(cell: "a", time: 1120, kind: "congestion", id: "1"),  // detects window 1, 2 samples late
            RaisedAlert(cell: "a", time: 1700, kind: "congestion", id: "2"),  // within grace (300 s) of window 1: a true positive
            RaisedAlert(cell: "b", time: 2600, kind: "backhaul", id: "3"),  // 300 s after window 3's end: within grace, detects it, wrong kind
            RaisedAlert(cell: "b", time: 9000, kind: "anomaly", id: "4"),  // a false alarm
            RaisedAlert(cell: "a", time: 100, kind: "anomaly", id: "5"),  // in the learning period: not counted
        ]
        let report = scoreEvents(
            detector: "x", windows: windows, alerts: alerts, spans: spans, period: 60, grace: 300, learning: 600)
        #expect(report.faults == 3)
        #expect(report.detected == 2)  // window 2 (sleeping_cell) is missed
        #expect(report.alerts == 4)
        #expect(report.truePositiveAlerts == 3)
        #expect(report.falseAlarms == 1)
        #expect(abs(report.precision - 0.75) < 1e-12)
        #expect(abs(report.recall - 2.0 / 3) < 1e-12)
        #expect(abs(report.f1 - 2 * 0.75 * (2.0 / 3) / (0.75 + 2.0 / 3)) < 1e-12)
        #expect(report.perKind["congestion"]?.faults == 2)
        #expect(report.perKind["congestion"]?.detected == 2)
        #expect(report.perKind["congestion"]?.medianDelaySeconds == 360.0)  // median of 120 and 600
        #expect(report.perKind["congestion"]?.medianDelaySamples == 6)
        #expect(report.perKind["congestion"]?.correctlyClassified == 1)
        #expect(report.perKind["sleeping_cell"]?.detected == 0)
        #expect(abs(report.cellDays - 2 * (2 * 86_400.0 - 600) / 86_400) < 1e-9)
        #expect(abs(report.falseAlarmsPerCellDay - 1 / report.cellDays) < 1e-12)
        #expect(report.missed == ["a sleeping_cell 5000.0"])
    }

    @Test("per fault kind: precision over the alerts that named the kind, F1 with its recall; none named: no precision")
    func perKindPrecision() {
        let alerts = [
            RaisedAlert(cell: "a", time: 1120, kind: "congestion", id: "1"),  // in a congestion window
            RaisedAlert(cell: "a", time: 5100, kind: "congestion", id: "2"),  // in the sleeping-cell window: named wrong
            RaisedAlert(cell: "b", time: 9000, kind: "congestion", id: "3"),  // a false alarm named congestion
            RaisedAlert(cell: "b", time: 2100, kind: "anomaly", id: "4"),  // detects b's congestion, names no kind
        ]
        let report = scoreEvents(
            detector: "x", windows: windows, alerts: alerts, spans: spans, period: 60, grace: 300, learning: 600)
        let congestion = report.perKind["congestion"]!
        #expect(congestion.alertsNamed == 3 && congestion.alertsNamedInFault == 1)
        #expect(congestion.precision == 1.0 / 3)
        #expect(congestion.recall == 1)
        // Its F1 goes with the recall by alerts that named it: b's fault was detected by an
        // alert that named no kind, so half.
        #expect(congestion.namedRecall == 0.5)
        #expect(abs(congestion.f1! - 2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5)) < 1e-12)
        let sleeping = report.perKind["sleeping_cell"]!
        #expect(sleeping.recall == 1 && sleeping.alertsNamed == 0 && sleeping.precision == nil && sleeping.f1 == nil)
        // The JSON carries them, and reads back.
        let data = try! JSONEncoder().encode(report)
        let object = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let kinds = object["per_kind"] as! [String: [String: Any]]
        #expect(kinds["congestion"]?["precision"] as? Double == 1.0 / 3)
        #expect(kinds["congestion"]?["f1"] != nil && kinds["sleeping_cell"]?["precision"] == nil)
        let decoded = try! JSONDecoder().decode(EvaluationReport.self, from: data)
        #expect(decoded.perKind["congestion"]?.alertsNamedInFault == 1)
    }

    @Test("look-alike cell ids (the same text, other bytes) are two cells when scored, as the detector keys them")
    func lookAlikeCells() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's own == would make them one cell
        var builder = FaultWindowBuilder(maximumGap: 600)
        for time in stride(from: 0.0, through: 86_400, by: 600) {
            builder.add(cell: composed, time: time, label: nil)
            builder.add(cell: decomposed, time: time, label: time >= 3000 && time <= 3600 ? "congestion" : nil)
        }
        #expect(builder.windows == [FaultWindow(cell: decomposed, kind: "congestion", start: 3000, end: 3600)])
        #expect(builder.windows.first?.cell.utf8.elementsEqual(decomposed.utf8) == true)
        #expect(builder.spans.count == 2)
        // The alert is on the other cell: a false alarm, and the fault is missed.
        let report = scoreEvents(
            detector: "x", windows: builder.windows, alerts: [RaisedAlert(cell: composed, time: 3100, kind: "congestion", id: "1")],
            spans: builder.spans, period: 600, grace: 300, learning: 0)
        #expect(report.detected == 0)
        #expect(report.falseAlarms == 1)
        let hit = scoreEvents(
            detector: "x", windows: builder.windows, alerts: [RaisedAlert(cell: decomposed, time: 3100, kind: "congestion", id: "1")],
            spans: builder.spans, period: 600, grace: 300, learning: 0)
        #expect(hit.detected == 1)
        #expect(hit.falseAlarms == 0)
    }

    @Test("fault windows: contiguous labels per cell, an outage shorter than the limit does not split one")
    func windowsFromLabels() {
        var builder = FaultWindowBuilder(maximumGap: 600)
        let labels: [(String, Double, String?)] = [
            ("a", 0, nil), ("a", 60, "x"), ("b", 60, "x"), ("a", 120, "x"), ("a", 600, "x"),  // 480 s outage: same window
            ("a", 660, nil), ("a", 720, "x"), ("b", 120, nil), ("a", 2000, "y"),
        ]
        for (cell, time, label) in labels { builder.add(cell: cell, time: time, label: label) }
        #expect(builder.windows == [
            FaultWindow(cell: "a", kind: "x", start: 60, end: 600),
            FaultWindow(cell: "b", kind: "x", start: 60, end: 60),
            FaultWindow(cell: "a", kind: "x", start: 720, end: 720),
            FaultWindow(cell: "a", kind: "y", start: 2000, end: 2000),
        ])
        #expect(builder.spans["a"]?.first == 0)
        #expect(builder.spans["a"]?.last == 2000)
        #expect(builder.period == 60)
    }
}

@Suite("The small-cell generator does what docs/telemetry.md says")
struct GeneratorTests {
    static let settings: ScenarioSettings = {
        var settings = ScenarioSettings()
        settings.seed = 11
        settings.cells = 6
        settings.days = 3
        return settings
    }()
    static let generated: (samples: [TelemetrySample], faults: [FaultEvent], names: MetricNames) = {
        var generator = ScenarioGenerator(settings: settings)
        return (generator.all(), generator.faults, generator.names)
    }()

    func values(_ metric: String, cell: String, hours: ClosedRange<Double>, weekday: Bool = true) -> [Double] {
        let id = Self.generated.names.existingID(for: metric)!
        return Self.generated.samples.filter { sample in
            guard sample.cell == cell, sample.label == nil else { return false }
            let hour = sample.timestamp.truncatingRemainder(dividingBy: 86_400) / 3600
            let day = Int((sample.timestamp - 345_600) / 86_400) % 7
            return hours.contains(hour) && (weekday ? day < 5 : day >= 5)
        }.compactMap { sample in sample.metrics.first { $0.id == id }?.value }
    }

    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    @Test("the same seed gives the same samples; another seed does not")
    func reproducible() {
        var again = ScenarioGenerator(settings: Self.settings)
        let samples = again.all()
        #expect(samples == Self.generated.samples)
        var other = Self.settings
        other.seed = 12
        var different = ScenarioGenerator(settings: other)
        #expect(different.all() != Self.generated.samples)
    }

    @Test("one sample per cell per minute in time order, 20 metrics, increasing seq")
    func shape() {
        let samples = Self.generated.samples
        #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
        #expect(Set(samples.map(\.cell)).count == 6)
        #expect(samples.allSatisfy { $0.metrics.count == 20 })
        for cell in Set(samples.map(\.cell)) {
            let seqs = samples.filter { $0.cell == cell }.map(\.sequence)
            #expect(seqs == Array(0..<Int64(seqs.count)))
        }
    }

    @Test("daily shapes by kind: residential peaks in the evening, business by day, transport at rush hours; business is quiet at weekends")
    func dailyShapes() {
        let residential = "gnb-0017/cell-1", business = "gnb-0017/cell-2", transport = "gnb-0017/cell-3"
        #expect(mean(values("RRC.ConnMean", cell: residential, hours: 19...22)) > 1.8 * mean(values("RRC.ConnMean", cell: residential, hours: 2...5)))
        #expect(mean(values("RRC.ConnMean", cell: business, hours: 10...16)) > 4 * mean(values("RRC.ConnMean", cell: business, hours: 0...5)))
        #expect(mean(values("RRC.ConnMean", cell: business, hours: 10...16)) > 2.5 * mean(values("RRC.ConnMean", cell: business, hours: 10...16, weekday: false)))
        #expect(mean(values("RRC.ConnMean", cell: transport, hours: 7.5...8.5)) > 1.5 * mean(values("RRC.ConnMean", cell: transport, hours: 11...12)))
    }

    @Test("users drive PRB up and per-UE throughput down; counters never decrease without a restart")
    func correlations() {
        let cell = "gnb-0017/cell-2"
        let busy = values("RRU.PrbTotDl", cell: cell, hours: 10...16)
        let quiet = values("RRU.PrbTotDl", cell: cell, hours: 0...5)
        #expect(mean(busy) > 3 * mean(quiet))
        #expect(mean(values("DRB.UEThpDl", cell: cell, hours: 10...16)) < mean(values("DRB.UEThpDl", cell: cell, hours: 0...5)))
        let id = Self.generated.names.existingID(for: "TB.TotNbrDl")!
        for cell in Set(Self.generated.samples.map(\.cell)) {
            let series = Self.generated.samples.filter { $0.cell == cell && $0.label != "software_restart" }
                .compactMap { sample in sample.metrics.first { $0.id == id }?.value }
            let drops = zip(series, series.dropFirst()).filter { $1 < $0 }.count
            let restarts = Self.generated.faults.filter { $0.cell == cell && $0.kind == .softwareRestart }.count
            #expect(drops <= restarts)
        }
    }

    @Test("faults: none in the learning period, every kind present, labels exactly on their windows, never overlapping")
    func faults() {
        let faults = Self.generated.faults
        #expect(Set(faults.map(\.kind)) == Set(FaultKind.allCases))
        #expect(faults.allSatisfy { $0.start >= Self.settings.start + Self.settings.learningHours * 3600 })
        #expect(faults.allSatisfy { $0.severity >= 0.35 && $0.severity <= 1 && $0.end > $0.start })
        for cell in Set(faults.map(\.cell)) {
            let mine = faults.filter { $0.cell == cell }.sorted { $0.start < $1.start }
            #expect(zip(mine, mine.dropFirst()).allSatisfy { $1.start >= $0.end + 7200 })
        }
        for sample in Self.generated.samples {
            let fault = faults.first { $0.cell == sample.cell && sample.timestamp >= $0.start && sample.timestamp < $0.end }
            #expect(sample.label == fault?.kind.rawValue)
        }
    }

    @Test("each fault shows its signature against the hours before it")
    func signatures() {
        let names = Self.generated.names
        func mean(of metric: String, _ fault: FaultEvent, during: Bool) -> Double {
            let id = names.existingID(for: metric)!
            let values = Self.generated.samples.filter { sample in
                sample.cell == fault.cell
                    && (during ? sample.timestamp >= fault.start && sample.timestamp < fault.end
                               : sample.timestamp >= fault.start - 1800 && sample.timestamp < fault.start)
            }.compactMap { sample in sample.metrics.first { $0.id == id }?.value }
            return values.reduce(0, +) / Double(max(values.count, 1))
        }
        for fault in Self.generated.faults {
            switch fault.kind {
            case .sleepingCell: #expect(mean(of: "RRC.ConnMean", fault, during: true) < 0.1 * mean(of: "RRC.ConnMean", fault, during: false) + 0.5)
            case .ulInterference: #expect(mean(of: "L1M.ULSINRMean", fault, during: true) < mean(of: "L1M.ULSINRMean", fault, during: false) - 4)
            case .congestion: #expect(mean(of: "RRU.PrbTotDl", fault, during: true) > 90)
            case .backhaulDegradation: #expect(mean(of: "TNL.RttMean", fault, during: true) > 2 * mean(of: "TNL.RttMean", fault, during: false))
            default: break
            }
        }
    }
}

@Suite("CSV and timestamps")
struct CSVTests {
    @Test("timestamps: ISO-8601 with T or space, zones, fractions, dates, epoch seconds")
    func timestamps() {
        #expect(parseTimestamp("2026-11-29T03:06:04Z") == 1_795_921_564)
        #expect(parseTimestamp("2026-11-29 03:06:04") == 1_795_921_564)
        #expect(parseTimestamp("2026-11-29T04:06:04+01:00") == 1_795_921_564)
        #expect(parseTimestamp("2026-11-29T03:06:04.5Z") == 1_795_921_564.5)
        #expect(parseTimestamp("2026-11-29T03:06Z") == 1_795_921_560)
        #expect(parseTimestamp("2026-11-29") == 1_795_910_400)
        #expect(parseTimestamp("1795921564.25") == 1_795_921_564.25)
        #expect(parseTimestamp("2026-13-01") == nil)
        #expect(parseTimestamp("yesterday") == nil)
        #expect(parseTimestamp("2026-11-29T03:06:04Zjunk") == nil)
    }

    @Test("rows become samples; missing values are skipped; a bad row is reported and the next one read")
    func rows() throws {
        let csv = "\u{FEFF}time,kpi,\"other, quoted\"\n2026-11-29 00:00:00,1.5,7\n2026-11-29 00:01:00,,8\nbad-time,2,3\n2026-11-29 00:03:00,abc,9\n2026-11-29 00:04:00,NaN,\n2026-11-29 00:05:00,4,10\n"
        var importer = CSVImporter(cell: "kpi-1")
        var records: [RecordedSample] = []
        try importer.read(csv, name: "s.csv") { records.append($0) }
        #expect(records.count == 6)
        let samples = records.compactMap { try? $0.result.get() }
        #expect(samples.count == 3)
        #expect(samples.map(\.sequence) == [0, 1, 2])
        #expect(samples[1].metrics.count == 1)  // kpi missing
        #expect(importer.metricNames.names.contains("other, quoted"))
        let failures = records.compactMap { record -> Rejection? in if case .failure(let r) = record.result { r } else { nil } }
        #expect(failures.map(\.reason) == [.badType, .badType, .noMetrics])
        // The record names where it came from; the detail says what is wrong, once.
        let rejectedSources = records.compactMap { record -> String? in if case .failure = record.result { record.source } else { nil } }
        #expect(rejectedSources.first == "s.csv:4")
        #expect(!failures[0].detail.contains("s.csv"))
        #expect(failures[1].detail.contains("\"abc\" is not a number"))
        #expect(records[2].timestampText == "bad-time")

        // Numbers are decimal: Swift's own reading takes `0x10` and `0x1p10` as hexadecimal.
        var hex = CSVImporter(cell: "kpi-1")
        var hexRecords: [RecordedSample] = []
        try hex.read("time,kpi\n1795921560,0x10\n1795921620,0x1p10\n0x6B0B2E98,3\n1795921680,16\n", name: "h.csv") {
            hexRecords.append($0)
        }
        #expect(hexRecords.map { (try? $0.result.get()) != nil } == [false, false, false, true])
    }

    @Test("a label column labels rows; a header that cannot be imported whole, or a quote never closed, is refused by name")
    func labelsAndRefusals() throws {
        var importer = CSVImporter(cell: "kpi-1")
        var records: [RecordedSample] = []
        try importer.read("time,kpi,label\n1795921560,1,\n1795921620,2,congestion\n1795921680,3,1\n1795921740,4,0\n", name: "l.csv") {
            records.append($0)
        }
        let samples = records.compactMap { try? $0.result.get() }
        #expect(samples.map(\.label) == [nil, "congestion", "anomaly", nil])
        #expect(samples.allSatisfy { $0.metrics.count == 1 }, "the label is no metric")
        #expect(!importer.metricNames.names.contains("label"))
        let wide = "time," + (1...300).map { "m\($0)" }.joined(separator: ",") + "\n"
        let long = String(repeating: "x", count: 300)
        for (csv, message) in [
            ("time,a,b,a\n1,1,2,3\n", "w.csv:1: column \"a\" is named twice (columns 2 and 4)"),
            (wide, "w.csv:1: 300 metric columns; a cell carries at most 256 metrics"),
            ("time,\(long)\n1,2\n", "w.csv:1: column 2's name is 300 bytes (at most 256)"),
            ("time,a\n1,2\n2,\"3\n3,4\n4,5\n", "w.csv:3: a quoted field is never closed"),
        ] {
            var importer = CSVImporter(cell: "c")
            do {
                try importer.read(csv, name: "w.csv") { _ in }
                Issue.record("accepted: \(csv.prefix(40))")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}

@Suite("Isolation: one corrupted message changes its own cell's transitions only")
struct IsolationPropertyTests {
    /// SplitMix64: a seeded generator for reproducible trials.
    struct Mix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let lines: [String] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/demo.jsonl")
        // The first 20 hours: every cell's first fault is in them.
        return ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").prefix(3600).map(String.init)
    }()

    /// Each cell's transitions, as text without the global alert `seq`, and the rejections.
    func run(_ lines: [String]) -> (byCell: [String: [String]], rejected: Int) {
        var reader = FixtureReader()
        var records: [RecordedSample] = []
        reader.read(Array(lines.joined(separator: "\n").utf8), name: "trial") { records.append($0) }
        var pipeline = Pipeline(detector: SpikingDetector())
        let outcome = replay(records, names: reader.decoder.metricNames, pipeline: &pipeline, keepScores: false)
        var byCell: [String: [String]] = [:]
        for transition in outcome.transitions {
            var copy = transition
            copy.sequence = 0
            byCell[transition.cell, default: []].append(String(decoding: copy.json(), as: UTF8.self))
        }
        return (byCell, outcome.rejected.values.reduce(0, +))
    }

    /// Replaces the JSON value of `field` (the first one of that name) in a line.
    func replacing(_ line: String, _ field: String, _ make: (String) -> String) -> String {
        guard let start = line.range(of: "\"\(field)\":") else { return line }
        let rest = line[start.upperBound...]
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(line[..<start.upperBound]) + make(String(line[start.upperBound..<end])) + String(line[end...])
    }

    @Test("random single-field corruptions of one message in the demo stream (3 cells)")
    func corruptions() throws {
        let clean = run(Self.lines)
        #expect(clean.byCell.count == 3, "the demo raises alerts on all three cells")
        var random = Mix(state: 12)
        let mutations: [(String, (String) -> String)] = [
            ("ts", { String(Int64((Double($0)! * 1000).rounded())) }),  // milliseconds
            ("ts", { String(Double($0)! * 1_000_000) }),  // microseconds
            ("ts", { _ in "1e308" }),
            ("ts", { String(Double($0)! + 5 * 86_400) }),  // days ahead
            ("ts", { String(Double($0)! + 2400) }),  // within the jump limit: a reporting gap
            ("ts", { String(Double($0)! - 86_400) }),
            ("ts", { _ in "0" }),
            ("seq", { _ in "9223372036854775807" }),
            ("seq", { _ in "-1" }),
            ("seq", { _ in "0" }),
            ("seq", { String(Int64($0)! + 100_000) }),
            ("v", { _ in "\"1\"" }),
            ("v", { _ in "2" }),
            ("DRB.UEThpDl", { _ in "-1e308" }),
            ("RRU.PrbTotDl", { _ in "1e308" }),
            ("TB.TotNbrDl", { _ in "0" }),
            ("PEE.AvgTemperature", { String(Double($0)! * 1e6) }),
            ("HO.ExeSucc", { _ in "1e400" }),
            ("RRC.ConnMean", { _ in "null" }),
        ]
        var changedOwnCell = 0
        for trial in 0..<mutations.count {
            let index = 300 + Int(random.next() % UInt64(Self.lines.count - 300))
            let (field, mutate) = mutations[trial % mutations.count]
            var lines = Self.lines
            lines[index] = replacing(lines[index], field, mutate)
            guard let cellRange = lines[index].range(of: #""cell":""#) else { continue }
            let cell = String(lines[index][cellRange.upperBound...].prefix { $0 != "\"" })
            let corrupted = run(lines)
            for other in Set(clean.byCell.keys).union(corrupted.byCell.keys) where other != cell {
                #expect(corrupted.byCell[other] == clean.byCell[other], "trial \(trial): \(field) of line \(index + 1) (\(cell)) changed \(other)")
            }
            if corrupted.byCell[cell] != clean.byCell[cell] || corrupted.rejected != clean.rejected { changedOwnCell += 1 }
        }
        // The corruptions do something: most are rejected or change their own cell.
        #expect(changedOwnCell >= mutations.count / 2, "only \(changedOwnCell) of \(mutations.count) corruptions had any effect")
    }
}
