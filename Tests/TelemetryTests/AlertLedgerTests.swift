import Testing

@testable import Telemetry

@Suite("The alert ledger: seq assigned once, at publish; one cleared per alert")
struct AlertLedgerTests {
    func transition(_ cell: String, _ state: Alert.State, _ severity: Alert.Severity, at time: Double, startedAt: Double) -> Alert {
        Alert(cell: cell, state: state, severity: severity, kind: "anomaly", score: 0.8, timestamp: time, startedAt: startedAt,
              sequence: 99, evidence: [])
    }

    @Test("numbers transitions 0, 1, 2, ... whatever seq they carried, from the checkpoint's value")
    func numbering() {
        var ledger = AlertLedger(nextSequence: 7)
        let a = ledger.admit(transition("a", .raised, .warning, at: 0, startedAt: 0))
        let b = ledger.admit(transition("b", .raised, .major, at: 1, startedAt: 1))
        #expect(a?.sequence == 7)
        #expect(b?.sequence == 8)
        #expect(ledger.nextSequence == 9)
        #expect(ledger.open.count == 2)
    }

    @Test("an alert that went through several severities is cleared once, on the topic of its last one")
    func oneClear() throws {
        // What a detector may emit: a `cleared` per severity topic the alert used.
        let stream = [
            transition("c", .raised, .warning, at: 0, startedAt: 0),
            transition("c", .updated, .major, at: 300, startedAt: 0),
            transition("c", .cleared, .major, at: 600, startedAt: 0),
            transition("c", .cleared, .warning, at: 600, startedAt: 0),
        ]
        let published = AlertLedger.published(stream)
        #expect(published.map(\.state) == [.raised, .updated, .cleared])
        #expect(published.map(\.sequence) == [0, 1, 2])
        #expect(published.last?.topic == "alert.major.c")
        // The same cell's next alert is cleared again.
        let next = AlertLedger.published(stream + [
            transition("c", .raised, .minor, at: 900, startedAt: 900),
            transition("c", .cleared, .minor, at: 1200, startedAt: 900),
        ])
        #expect(next.map(\.state) == [.raised, .updated, .cleared, .raised, .cleared])
        #expect(next.map(\.sequence) == [0, 1, 2, 3, 4])
    }

    @Test("a cleared of an alert opened before a restart (unknown to this ledger) is published")
    func clearAfterRestart() {
        var ledger = AlertLedger(nextSequence: 40)
        let cleared = ledger.admit(transition("c", .cleared, .critical, at: 600, startedAt: 0))
        #expect(cleared?.sequence == 40)
        #expect(cleared?.topic == "alert.critical.c")
        #expect(ledger.admit(transition("c", .cleared, .warning, at: 600, startedAt: 0)) == nil)
    }

    @Test("re-sends repeat the open alerts with their own seq, oldest first, and are not transitions")
    func resends() {
        var ledger = AlertLedger()
        _ = ledger.admit(transition("a", .raised, .warning, at: 0, startedAt: 0))
        _ = ledger.admit(transition("b", .raised, .major, at: 1, startedAt: 1))
        _ = ledger.admit(transition("a", .updated, .critical, at: 2, startedAt: 0))
        let resends = ledger.resends
        #expect(resends.map(\.cell) == ["b", "a"])
        #expect(resends.map(\.sequence) == [1, 2])
        #expect(resends.allSatisfy { $0.resent })
        #expect(ledger.nextSequence == 3)
    }
}
