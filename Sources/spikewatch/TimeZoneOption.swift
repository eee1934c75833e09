import ArgumentParser
import Detection
import SpikewatchDaemon

/// `--timezone NAME`: the IANA time zone the hour of the day is read in, as the daemon's
/// `timezone` setting, so a replay learns the same hours the daemon does.
func localTime(_ name: String) throws -> LocalTime {
    guard let zone = LocalTime.zone(named: name) else {
        throw ValidationError("--timezone: \"\(name)\" is not an IANA time zone name (such as UTC, Europe/Paris or America/New_York)")
    }
    return zone
}

/// The help of `--timezone`.
let timezoneHelp = ArgumentHelp(
    "The IANA time zone the hour of the day is read in (the daemon's `timezone` setting): UTC, Europe/Paris, ...",
    valueName: "NAME")
