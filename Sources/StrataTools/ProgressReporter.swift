import Foundation
import StrataKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reports a long job's progress: a redrawn bar with done/total, rate and ETA on a terminal,
/// plain periodic lines otherwise (logs, pipes).
public final class ProgressReporter: Sendable {
    private let isTerminal: Bool
    private let started = ContinuousClock.now
    private let last = Mutex<ContinuousClock.Instant?>(nil)
    private let interval: Duration
    private let write: @Sendable (String) -> Void

    /// Reports on standard error; a terminal gets a bar.
    public init(interval: Duration = .seconds(2), write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.isTerminal = isatty(STDERR_FILENO) == 1
        self.interval = interval
        self.write = write
    }

    /// Reports `done` of `total` for `label`, throttled (a bar at most ten times a second).
    public func report(_ label: String, done: UInt64, total: UInt64, force: Bool = false) {
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            let gap: Duration = isTerminal ? .milliseconds(100) : interval
            guard force || last.map({ now - $0 >= gap }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let seconds = max(0.001, Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18)
        let rate = Double(done) / seconds
        let remaining = total > done && rate > 0 ? Double(total - done) / rate : 0
        let percent = total == 0 ? 100 : Int(Double(done) / Double(total) * 100)
        let numbers = "\(done)/\(total) events  \(Int(rate)) events/s  ETA \(Self.clock(remaining))"
        if isTerminal {
            let width = 30
            let filled = total == 0 ? width : Int(Double(width) * Double(done) / Double(max(total, 1)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: max(0, width - filled))
            write("\r\(label) [\(bar)] \(percent)%  \(numbers)\u{1B}[K")
        } else {
            write("\(label): \(percent)% \(numbers)\n")
        }
    }

    /// Ends the bar's line on a terminal.
    public func finish() {
        if isTerminal { write("\n") }
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
