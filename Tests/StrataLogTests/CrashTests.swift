import Foundation
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct CrashTests {
    /// A child process appends in a loop and prints each append once it returned (durable); it is
    /// killed with SIGKILL mid-stream. Every reported append must be there after reopening, no
    /// two-stream append may be half written, and the store must verify.
    @Test(arguments: 0..<3)
    func killedWriterLosesNoAcknowledgedAppend(round: Int) async throws {
        let directory = TemporaryDirectory("crash")
        defer { directory.remove() }
        let child = Process()
        child.executableURL = builtProductsDirectory(containing: "strata-log-torture").appendingPathComponent("strata-log-torture")
        child.arguments = [directory.path, "8"]
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()

        // Let it run until it has reported a few hundred appends (more each round), then kill it.
        let wanted = 500 + round * 1000
        var output = Data()
        let deadline = Date().addingTimeInterval(60)
        let reader = pipe.fileHandleForReading
        while output.count(of: UInt8(ascii: "\n")) < wanted && Date() < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        output.append(reader.readDataToEndOfFile())
        #expect(child.terminationReason == .uncaughtSignal)

        // Only whole lines were reported.
        var lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if output.last != UInt8(ascii: "\n") { lines.removeLast() }
        let reported = lines.filter { !$0.isEmpty }
        #expect(reported.count >= wanted)

        let log = try EventLog.open(directory: directory.path)
        defer { log.close() }
        #expect(try log.verify().isClean)
        for line in reported {
            let fields = line.split(separator: " ").map(String.init)
            switch fields.first {
            case "single":
                let event = try log.event(at: UInt64(fields[3]) ?? 0)
                #expect(event?.streamId == fields[1])
                #expect(event?.streamVersion == UInt64(fields[2]))
            case "pair":
                for position in [fields[2], fields[3]] {
                    #expect(try log.event(at: UInt64(position) ?? 0)?.data == Array(#"{"pair":"\#(fields[1])"}"#.utf8))
                }
            default:
                Issue.record("unexpected line \(line)")
            }
        }
        // Atomicity: every pair in the log, reported or not, has both halves.
        var halves: [[UInt8]: Int] = [:]
        for event in try log.readByType("PairHalf") { halves[event.data, default: 0] += 1 }
        #expect(halves.values.allSatisfy { $0 == 2 })
    }
}

@Suite struct ReaderBesideWriterTests {
    /// The admin CLI's situation: a read-only log in one process while another process appends.
    /// It needs no lock, sees consistent snapshots that verify, and sees the head move.
    @Test func readOnlyLogFollowsAWriterInAnotherProcess() async throws {
        let directory = TemporaryDirectory("reader")
        defer { directory.remove() }
        let child = Process()
        child.executableURL = builtProductsDirectory(containing: "strata-log-torture").appendingPathComponent("strata-log-torture")
        child.arguments = [directory.path, "4"]
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        defer {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
        }
        // Wait until the store exists and holds events — sleeping between looks whether or not
        // it opened (a loop that spun while the store did not exist yet took a core from the
        // writer on this two-core machine, with the other suites running beside it).
        let deadline = Date().addingTimeInterval(60)
        var log: EventLog?
        while log == nil && Date() < deadline {
            log = try? EventLog.openReadOnly(directory: directory.path)
            if let opened = log, (try? opened.headPosition()) ?? 0 < 100 {
                opened.close()
                log = nil
            }
            if log == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let reader = try #require(log)
        defer { reader.close() }
        #expect(EventLog.lockHolder(of: directory.path) == child.processIdentifier)
        let first = try reader.headPosition()
        for _ in 0..<3 {
            let report = try reader.verify()
            #expect(report.isClean, "\(report.faults)")
        }
        var heads = reader.headPositions(pollInterval: .milliseconds(20)).makeAsyncIterator()
        var later = first
        while later <= first, let next = await heads.next() { later = next }
        #expect(later > first)
        #expect(try reader.readAll(after: first, limit: 10).first?.position == first + 1)
    }
}

extension Data {
    fileprivate func count(of byte: UInt8) -> Int { reduce(0) { $0 + ($1 == byte ? 1 : 0) } }
}
