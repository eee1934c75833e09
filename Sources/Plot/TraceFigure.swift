/// A membrane-potential figure: an input raster on top, then one or more V(t) panels,
/// each with its resting level and threshold as lines and its spikes as impulses.
/// Rendering only formats SVG text; writing it out is the caller's job.
public struct TraceFigure: Sendable {
    /// One row of the input raster.
    public struct RasterRow: Sendable {
        public var label: String
        public var times: [Double]
        public init(label: String, times: [Double]) {
            self.label = label
            self.times = times
        }
    }

    /// A shaded time window, e.g. a labelled fault.
    public struct Window: Sendable {
        public var start: Double
        public var end: Double
        public var label: String
        public init(start: Double, end: Double, label: String) {
            self.start = start
            self.end = end
            self.label = label
        }
    }

    /// An alert's life: raised at `raised`, cleared at `cleared` (nil: still active at the
    /// end of the figure).
    public struct AlertSpan: Sendable {
        public var raised: Double
        public var cleared: Double?
        public var label: String
        public init(raised: Double, cleared: Double?, label: String) {
            self.raised = raised
            self.cleared = cleared
            self.label = label
        }
    }

    /// One V(t) panel.
    public struct Panel: Sendable {
        public var title: String
        public var points: [(time: Double, v: Double)]
        public var vRest: Double
        public var vThresh: Double
        public var spikes: [Double]
        public var windows: [Window]
        /// Draw the resting level and threshold lines (off for plain metric plots).
        public var referenceLines = true
        /// The y-axis label of this panel (default: the figure's voltage label).
        public var yLabel: String?
        public init(
            title: String, points: [(time: Double, v: Double)], vRest: Double, vThresh: Double, spikes: [Double],
            windows: [Window] = []
        ) {
            self.title = title
            self.points = points
            self.vRest = vRest
            self.vThresh = vThresh
            self.spikes = spikes
            self.windows = windows
        }
    }

    public var title: String
    /// The time axis label, with its unit: "time (ms)".
    public var timeLabel: String
    /// The V axis label: "V (membrane potential)".
    public var voltageLabel: String
    public var start: Double
    public var end: Double
    public var raster: [RasterRow]
    /// The raster's label.
    public var rasterLabel = "inputs"
    public var panels: [Panel]
    /// Labelled windows drawn as a row of bars, each named, above the panels (the panels
    /// shade their own `windows`).
    public var labelledWindows: [Window] = []
    /// The row label of `labelledWindows`.
    public var windowsLabel = "labelled faults"
    /// Alerts drawn as a row of bars, each named at its raise, above the panels, and as a
    /// line through every panel where each was raised (solid) and cleared (dashed).
    public var alerts: [AlertSpan] = []
    /// Formats a time tick; defaults to the number itself.
    public var formatTime: @Sendable (Double) -> String = { formatTick($0) }

    public init(
        title: String, timeLabel: String, voltageLabel: String = "V (membrane potential)", start: Double,
        end: Double, raster: [RasterRow], panels: [Panel]
    ) {
        self.title = title
        self.timeLabel = timeLabel
        self.voltageLabel = voltageLabel
        self.start = start
        self.end = end
        self.raster = raster
        self.panels = panels
    }

    static let width = 960.0
    static let left = 90.0
    static let right = 150.0
    static let rowHeight = 12.0
    static let panelHeight = 220.0
    static let gap = 46.0

    /// The figure as a standalone SVG document.
    public func svg() -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let span = max(end - start, .leastNonzeroMagnitude)
        func x(_ t: Double) -> Double { Self.left + (min(max(t, start), end) - start) / span * plotWidth }
        let rasterHeight = raster.isEmpty ? 0 : Double(min(raster.count, 40)) * Self.rowHeight + 10
        var y = 40.0
        var body = ""
        body += text(Self.width / 2, 22, title, size: 15, anchor: "middle", weight: "bold")
        let timeTicks = niceTicks(start, end, count: 8)

        if !raster.isEmpty {
            // Above the raster, from the plot's left edge: never cut off by the margin.
            body += text(Self.left, y + 4, rasterLabel, size: 11, fill: "#555", weight: "bold")
            let rows = raster.prefix(40)
            for (index, row) in rows.enumerated() {
                let rowY = y + 10 + Double(index) * Self.rowHeight
                body += line(Self.left, rowY + Self.rowHeight / 2, Self.left + plotWidth, rowY + Self.rowHeight / 2, stroke: "#eee")
                if rows.count <= 16 {
                    body += text(Self.left + plotWidth + 6, rowY + Self.rowHeight - 2, row.label, size: 9, fill: "#555")
                }
                for t in row.times where t >= start && t <= end {
                    body += line(x(t), rowY + 1, x(t), rowY + Self.rowHeight - 1, stroke: "#1f5fa8", width: 1.2)
                }
            }
            if raster.count > 40 {
                body += text(Self.left + plotWidth + 6, y + rasterHeight, "(+\(raster.count - 40) more)", size: 9, fill: "#555")
            }
            y += rasterHeight + 26
        } else {
            y += 18
        }

        // Rows of named bars: the labelled windows, then the alerts.
        func barRow(_ bars: [(start: Double, end: Double, label: String, open: Bool)], rowLabel: String, fill: String, labelFill: String) {
            // Labels above the bars, each left-aligned at its bar's start, on as many lines as
            // it takes for no two to overlap (about 5.6 px per character at 10 px).
            var lineEnds: [Double] = []
            var placed: [(x: Double, line: Int, label: String)] = []
            for bar in bars.sorted(by: { $0.start < $1.start }) where bar.end >= start && bar.start <= end {
                let x0 = x(bar.start)
                let width = Double(bar.label.count) * 5.6
                let line = lineEnds.firstIndex { $0 + 6 <= x0 } ?? lineEnds.count
                if line == lineEnds.count { lineEnds.append(0) }
                lineEnds[line] = x0 + width
                placed.append((x0, line, bar.label))
            }
            let lines = Double(max(lineEnds.count, 1))
            let barY = y + lines * 12 + 2
            body += text(Self.left + plotWidth + 6, barY + 9, rowLabel, size: 10, fill: labelFill, weight: "bold")
            body += line(Self.left, barY + 5, Self.left + plotWidth, barY + 5, stroke: "#eee")
            for item in placed {
                body += text(item.x, barY - 4 - Double(lineEnds.count - 1 - item.line) * 12, item.label, size: 10, fill: labelFill)
            }
            for bar in bars where bar.end >= start && bar.start <= end {
                let x0 = x(bar.start)
                let x1 = max(x(bar.end), x0 + 2)
                body += "<rect x=\"\(f(x0))\" y=\"\(f(barY))\" width=\"\(f(x1 - x0))\" height=\"10\" fill=\"\(fill)\"><title>\(escape(bar.label))</title></rect>\n"
                body += line(x0, barY - 2, x0, barY + 12, stroke: labelFill, width: 1.2)
                if !bar.open { body += line(x1, barY - 2, x1, barY + 12, stroke: labelFill, width: 1.2, dash: "2,2") }
            }
            y = barY + 10 + 14
        }
        if !labelledWindows.isEmpty {
            barRow(labelledWindows.map { ($0.start, $0.end, $0.label, false) }, rowLabel: windowsLabel, fill: "#f5a623", labelFill: "#8a5300")
        }
        if !alerts.isEmpty {
            barRow(alerts.map { ($0.raised, $0.cleared ?? end, $0.label, $0.cleared == nil) },
                   rowLabel: "alerts (raised..cleared)", fill: "#d0312d", labelFill: "#8b1a1a")
        }
        if !labelledWindows.isEmpty || !alerts.isEmpty { y += 16 }

        for panel in panels {
            let values = panel.points.map(\.v) + (panel.referenceLines ? [panel.vRest, panel.vThresh] : [])
            var low = values.min() ?? 0
            var high = (values.max() ?? 1)
            let pad = max((high - low) * 0.08, 1e-9)
            low -= pad
            high += pad + (high - low) * 0.18  // room for spike impulses above the threshold
            func vy(_ v: Double) -> Double { y + Self.panelHeight - (v - low) / (high - low) * Self.panelHeight }
            body += text(Self.left, y - 8, panel.title, size: 12, weight: "bold")
            for window in panel.windows {
                let x0 = x(window.start)
                let x1 = max(x(window.end), x0 + 1.5)
                body += "<rect x=\"\(f(x0))\" y=\"\(f(y))\" width=\"\(f(x1 - x0))\" height=\"\(f(Self.panelHeight))\" fill=\"#f5a623\" fill-opacity=\"0.18\"><title>\(escape(window.label))</title></rect>\n"
            }
            body += "<rect x=\"\(f(Self.left))\" y=\"\(f(y))\" width=\"\(f(plotWidth))\" height=\"\(f(Self.panelHeight))\" fill=\"none\" stroke=\"#999\"/>\n"
            for tick in niceTicks(low, high, count: 5) {
                body += line(Self.left - 4, vy(tick), Self.left, vy(tick), stroke: "#999")
                body += text(Self.left - 7, vy(tick) + 4, formatTick(tick), size: 10, anchor: "end", fill: "#333")
            }
            for tick in timeTicks {
                body += line(x(tick), y + Self.panelHeight, x(tick), y + Self.panelHeight + 4, stroke: "#999")
                body += text(x(tick), y + Self.panelHeight + 16, formatTime(tick), size: 10, anchor: "middle", fill: "#333")
            }
            // Resting level and threshold.
            if panel.referenceLines {
            body += line(Self.left, vy(panel.vRest), Self.left + plotWidth, vy(panel.vRest), stroke: "#2a9d3f", width: 1, dash: "2,3")
            body += text(Self.left + plotWidth + 6, vy(panel.vRest) + 4, "v_rest \(formatTick(panel.vRest))", size: 10, fill: "#2a9d3f")
            body += line(Self.left, vy(panel.vThresh), Self.left + plotWidth, vy(panel.vThresh), stroke: "#d0312d", width: 1, dash: "6,4")
            body += text(Self.left + plotWidth + 6, vy(panel.vThresh) + 4, "v_thresh \(formatTick(panel.vThresh))", size: 10, fill: "#d0312d")
            }
            // Spikes: vertical impulses from the threshold to the top while they stand apart;
            // when some are closer than 3 px (a burst fills the panel red and hides the
            // shaded windows), ticks in a strip along the top instead.
            let spikeXs = panel.spikes.filter { $0 >= start && $0 <= end }.map(x).sorted()
            let crowded = zip(spikeXs, spikeXs.dropFirst()).contains { $1 - $0 < 3 }
            for spikeX in spikeXs {
                body += crowded
                    ? line(spikeX, y + 2, spikeX, y + 12, stroke: "#d0312d", width: 1)
                    : line(spikeX, vy(panel.vThresh), spikeX, y + 2, stroke: "#d0312d", width: 1.4)
            }
            // V(t).
            var path = ""
            for (index, point) in panel.points.enumerated() where point.time >= start && point.time <= end {
                path += (index == 0 || path.isEmpty ? "M" : "L") + f(x(point.time)) + "," + f(vy(point.v)) + " "
            }
            body += "<path d=\"\(path)\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.3\" stroke-linejoin=\"round\"/>\n"
            // The windows' edges over everything, so a dense trace never hides where they are.
            for window in panel.windows {
                let x0 = x(window.start)
                let x1 = max(x(window.end), x0 + 1.5)
                body += line(x0, y, x0, y + Self.panelHeight, stroke: "#d98a00", width: 1, dash: "4,3")
                body += line(x1, y, x1, y + Self.panelHeight, stroke: "#d98a00", width: 1, dash: "4,3")
            }
            // Each alert's raise (solid) and clear (dashed).
            for alert in alerts {
                if alert.raised >= start && alert.raised <= end {
                    body += line(x(alert.raised), y, x(alert.raised), y + Self.panelHeight, stroke: "#8b1a1a", width: 1.2)
                }
                if let cleared = alert.cleared, cleared >= start && cleared <= end {
                    body += line(x(cleared), y, x(cleared), y + Self.panelHeight, stroke: "#8b1a1a", width: 1.2, dash: "2,2")
                }
            }
            body += "<text x=\"\(f(Self.left - 60))\" y=\"\(f(y + Self.panelHeight / 2))\" font-size=\"11\" fill=\"#333\" text-anchor=\"middle\" transform=\"rotate(-90 \(f(Self.left - 60)) \(f(y + Self.panelHeight / 2)))\">\(escape(panel.yLabel ?? voltageLabel))</text>\n"
            if panel.referenceLines {
                body += text(Self.left + plotWidth + 6, y + 14, "\(panel.spikes.count) spike\(panel.spikes.count == 1 ? "" : "s")", size: 10, fill: "#d0312d")
            }
            y += Self.panelHeight + Self.gap
        }
        body += text(Self.left + plotWidth / 2, y - Self.gap + 34, timeLabel, size: 12, anchor: "middle", fill: "#333")
        let height = y - Self.gap + 50
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(Self.width))" height="\(f(height))" viewBox="0 0 \(f(Self.width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            \(body)</svg>

            """
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, size: Double, anchor: String = "start", fill: String = "#111", weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\" font-weight=\"\(weight)\">\(escape(content))</text>\n"
    }
}

/// Formats a coordinate with two decimals at most.
func f(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// Escapes text for SVG. Characters XML cannot carry at all (control characters other
/// than tab, line feed and carriage return, U+FFFE, U+FFFF) are shown as `\u{..}`, as the
/// terminal output shows them: a cell id or label from a careless publisher cannot make
/// the file unreadable.
func escape(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "&": result += "&amp;"
        case "\"": result += "&quot;"
        case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF || (0x7F...0x9F).contains(scalar.value):
            result += "\\u{\(String(scalar.value, radix: 16))}"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// Tick label: integers plainly, others with up to 3 significant decimals.
public func formatTick(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    var text = String(format3(value))
    while text.contains(".") && (text.hasSuffix("0") || text.hasSuffix(".")) { text.removeLast() }
    return text
}

private func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}

/// About `count` round tick values covering [low, high] (1, 2, 5 x 10^k steps).
public func niceTicks(_ low: Double, _ high: Double, count: Int) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let raw = (high - low) / Double(max(count, 1))
    let magnitude = pow10(floorLog10(raw))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var tick = (low / step).rounded(.up) * step
    while tick <= high + step * 1e-9 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick += step
    }
    return ticks
}

private func floorLog10(_ value: Double) -> Int {
    var exponent = 0
    var v = value
    while v >= 10 { v /= 10; exponent += 1 }
    while v < 1 { v *= 10; exponent -= 1 }
    return exponent
}

private func pow10(_ exponent: Int) -> Double {
    var result = 1.0
    if exponent >= 0 { for _ in 0..<exponent { result *= 10 } } else { for _ in 0..<(-exponent) { result /= 10 } }
    return result
}
