import Foundation
import Telemetry

/// Telemetry decoding cost: the project's decoder against Foundation's `JSONDecoder`.
public enum DecodeBenchmark {
    /// What `JSONDecoder` decodes into: the same fields, checked as far as Codable checks.
    struct CodablePayload: Decodable {
        var v: Int
        var cell: String
        var ts: Double
        var seq: Int64
        var metrics: [String: Double]
    }

    /// Realistic payloads: `metricCount` 3GPP-style metrics, distinct cells and values.
    public static func payloads(count: Int, metricCount: Int, cells: Int = 500) -> [[UInt8]] {
        let names = [
            "RRU.PrbTotDl", "RRU.PrbTotUl", "DRB.UEThpDl", "DRB.UEThpUl", "RRC.ConnMean", "RRC.ConnMax",
            "DRB.RlcSduDelayDl", "TB.ErrTotNbrDl", "TB.TotNbrDl", "TB.ErrTotNbrUl", "TB.TotNbrUl",
            "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "HO.ExeAtt", "HO.ExeSucc", "RACH.PreambleDedAtt",
            "PEE.AvgTemperature", "RU.VSWR", "L1M.ULSINR", "DRB.PacketLossRateUl",
        ]
        return (0..<count).map { index in
            let cell = index % cells
            var text = #"{"v":1,"cell":"gnb-\#(String(format: "%04d", cell / 3))/cell-\#(cell % 3)","ts":\#(1764331200 + (index / cells) * 60).25,"seq":\#(index / cells),"metrics":{"#
            for metric in 0..<metricCount {
                if metric > 0 { text += "," }
                let value = Double((index * 7919 + metric * 104_729) % 100_000) / 10
                text += "\"\(names[metric % names.count])\(metric >= names.count ? String(metric) : "")\":\(value)"
            }
            return Array((text + "}}").utf8)
        }
    }

    /// Decodes every payload with the project's decoder; returns the metric count seen.
    @inline(never)
    public static func runSpikewatch(_ payloads: [[UInt8]]) -> Int {
        var decoder = TelemetryDecoder()
        var total = 0
        for payload in payloads {
            if let sample = try? decoder.decode(payload) { total += sample.metrics.count }
        }
        return total
    }

    /// Decodes every payload with Foundation's `JSONDecoder`.
    @inline(never)
    public static func runFoundation(_ payloads: [[UInt8]]) -> Int {
        let decoder = JSONDecoder()
        var total = 0
        for payload in payloads {
            if let sample = try? decoder.decode(CodablePayload.self, from: Data(payload)) { total += sample.metrics.count }
        }
        return total
    }
}
