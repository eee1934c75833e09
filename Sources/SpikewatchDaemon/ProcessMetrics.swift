import Foundation

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The build: `spikewatch --version` and `spikewatch_build_info`.
public enum SpikewatchBuild {
    public static let version = "0.1.0"
    /// The Swift compiler that built the binary (major.minor).
    public static let swift: String = {
        #if compiler(>=6.4)
        return "6.4+"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "6.1"
        #endif
    }()

    static var exposition: String {
        "# HELP spikewatch_build_info The running binary: its version and the Swift compiler that built it (always 1).\n"
            + "# TYPE spikewatch_build_info gauge\n"
            + "spikewatch_build_info{version=\"\(escapeLabelValue(version))\",swift=\"\(escapeLabelValue(swift))\"} 1\n"
    }
}

/// The standard `process_*` metrics, read from /proc/self at each scrape (Linux).
enum ProcessMetrics {
    /// The text exposition; a figure /proc does not give is left out rather than guessed.
    static func exposition() -> String {
        var text = ""
        func add(_ name: String, _ type: String, _ help: String, _ value: Double?) {
            guard let value else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(formatSample(value))\n"
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let stat = statFields()
        // Fields after the command (`/proc/[pid]/stat`, proc(5)): utime 14, stime 15,
        // starttime 22, vsize 23, rss 24; `stat` starts at field 3.
        func field(_ number: Int) -> Double? {
            guard let stat, number - 3 < stat.count else { return nil }
            return Double(stat[number - 3])
        }
        let cpu = field(14).flatMap { utime in field(15).map { (utime + $0) / ticks } }
        add("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpu)
        add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", field(24).map { $0 * pageSize })
        add("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", field(23))
        let openFiles = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { Double($0.count) }
        add("process_open_fds", "gauge", "Number of open file descriptors.", openFiles)
        var limit = rlimit()
        let maxFiles = getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 ? Double(limit.rlim_cur) : nil
        add("process_max_fds", "gauge", "Maximum number of open file descriptors.", maxFiles)
        let start = field(22).flatMap { startTicks in bootTime().map { $0 + startTicks / ticks } }
        add("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", start)
        return text
    }

    static let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    /// The fields of /proc/self/stat from the state (field 3) on: the command (field 2)
    /// may hold spaces, so the split starts after its closing parenthesis.
    static func statFields() -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The system's boot time (`btime` of /proc/stat), seconds since the epoch.
    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
