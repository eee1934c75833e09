/// Appends JSON tokens to a byte buffer: strings escaped per RFC 8259, numbers in their
/// shortest round-tripping form (never NaN or infinity: those become null).
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 15)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func number(_ value: Double) {
        guard value.isFinite else {
            raw("null")
            return
        }
        if value == value.rounded() && abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    public mutating func number(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// Writes `"key":` (with a leading comma unless `first`).
    public mutating func key(_ name: StaticString, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    public mutating func byte(_ character: UInt8) {
        bytes.append(character)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension TelemetrySample {
    /// The sample as a telemetry payload (and fixture line when it has a label).
    public func json(names: MetricNames, includeLabel: Bool = true) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + metrics.count * 32)
        writer.raw("{\"v\":1")
        writer.key("cell")
        writer.string(cell)
        writer.key("ts")
        writer.number(timestamp)
        writer.key("seq")
        writer.number(sequence)
        writer.key("metrics")
        writer.byte(UInt8(ascii: "{"))
        for (index, metric) in metrics.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(names.names[Int(metric.id)])
            writer.byte(UInt8(ascii: ":"))
            writer.number(metric.value)
        }
        writer.byte(UInt8(ascii: "}"))
        if includeLabel, let label {
            writer.key("label")
            writer.string(label)
        }
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }
}
