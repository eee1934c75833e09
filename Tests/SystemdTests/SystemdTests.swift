import Foundation
import Logging
import SpikewatchTestSupport
import Systemd
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// These tests change the process environment, so they run one at a time.
@Suite("sd_notify over a real AF_UNIX socket", .serialized)
struct SystemdNotifierTests {
    @Test("each state arrives as the datagram sd_notify(3) defines")
    func datagrams() throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        let notifier = SystemdNotifier()
        defer {
            notifier.flush(timeout: .seconds(5))  // the sender reads NOTIFY_SOCKET: done before it goes
            unsetenv("NOTIFY_SOCKET")
        }
        #expect(notifier.isEnabled)
        #expect(notifier.notify(.ready, .status("listening on 2 endpoints")))
        #expect(listener.receive() == "READY=1\nSTATUS=listening on 2 endpoints")
        #expect(notifier.notify(.watchdog))
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(notifier.notify(.reloading))
        #expect(listener.receive() == "RELOADING=1")
        #expect(notifier.notify(.stopping))
        #expect(listener.receive() == "STOPPING=1")
        #expect(notifier.notify(.mainPID(1234)))
        #expect(listener.receive() == "MAINPID=1234")
        #expect(notifier.notify(.status("two\nlines")))
        #expect(listener.receive() == "STATUS=two lines")
        #expect(notifier.notify(.extendTimeout(.milliseconds(15_500))))
        #expect(listener.receive() == "EXTEND_TIMEOUT_USEC=15500000")
    }

    @Test("a socket nobody reads blocks no caller: status lines beyond the queue are dropped, READY and STOPPING still queue and arrive once it is read")
    func unreadSocket() throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        let notifier = SystemdNotifier()
        defer {
            notifier.flush(timeout: .seconds(5))
            unsetenv("NOTIFY_SOCKET")
        }
        // The kernel queues net.unix.max_dgram_qlen datagrams (10 in a container, 512 where
        // systemd booted the machine); past it and the sender's 64 the lines are dropped.
        let queued = (try? String(contentsOfFile: "/proc/sys/net/unix/max_dgram_qlen", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 512
        let sent = queued + 64 + 200
        let began = ContinuousClock.now
        var dropped = 0
        for index in 0..<sent where !notifier.notify(.status("status \(index)")) { dropped += 1 }
        #expect(notifier.notify(.stopping))
        #expect(ContinuousClock.now - began < .seconds(2), "a caller blocked on the full socket")
        #expect(dropped >= 150, "\(dropped) of \(sent) dropped")
        #expect(!notifier.flush(timeout: .milliseconds(200)))
        var received: [String] = []
        while let line = listener.receive(timeoutMilliseconds: 2000) {
            received.append(line)
            if line == "STOPPING=1" { break }
        }
        #expect(received.last == "STOPPING=1")
        #expect(received.first == "STATUS=status 0")
        #expect(notifier.flush(timeout: .seconds(2)))
    }

    @Test("with NOTIFY_SOCKET unset nothing is sent")
    func silenceWhenUnset() throws {
        let listener = try NotifySocketListener()
        unsetenv("NOTIFY_SOCKET")
        let notifier = SystemdNotifier()
        #expect(!notifier.isEnabled)
        #expect(!notifier.notify(.ready))
        #expect(listener.receive(timeoutMilliseconds: 100) == nil)
    }

    @Test("the watchdog interval comes from WATCHDOG_USEC for this PID only")
    func watchdogInterval() {
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        unsetenv("WATCHDOG_USEC")
        #expect(SystemdNotifier().watchdogInterval == nil)
        setenv("WATCHDOG_USEC", "3000000", 1)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        #expect(SystemdNotifier().watchdogInterval == .seconds(3))
        setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
        #expect(SystemdNotifier().watchdogInterval == nil)
    }

    @Test("stderr is recognised as the journal only when JOURNAL_STREAM names it")
    func journalStream() {
        defer { unsetenv("JOURNAL_STREAM") }
        var info = stat()
        fstat(STDERR_FILENO, &info)
        setenv("JOURNAL_STREAM", "\(info.st_dev):\(info.st_ino)", 1)
        #expect(JournaldLogHandler.stderrIsJournal)
        setenv("JOURNAL_STREAM", "\(info.st_dev):\(info.st_ino + 1)", 1)
        #expect(!JournaldLogHandler.stderrIsJournal)
        setenv("JOURNAL_STREAM", "garbage", 1)
        #expect(!JournaldLogHandler.stderrIsJournal)
    }
}

@Suite("journald-aware log lines")
struct JournaldLogHandlerTests {
    @Test("journal lines carry the syslog priority prefix and no timestamp")
    func journalLines() {
        let line = JournaldLogHandler.format(
            level: .error, message: "checkpoint write failed", metadata: ["path": "/var/lib/x", "errno": "28"],
            label: "spikewatch", journal: true, timestamp: nil)
        #expect(line == "<3>checkpoint write failed errno=28 path=/var/lib/x\n")
    }

    @Test("plain lines carry time, level and label", arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorities(level: Logger.Level, priority: Int) {
        #expect(JournaldLogHandler.syslogPriority(level) == priority)
        let line = JournaldLogHandler.format(
            level: level, message: "a\nb", metadata: [:], label: "spikewatch", journal: false,
            timestamp: "2026-11-29T03:06:04Z")
        #expect(line == "2026-11-29T03:06:04Z \(level) spikewatch: a b\n")
    }
}
