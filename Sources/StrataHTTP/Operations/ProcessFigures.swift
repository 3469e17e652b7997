import Foundation

/// What the process takes, read from Linux's `/proc` at each scrape: the figures Prometheus'
/// client libraries call `process_*`.
public struct ProcessFigures: Sendable, Hashable {
    /// Resident set size.
    public var residentBytes: Int
    /// User and system CPU time since the process started.
    public var cpuSeconds: Double
    /// Open file descriptors.
    public var openDescriptors: Int
    /// When the process started, in seconds since 1970.
    public var startTimeSeconds: Double

    /// The figures of this process now; `nil` where `/proc` is not there to read.
    public static func current() -> ProcessFigures? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let closing = stat.lastIndex(of: ")"),
              let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        // The fields after the command's closing parenthesis start at field 3 (the state).
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard fields.count > 19, ticks > 0, let user = Double(fields[11]), let kernel = Double(fields[12]), let started = Double(fields[19]),
              let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
              let bootLine = system.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let boot = Double(bootLine.dropFirst("btime ".count)) else { return nil }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessFigures(
            residentBytes: pages * Int(sysconf(Int32(_SC_PAGESIZE))),
            cpuSeconds: (user + kernel) / ticks,
            openDescriptors: descriptors,
            startTimeSeconds: boot + started / ticks
        )
    }
}
