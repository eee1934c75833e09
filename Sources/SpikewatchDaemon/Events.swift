import Foundation
import Synchronization

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A one-shot event between threads: fired once, waited for by a thread (blocking, with
/// a deadline) or by a task (``wait(timeout:)`` off the cooperative pool).
final class Signal: @unchecked Sendable {
    // @unchecked Sendable: `fired` is only read or written with `condition` locked.
    private let condition = NSCondition()
    private var fired = false
    /// "Forever", as a date NSCondition can take (about four months).
    static let longestWait = 1e7

    func fire() {
        condition.lock()
        fired = true
        condition.broadcast()
        condition.unlock()
    }

    var isFired: Bool {
        condition.lock()
        defer { condition.unlock() }
        return fired
    }

    /// Blocks until fired or `timeout` seconds pass; whether it fired.
    func block(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: min(timeout, Self.longestWait))
        condition.lock()
        defer { condition.unlock() }
        while !fired {
            if !condition.wait(until: deadline) { return fired }
        }
        return true
    }

    /// Awaits the event without holding a cooperative thread: a short-lived thread does
    /// the blocking wait (used only at start and stop).
    func wait(timeout: Double) async -> Bool {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: self.block(timeout: timeout)) }
            thread.name = "spikewatch-wait"
            thread.start()
        }
    }
}

/// One answer handed from one thread to another, waited for with a deadline.
final class Reply<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only read or written with `condition` locked.
    private let condition = NSCondition()
    private var value: Value?
    static var longestWait: Double { Signal.longestWait }

    func deliver(_ answer: Value) {
        condition.lock()
        value = answer
        condition.broadcast()
        condition.unlock()
    }

    /// The answer, or nil if none came within `timeout` seconds.
    func wait(timeout: Double) -> Value? {
        let deadline = Date(timeIntervalSinceNow: min(timeout, Self.longestWait))
        condition.lock()
        defer { condition.unlock() }
        while value == nil {
            if !condition.wait(until: deadline) { break }
        }
        return value
    }
}

/// A self-pipe: lets another thread wake a loop that waits in `zmq_poll`/`poll` on its
/// sockets, so the loop sleeps until there is something to do.
final class WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ConfigurationError("cannot create a wake-up pipe: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    func notify() {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)
    }

    /// Empties the pipe (after a wake-up).
    func drain() {
        var bytes = [UInt8](repeating: 0, count: 256)
        while read(readEnd, &bytes, bytes.count) > 0 {}
    }
}

/// Progress of one processing loop, for the watchdog: it pings systemd only while every
/// loop has moved on since the last check or sits idle waiting for input.
final class LoopHealth: Sendable {
    let name: String
    let progress = Atomic<UInt64>(0)
    let idle = Atomic<Bool>(true)
    /// The loop's thread has ended.
    let finished = Signal()

    init(name: String) { self.name = name }

    func tick() { progress.add(1, ordering: .relaxed) }
}

/// The watchdog's view of the processing loops: a loop is healthy when it has moved on
/// since the previous check or sits idle waiting for input. The supervisor runs
/// ``check()`` on its timer (every half watchdog interval, or ``defaultPeriod`` without
/// a watchdog) and pings systemd only when it found nothing stalled; `/healthz` reports
/// the verdict of the latest check, so both say the same thing.
final class LoopWatch: Sendable {
    /// How often the loops are checked when systemd set no watchdog: half of the unit's
    /// `WatchdogSec=10s`, so `/healthz` means the same with and without systemd.
    static let defaultPeriod: Duration = .seconds(5)

    let loops: [LoopHealth]
    private let seen: Mutex<[UInt64]>
    private let stalledNames = Mutex<[String]>([])

    init(_ loops: [LoopHealth]) {
        self.loops = loops
        seen = Mutex(loops.map { $0.progress.load(ordering: .relaxed) })
    }

    /// Compares every loop's progress with the previous check's; the names of the
    /// stalled loops (empty: all healthy), also kept for ``stalled``.
    @discardableResult
    func check() -> [String] {
        let progress = loops.map { $0.progress.load(ordering: .relaxed) }
        let previous = seen.withLock { seen in
            defer { seen = progress }
            return seen
        }
        let stalled = zip(loops, zip(progress, previous)).compactMap { loop, pair in
            pair.0 != pair.1 || loop.idle.load(ordering: .relaxed) ? nil : loop.name
        }
        stalledNames.withLock { $0 = stalled }
        return stalled
    }

    /// The loops the latest ``check()`` found stalled.
    var stalled: [String] { stalledNames.withLock { $0 } }
}
