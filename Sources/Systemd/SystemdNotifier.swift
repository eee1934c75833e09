internal import CSystemd
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Sends service state to systemd over the `NOTIFY_SOCKET` datagram socket.
///
/// With no `NOTIFY_SOCKET` in the environment (not started by systemd) every call is a
/// silent no-op, as sd_notify(3) specifies.
public struct SystemdNotifier: Sendable {
    /// One notification as sd_notify(3) defines it.
    public enum State: Sendable, Equatable {
        /// Start-up is finished (`READY=1`).
        case ready
        /// A reload has begun (`RELOADING=1`); send ``ready`` when it ends.
        case reloading
        /// Shutdown has begun (`STOPPING=1`).
        case stopping
        /// Keep-alive for the service watchdog (`WATCHDOG=1`).
        case watchdog
        /// A one-line human-readable status (`STATUS=...`).
        case status(String)
        /// The main process's PID (`MAINPID=...`).
        case mainPID(Int32)

        /// The `KEY=value` line sent for this state.
        public var line: String {
            switch self {
            case .ready: "READY=1"
            case .reloading: "RELOADING=1"
            case .stopping: "STOPPING=1"
            case .watchdog: "WATCHDOG=1"
            case .status(let text): "STATUS=" + text.replacing("\n", with: " ")
            case .mainPID(let pid): "MAINPID=\(pid)"
            }
        }
    }

    /// Creates a notifier for this process.
    public init() {}

    /// Whether a `NOTIFY_SOCKET` is set, i.e. systemd listens for notifications.
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Sends one or more states in one datagram.
    /// - Returns: `true` if sent, `false` if no socket is set or sending failed.
    /// The corresponding C function is `sd_notify`.
    @discardableResult
    public func notify(_ states: State...) -> Bool {
        notify(states)
    }

    /// Sends states in one datagram (lines joined by newlines).
    @discardableResult
    public func notify(_ states: [State]) -> Bool {
        let text = states.map(\.line).joined(separator: "\n")
        return sd_notify(0, text) > 0
    }

    /// The watchdog interval systemd expects pings within, if the watchdog is on for
    /// this process (`WATCHDOG_USEC`, and `WATCHDOG_PID` when set, must name this PID).
    /// Ping at half of it. The corresponding C function is `sd_watchdog_enabled`.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }
}
