/// The daemon's liveness message (docs/alerts.md): topic `heartbeat`, payload
/// `{"v":1,"ts","uptime_s","cells","active_alerts"}`. Not an alert transition.
public struct Heartbeat: Sendable, Equatable {
    public static let topic = "heartbeat"
    /// Wall-clock seconds since the epoch, to the millisecond.
    public var timestamp: Double
    /// Whole seconds since the daemon started.
    public var uptimeSeconds: Int64
    public var cells: Int64
    public var activeAlerts: Int64

    public init(timestamp: Double, uptimeSeconds: Int64, cells: Int64, activeAlerts: Int64) {
        self.timestamp = timestamp
        self.uptimeSeconds = uptimeSeconds
        self.cells = cells
        self.activeAlerts = activeAlerts
    }

    /// The payload JSON.
    public func json() -> [UInt8] {
        var writer = JSONWriter()
        writer.raw("{\"v\":1")
        writer.key("ts")
        writer.number((timestamp * 1000).rounded() / 1000)
        writer.key("uptime_s")
        writer.number(Double(uptimeSeconds))
        writer.key("cells")
        writer.number(cells)
        writer.key("active_alerts")
        writer.number(activeAlerts)
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }
}
