/// One line of recorded telemetry, decoded or rejected.
public struct RecordedSample: Sendable {
    /// Where it came from: `file:line`.
    public var source: String
    /// The timestamp as the input wrote it (for `--scores`); empty if none was found.
    public var timestampText: String
    /// The cell id as the input wrote it; empty if none was found.
    public var cellText: String
    /// The sample, or why it was rejected.
    public var result: Result<TelemetrySample, Rejection>

    public init(source: String, timestampText: String, cellText: String, result: Result<TelemetrySample, Rejection>) {
        self.source = source
        self.timestampText = timestampText
        self.cellText = cellText
        self.result = result
    }
}

/// Reads JSON Lines fixtures (docs/telemetry.md, "Fixtures"): one telemetry payload per line,
/// optionally with `"label"`. Blank lines are skipped; every other line yields one
/// ``RecordedSample``, so a malformed line is reported and the next one is read.
public struct FixtureReader: Sendable {
    public var decoder: TelemetryDecoder
    /// Lines (payloads) above this many bytes are `oversized`, not decoded, as the
    /// daemon's default `telemetry.max_payload_bytes` has them: a replay and the live
    /// daemon refuse the same lines.
    public var maximumPayloadBytes = 1 << 20

    public init(decoder: TelemetryDecoder = TelemetryDecoder()) {
        self.decoder = decoder
    }

    /// Decodes every line of `contents`, calling `body` with each in order.
    public mutating func read(_ contents: [UInt8], name: String, _ body: (RecordedSample) throws -> Void) rethrows {
        try read(contents, name: name) { record, _ in try body(record) }
    }

    /// Decodes every line of `contents`, calling `body` with each in order and the metric
    /// names known so far (every name its sample carries among them): a stream is
    /// processed as it is read, none of it kept.
    public mutating func read(_ contents: [UInt8], name: String, _ body: (RecordedSample, MetricNames) throws -> Void) rethrows {
        try contents.withUnsafeBytes { buffer in
            var lineStart = 0
            var lineNumber = 0
            while lineStart < buffer.count {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < buffer.count && buffer[lineEnd] != 0x0A { lineEnd += 1 }
                var contentEnd = lineEnd
                if contentEnd > lineStart && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<contentEnd])
                lineStart = lineEnd + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let result: Result<TelemetrySample, Rejection>
                if line.count > maximumPayloadBytes {
                    result = .failure(Rejection(.oversized, "\(line.count) bytes > \(maximumPayloadBytes)"))
                    try body(RecordedSample(source: "\(name):\(lineNumber)", timestampText: "", cellText: "", result: result),
                             decoder.metricNames)
                    continue
                }
                do throws(Rejection) {
                    result = .success(try decoder.decode(line))
                } catch {
                    result = .failure(error)
                }
                let timestamp = decoder.lastTimestampRange.map {
                    String(decoding: UnsafeRawBufferPointer(rebasing: line[$0]), as: UTF8.self)
                }
                let cell = decoder.lastCellRange.map {
                    String(decoding: UnsafeRawBufferPointer(rebasing: line[$0]), as: UTF8.self)
                }
                try body(
                    RecordedSample(
                        source: "\(name):\(lineNumber)", timestampText: timestamp ?? "", cellText: cell ?? "",
                        result: result),
                    decoder.metricNames)
            }
        }
    }
}
