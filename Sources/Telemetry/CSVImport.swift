/// Reads a CSV time series (docs/telemetry.md, "Fixtures"): a header row, a timestamp column
/// (ISO-8601 with `T` or a space, or epoch seconds) and numeric metric columns, one
/// cell's samples per file (the cell id is given).
///
/// The timestamp column is the one headed `timestamp`, `time`, `ts`, `date`, `datetime`
/// or `epoch` (any case), else the first column. A column headed `label` is the fault
/// label, not a metric (empty, `0`, `normal`, `null`, `none`: normal; another number:
/// `anomaly`; a name: that kind). Empty, `NA`, `NaN` and `null` values are missing (that
/// metric is absent from the sample); any other non-number rejects the row with a
/// message naming the line and column, and the next row is read. A header that cannot
/// be imported whole (a name twice, a name over 256 bytes, more metric columns than a
/// cell carries) and a quote never closed are refused with a ``FormatError``: nothing
/// is dropped without a word.
public struct CSVImporter: Sendable {
    public var cell: String
    public var metricNames: MetricNames
    /// The most metric columns a file may have: what the detector keeps of one cell.
    public var maximumMetricColumns = 256
    /// The longest column name, in UTF-8 bytes (as for metric names on the wire).
    public var maximumNameBytes = 256

    public init(cell: String, metricNames: MetricNames = MetricNames()) {
        self.cell = cell
        self.metricNames = metricNames
    }

    /// A file that cannot be read as CSV at all (no header).
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `contents`, calling `body` with one ``RecordedSample`` per data row.
    public mutating func read(_ contents: String, name: String, _ body: (RecordedSample) throws -> Void) throws {
        try read(contents, name: name) { record, _ in try body(record) }
    }

    /// Parses `contents`, calling `body` with one ``RecordedSample`` per data row and the
    /// metric names (every column's, once the header is read).
    public mutating func read(_ contents: String, name: String, _ body: (RecordedSample, MetricNames) throws -> Void) throws {
        var rows = CSVRows(contents)
        guard let header = rows.next() else { throw FormatError(description: "\(name): empty CSV file (a header row is required)") }
        if let line = rows.unterminatedQuote {
            throw FormatError(description: "\(name):\(line): a quoted field is never closed (the rest of the file would be one field)")
        }
        let names = header.fields.enumerated().map { index, field in
            let name = field.trimmingWhitespace()
            return name.isEmpty ? "column\(index + 1)" : name
        }
        let timeNames: Set<String> = ["timestamp", "time", "ts", "date", "datetime", "epoch"]
        let timeColumn = names.firstIndex { timeNames.contains($0.lowercased()) } ?? 0
        let labelColumn = names.indices.first { $0 != timeColumn && names[$0].lowercased() == "label" }
        var firstColumn: [String: Int] = [:]
        for (index, column) in names.enumerated() {
            if let earlier = firstColumn[column] {
                throw FormatError(description: "\(name):\(header.line): column \"\(column)\" is named twice (columns \(earlier + 1) and \(index + 1))")
            }
            firstColumn[column] = index
            if column.utf8.count > maximumNameBytes {
                throw FormatError(description: "\(name):\(header.line): column \(index + 1)'s name is \(column.utf8.count) bytes (at most \(maximumNameBytes))")
            }
        }
        let metricColumns = names.count - 1 - (labelColumn == nil ? 0 : 1)
        guard metricColumns <= maximumMetricColumns else {
            throw FormatError(description: "\(name):\(header.line): \(metricColumns) metric columns; a cell carries at most \(maximumMetricColumns) metrics (split the file, or leave columns out)")
        }
        var ids: [Int32?] = []
        for (index, column) in names.enumerated() {
            ids.append(index == timeColumn || index == labelColumn ? nil : metricNames.id(for: column))
        }
        var sequence: Int64 = 0
        let missing: Set<String> = ["", "na", "nan", "null", "none", "n/a"]
        while let row = rows.next() {
            if row.fields.count == 1 && row.fields[0].trimmingWhitespace().isEmpty { continue }
            let source = "\(name):\(row.line)"
            let timeText = timeColumn < row.fields.count ? row.fields[timeColumn].trimmingWhitespace() : ""
            func reject(_ reason: RejectionReason, _ detail: String) throws {
                try body(RecordedSample(source: source, timestampText: timeText, cellText: cell,
                                        result: .failure(Rejection(reason, detail))), metricNames)
            }
            guard row.fields.count == names.count else {
                try reject(.badFrames, "expected \(names.count) columns, got \(row.fields.count)")
                continue
            }
            guard let timestamp = parseTimestamp(timeText), timestamp > 0 else {
                try reject(.badType, "column \"\(names[timeColumn])\": \"\(timeText)\" is not ISO-8601 or epoch seconds > 0")
                continue
            }
            var metrics: [TelemetrySample.Metric] = []
            var problem: String?
            var label: String?
            if let labelColumn {
                let text = row.fields[labelColumn].trimmingWhitespace()
                if let number = Double(text) {
                    label = number == 0 ? nil : "anomaly"
                } else if !["", "normal", "null", "none"].contains(text.lowercased()) {
                    label = text
                }
            }
            for (index, field) in row.fields.enumerated() where index != timeColumn && index != labelColumn {
                let text = field.trimmingWhitespace()
                if missing.contains(text.lowercased()) { continue }
                // Decimal only: Swift would read `0x10` and `0x1p10` as hexadecimal.
                guard !text.contains(where: { $0 == "x" || $0 == "X" }), let value = Double(text) else {
                    problem = "column \"\(names[index])\": \"\(text)\" is not a number"
                    break
                }
                guard value.isFinite, let id = ids[index] else {
                    problem = "column \"\(names[index])\": \"\(text)\" is not finite"
                    break
                }
                metrics.append(.init(id: id, value: value))
            }
            if let problem {
                try reject(problem.hasSuffix("not finite") ? .notFinite : .badType, problem)
                continue
            }
            if metrics.isEmpty {
                try reject(.noMetrics, "no metric values in this row")
                continue
            }
            try body(RecordedSample(
                source: source, timestampText: timeText, cellText: cell,
                result: .success(TelemetrySample(cell: cell, timestamp: timestamp, sequence: sequence, metrics: metrics, label: label))),
                metricNames)
            sequence += 1
        }
    }
}

/// Splits CSV text into rows of fields (RFC 4180 quoting), remembering line numbers.
struct CSVRows {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    /// The line where a quoted field opened that no quote closes, if any (the whole
    /// text is checked at once, before the first row).
    let unterminatedQuote: Int?

    init(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // spreadsheets add a BOM
        self.bytes = bytes
        var quoted = false
        var line = 1
        var openedAt = 1
        for byte in bytes {
            if byte == 0x0A { line += 1 }
            if byte == UInt8(ascii: "\"") {
                // An escaped quote ("") toggles twice: no change.
                quoted.toggle()
                if quoted { openedAt = line }
            }
        }
        unterminatedQuote = quoted ? openedAt : nil
    }

    mutating func next() -> (fields: [String], line: Int)? {
        guard index < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): quoted = true
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case 0x0D: continue
            case 0x0A:
                line += 1
                fields.append(String(decoding: field, as: UTF8.self))
                return (fields, startLine)
            default: field.append(byte)
            }
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return (fields, startLine)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// Parses epoch seconds or ISO-8601 (`2026-11-29T03:06:04Z`, `2026-11-29 03:06:04.5`,
/// `2026-11-29T03:06+01:00`, `2026-11-29`); no zone means UTC.
public func parseTimestamp(_ text: String) -> Double? {
    if !text.contains(where: { $0 == "x" || $0 == "X" }), let seconds = Double(text), seconds.isFinite,
       !text.contains("-") || text.hasPrefix("-") {
        return seconds
    }
    let bytes = Array(text.utf8)
    var index = 0
    func number(_ digits: Int) -> Int? {
        guard index + digits <= bytes.count else { return nil }
        var value = 0
        for _ in 0..<digits {
            let d = bytes[index] &- 0x30
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
            index += 1
        }
        return value
    }
    func expect(_ character: Character) -> Bool {
        guard index < bytes.count, bytes[index] == character.asciiValue! else { return false }
        index += 1
        return true
    }
    guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
        (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
    if index == bytes.count { return seconds }
    guard index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") else { return nil }
    index += 1
    guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else { return nil }
    seconds += Double(hour * 3600 + minute * 60)
    if expect(":") {
        guard let second = number(2), second <= 60 else { return nil }
        seconds += Double(second)
        if index < bytes.count && (bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",")) {
            index += 1
            var scale = 0.1
            var any = false
            while index < bytes.count, bytes[index] &- 0x30 < 10 {
                seconds += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
                any = true
            }
            if !any { return nil }
        }
    }
    if index == bytes.count || expect("Z") || expect("z") {
        return index == bytes.count ? seconds : nil
    }
    guard index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
    let sign: Double = bytes[index] == UInt8(ascii: "+") ? 1 : -1
    index += 1
    guard let offsetHours = number(2) else { return nil }
    _ = expect(":")
    let offsetMinutes = number(2) ?? 0
    guard index == bytes.count else { return nil }
    return seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
public func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}
