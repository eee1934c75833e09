import ArgumentParser
import Foundation
import Telemetry
import ZeroMQ

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Subscribe to alerts and print them for a person (or as JSON).",
        discussion: """
            Connects to the daemon's alert endpoint (a bare endpoint connects) and prints \
            every alert transition and re-send as it arrives, one line each, the same on a \
            terminal (with colour) and into a pipe or file: re-sends of active alerts are \
            marked "(re-sent)"; a clear comes once, on the topic of the severity the \
            alert was last published with (tail subscribes to every severity, so it sees \
            every transition exactly once). --json prints every payload as \
            received, one per line. Stops on Ctrl-C, or after --count messages.
            """)

    @Option(help: "Alert endpoint (@ binds, > connects; bare connects).")
    var alerts = ">tcp://127.0.0.1:5557"

    @Flag(help: "Print each payload as one line of JSON.")
    var json = false

    @Flag(help: "Print heartbeats too.")
    var heartbeats = false

    @Option(help: "Only alerts whose topic starts with this (e.g. alert.critical.).")
    var topic = "alert."

    @Option(help: "Exit after this many messages (at least 1).")
    var count: Int?

    @Option(help: "Exit after this many seconds without a message (more than 0, at most 86400).")
    var timeout: Double?

    func validate() throws {
        try OptionBounds.check("--count", count, in: 1...Int.max)
        try OptionBounds.check("--timeout", timeout, from: 0, lowerOpen: true, to: OptionBounds.waitSeconds)
    }

    @OptionGroup var curve: CurveClientOptions

    func run() throws {
        let endpoint = try Endpoint(parsing: alerts, defaultAction: .connect)
        let context = try Context()
        let socket = try Socket(context, type: .subscriber)
        try socket.setLinger(milliseconds: 0)
        try socket.subscribe(topic)
        if heartbeats { try socket.subscribe("heartbeat") }
        try curve.apply(to: socket)
        try socket.attach(endpoint)
        let printer = AlertPrinter(colour: !json && isatty(STDOUT_FILENO) == 1)
        var repeats = RepeatedClears()
        var received = 0
        var items = [socket.pollItem()]
        var lastMessage = ContinuousClock.now
        while count.map({ received < $0 }) ?? true {
            let ready = try poll(&items, timeoutMilliseconds: 200)
            if ready == 0 {
                if let timeout, ContinuousClock.now - lastMessage > .seconds(timeout) { break }
                continue
            }
            while let frames = try socket.receiveMultipart(dontWait: true) {
                lastMessage = ContinuousClock.now
                received += 1
                guard frames.count == 2 else { continue }
                let topicText = frames[0].string
                if json {
                    print(frames[1].string)
                } else if topicText == "heartbeat" {
                    print(printer.heartbeat(frames[1].string))
                } else if let alert = try? Alert(json: frames[1].bytes) {
                    if repeats.isRepeat(alert) { continue }
                    print(printer.line(alert))
                } else {
                    print("malformed alert on \(AlertPrinter.visible(topicText)): \(AlertPrinter.visible(String(frames[1].string.prefix(200))))")
                }
                flushStandardOutput()
                if let count, received >= count { break }
            }
        }
    }
}

/// Formats alerts for a person: one line each, coloured by severity on a terminal.
struct AlertPrinter {
    let colour: Bool

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func line(_ alert: Alert) -> String {
        let time = isoTime(alert.timestamp)
        let severityColour = ["critical": "1;31", "major": "31", "minor": "33", "warning": "36"][alert.severity.rawValue] ?? "0"
        let state = alert.resent ? "\(alert.state.rawValue) (re-sent)" : alert.state.rawValue
        let stateText = alert.state == .cleared ? paint(state, "32") : paint(state, "1")
        let evidence = alert.evidence.prefix(3).map { item in
            "\(Self.visible(item.metric))=\(number(item.value)) (normal \(number(item.low))..\(number(item.high)))"
        }.joined(separator: ", ")
        // Pad the visible text, never cut it ("updated (re-sent)" is longer than 8), and
        // pad outside the colour codes so columns line up on a terminal and in a pipe.
        let statePadding = String(repeating: " ", count: max(0, 8 - state.count))
        return "\(time) \(paint(alert.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), severityColour)) "
            + "\(stateText)\(statePadding) \(Self.visible(alert.cell))  \(paint(Self.visible(alert.kind), "1"))  "
            + String(format: "score %.2f", alert.score) + (evidence.isEmpty ? "" : "  \(evidence)")
    }

    func heartbeat(_ payload: String) -> String {
        paint("heartbeat \(Self.visible(payload))", "2")
    }

    /// Text from the wire made safe for a terminal: control characters (escape
    /// sequences, carriage returns, newlines, NUL) shown as `\u{..}`, so a cell id or a
    /// metric name cannot clear the screen, recolour it or forge a line.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafeToShow) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isUnsafeToShow(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        return String(format: abs(value) >= 10_000 ? "%.0f" : "%.4g", value)
    }
}

/// Recognises the copies of one clear: the daemon publishes a `cleared` on every severity
/// topic the alert was published on (so a subscriber to one severity learns it), and a
/// subscriber to all of them receives each copy. Remembers the ids of the last 4,096
/// clears.
struct RepeatedClears {
    private var seen = Set<String>()
    private var order: [String] = []

    /// Whether `alert` is a further copy of a clear already seen.
    mutating func isRepeat(_ alert: Alert) -> Bool {
        guard alert.state == .cleared, !alert.resent else { return false }
        guard seen.insert(alert.id).inserted else { return true }
        order.append(alert.id)
        if order.count > 4096 {
            seen.remove(order.removeFirst())
        }
        return false
    }
}

/// `2026-11-06T09:41:00Z` for epoch seconds; a time no calendar shows (beyond the year
/// 5138, before 1970 by as much, or not a number: a broken publisher's) as the number.
func isoTime(_ seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e11 else { return "ts \(seconds)" }
    var time = time_t(seconds.rounded(.down))
    var parts = tm()
    gmtime_r(&time, &parts)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                  parts.tm_hour, parts.tm_min, parts.tm_sec)
}

/// Flushes stdout so a line reaches a pipe at once.
func flushStandardOutput() {
    fflush(nil)  // all output streams; avoids touching the global `stdout`
}
