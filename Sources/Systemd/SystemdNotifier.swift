internal import CSystemd
import Dispatch
import Synchronization
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
        /// More time for the start-up, reload or stop under way: the timeout now ends this
        /// long from now (`EXTEND_TIMEOUT_USEC=...`).
        case extendTimeout(Duration)

        /// The `KEY=value` line sent for this state.
        public var line: String {
            switch self {
            case .ready: "READY=1"
            case .reloading: "RELOADING=1"
            case .stopping: "STOPPING=1"
            case .watchdog: "WATCHDOG=1"
            case .status(let text): "STATUS=" + text.replacing("\n", with: " ")
            case .mainPID(let pid): "MAINPID=\(pid)"
            case .extendTimeout(let duration):
                "EXTEND_TIMEOUT_USEC=\(max(0, duration.components.seconds) * 1_000_000 + max(0, duration.components.attoseconds / 1_000_000_000_000))"
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

    /// Sends states in one datagram (lines joined by newlines), in order, from a thread of
    /// their own (``NotificationSender``): sd_notify(3) blocks while the socket's queue is
    /// full (a supervisor that stopped reading), and the caller must not stop handling
    /// signals for it. While 64 datagrams wait, status and watchdog lines are dropped;
    /// the others (READY, RELOADING, STOPPING, EXTEND_TIMEOUT_USEC) always queue.
    /// - Returns: `true` if queued, `false` if no socket is set or the datagram was dropped.
    @discardableResult
    public func notify(_ states: [State]) -> Bool {
        guard isEnabled else { return false }
        let text = states.map(\.line).joined(separator: "\n")
        let droppable = states.allSatisfy {
            switch $0 {
            case .status, .watchdog: true
            default: false
            }
        }
        return NotificationSender.shared.send(text, droppable: droppable)
    }

    /// Waits until every queued datagram was handed to the socket, at most `timeout`
    /// (before the process exits: STOPPING=1 must not be lost with it).
    /// - Returns: `false` if some were still waiting.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        NotificationSender.shared.flush(timeout: timeout)
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

/// Hands notification datagrams to sd_notify(3) on one serial queue of its own, so a
/// send that blocks (systemd not reading its socket) blocks only that queue.
final class NotificationSender: Sendable {
    static let shared = NotificationSender()
    /// Datagrams queued and not yet sent beyond which status and watchdog lines are dropped.
    static let mostPending = 64
    private let queue = DispatchQueue(label: "spikewatch-notify")
    private let pending = Atomic<Int>(0)

    func send(_ text: String, droppable: Bool) -> Bool {
        if droppable && pending.load(ordering: .relaxed) >= Self.mostPending { return false }
        pending.add(1, ordering: .relaxed)
        queue.async { [self] in
            _ = sd_notify(0, text)
            pending.subtract(1, ordering: .relaxed)
        }
        return true
    }

    func flush(timeout: Duration) -> Bool {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return done.wait(timeout: .now() + max(0, seconds)) == .success
    }
}
