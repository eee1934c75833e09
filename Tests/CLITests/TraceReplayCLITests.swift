import Foundation
import SpikewatchTestSupport
import Testing

@Suite("trace replay: a cell's day, its faults and its alerts")
struct TraceReplayCLITests {
    /// The SVG's `<line>` and `<text>` elements as attribute dictionaries (and text).
    static func elements(_ svg: String, _ name: String) -> [(attributes: [String: String], content: String)] {
        svg.split(separator: "\n").compactMap { line -> ([String: String], String)? in
            guard line.hasPrefix("<\(name) ") else { return nil }
            var attributes: [String: String] = [:]
            for match in line.matches(of: /([a-z0-9-]+)="([^"]*)"/) { attributes[String(match.1)] = attributes[String(match.1)] ?? String(match.2) }
            let content = line.firstMatch(of: />([^<]*)</).map { String($0.1) } ?? ""
            return (attributes, content)
        }
    }

    @Test("the fault windows named by kind, each alert's raise and clear marked, no label cut off, spikes not over the windows")
    func demoCell() throws {
        let out = temporaryDirectory().appendingPathComponent("cell3.svg").path
        let result = try SpikewatchProcess.run([
            "trace", "replay", repositoryRoot.appendingPathComponent("fixtures/demo.jsonl").path,
            "--cell", "gnb-0017/cell-3", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: out, encoding: .utf8)
        let texts = Self.elements(svg, "text")
        let words = Set(texts.map(\.content))

        // The demo's labelled faults on cell 3, each named.
        for kind in ["congestion", "backhaul_degradation", "sleeping_cell"] {
            #expect(texts.filter { $0.content == kind }.count >= 2, "\(kind): named as a fault and as the alert's kind")
        }
        #expect(words.contains("labelled faults"))
        #expect(words.contains("alerts (raised..cleared)"))
        // Its alerts: raised (solid) and cleared (dashed) lines through each of the 3 panels.
        let lines = Self.elements(svg, "line")
        let raises = lines.filter { $0.attributes["stroke"] == "#8b1a1a" && $0.attributes["stroke-dasharray"] == nil }
        let clears = lines.filter { $0.attributes["stroke"] == "#8b1a1a" && $0.attributes["stroke-dasharray"] == "2,2" }
        let alertCount = Int(try #require(result.stdout.firstMatch(of: /(\d+) alerts/)?.1)) ?? 0
        #expect(alertCount >= 3, "\(result.stdout)")
        // Each alert: one line per panel, one on its bar.
        #expect(raises.count == alertCount * 4, "\(raises.count) raise lines for \(alertCount) alerts")
        #expect(clears.count == alertCount * 4, "\(clears.count) clear lines for \(alertCount) alerts")

        // No text starts left of the figure (the raster's label was cut off).
        for text in texts {
            let x = Double(text.attributes["x"] ?? "") ?? -1
            let size = Double(text.attributes["font-size"] ?? "") ?? 10
            let width = Double(text.content.count) * size * 0.55
            let left = switch text.attributes["text-anchor"] {
            case "end": x - width
            case "middle": x - width / 2
            default: x
            }
            if text.attributes["transform"] == nil {
                #expect(left >= 0, "\"\(text.content)\" starts at x \(left)")
            }
        }
        // The evidence neuron spikes in bursts: drawn as ticks at the top of the panel
        // (at most 10 px tall), not as impulses from the threshold that paint over the
        // shaded windows.
        let spikeLines = lines.filter { $0.attributes["stroke"] == "#d0312d" && $0.attributes["stroke-dasharray"] == nil }
        #expect(spikeLines.count > 300)
        let heights = spikeLines.map { abs((Double($0.attributes["y2"] ?? "") ?? 0) - (Double($0.attributes["y1"] ?? "") ?? 0)) }
        // Tall impulses only where spikes stand apart (a panel with a few spikes): never
        // packed closer than 3 px, where they would fill the panel red.
        let tallXs = zip(spikeLines, heights).filter { $0.1 > 10 }.map { Double($0.0.attributes["x1"] ?? "") ?? 0 }.sorted()
        #expect(zip(tallXs, tallXs.dropFirst()).allSatisfy { $1 - $0 >= 3 }, "tall spike impulses packed closer than 3 px")
        #expect(heights.filter { $0 <= 10 }.count > 300, "the bursts are not drawn as ticks")
        #expect(heights.allSatisfy { $0 > 0 })
    }

    @Test("control characters in a cell id, metric name or label are shown as \\u{..}: the SVG stays well-formed XML")
    func controlCharactersEscaped() throws {
        let directory = temporaryDirectory()
        let fixture = directory.appendingPathComponent("hostile.jsonl")
        var lines: [String] = []
        for minute in 0..<200 {
            let load = minute >= 150 ? 90.0 : 30.0 + Double(minute % 7)
            let label = minute >= 150 ? ",\"label\":\"congestion\\u001b[2J\"" : ""
            lines.append(
                "{\"v\":1,\"cell\":\"cell\\u0001x\",\"ts\":\(1_793_923_200 + minute * 60),\"seq\":\(minute),"
                    + "\"metrics\":{\"m\\u0002load\":\(load)}\(label)}")
        }
        try lines.joined(separator: "\n").write(to: fixture, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("hostile.svg").path
        let result = try SpikewatchProcess.run(["trace", "replay", fixture.path, "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOfFile: out, encoding: .utf8)
        let forbidden = svg.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }
        #expect(forbidden.isEmpty, "\(forbidden.count) control characters XML cannot carry")
        #expect(svg.contains("cell\\u{1}x"))
        #expect(svg.contains("congestion\\u{1b}[2J"))
    }
}
