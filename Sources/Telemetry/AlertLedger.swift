/// The alerts as subscribers see them (docs/alerts.md): the one owner of the alert `seq`
/// and of the set of open alerts. The daemon's publisher and `replay --alerts` both pass
/// every transition through one, so they number and filter transitions alike.
///
/// - `seq` is assigned here, once per transition, in the order transitions are admitted:
///   strictly increasing whatever thread produced the transition. A detector's own
///   `sequence` is ignored.
/// - Each alert is cleared once. The `cleared` goes out on the topic of the severity the
///   alert was last published with; a further `cleared` of an alert already cleared
///   (a detector may send one per severity the alert reached) is dropped, so it takes no
///   `seq` and counts nowhere.
/// - The open alerts (their last transition) are what re-sends repeat and what the
///   heartbeat's `active_alerts` counts.
public struct AlertLedger: Sendable {
    /// The `seq` the next transition gets (per daemon, continued across restarts by the
    /// checkpoint).
    public private(set) var nextSequence: Int64
    /// Open alerts by id (byte for byte, ``ExactKey``): the last transition published for
    /// each.
    public private(set) var open: [ExactKey: Alert] = [:]
    /// Per cell, the id of the alert last cleared, until the cell raises another: what
    /// tells a repeated `cleared` from one of an alert opened before a restart.
    private var lastCleared: [ExactKey: ExactKey] = [:]

    public init(nextSequence: Int64 = 0) {
        self.nextSequence = max(0, nextSequence)
    }

    /// Numbers a transition for the wire; nil when a subscriber must not see it (a
    /// repeated `cleared`).
    public mutating func admit(_ transition: Alert) -> Alert? {
        var alert = transition
        alert.resent = false
        switch alert.state {
        case .raised, .updated:
            lastCleared[ExactKey(alert.cell)] = nil
        case .cleared:
            if let last = open[ExactKey(alert.id)] {
                // The topic its subscribers last saw it on.
                alert.severity = last.severity
            } else if lastCleared[ExactKey(alert.cell)] == ExactKey(alert.id) {
                return nil
            }
        }
        alert.sequence = nextSequence
        nextSequence = nextSequence == .max ? .max : nextSequence + 1
        switch alert.state {
        case .raised, .updated:
            open[ExactKey(alert.id)] = alert
        case .cleared:
            open[ExactKey(alert.id)] = nil
            lastCleared[ExactKey(alert.cell)] = ExactKey(alert.id)
        }
        return alert
    }

    /// The open alerts as re-sends (`"resent": true`, their own `seq`), oldest first.
    public var resends: [Alert] {
        open.values.sorted { $0.sequence < $1.sequence }.map { alert in
            var copy = alert
            copy.resent = true
            return copy
        }
    }

    /// Numbers a whole stream of transitions (replay): what a subscriber of every topic
    /// receives.
    public static func published(_ transitions: [Alert], from first: Int64 = 0) -> [Alert] {
        var ledger = AlertLedger(nextSequence: first)
        return transitions.compactMap { ledger.admit($0) }
    }
}
