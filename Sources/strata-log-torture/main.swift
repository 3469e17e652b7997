// Appends to an event log in a loop from several tasks and prints one line per append, only after
// the append returned (so only once it is durable):
//   single <streamId> <version> <position>
//   pair <pairId> <firstPosition> <secondPosition>
// The kill -9 test kills this process at a random moment and checks that every printed append is
// in the log after reopening, and that no pair was half written.
import Foundation
import StrataLog
import StrataStore

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: strata-log-torture <data-directory> [writers]\n".utf8))
    exit(2)
}
let writers = arguments.count >= 3 ? Int(arguments[2]) ?? 8 : 8
let output = LineWriter()

/// Writes whole lines straight to standard output (no buffering), one writer at a time.
final class LineWriter: @unchecked Sendable {
    private let lock = NSLock()
    func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

let log = try EventLog.open(directory: arguments[1])
await withThrowingTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
        group.addTask {
            let stream = "torture-\(writer)-\(UUID().uuidString.prefix(8))"
            var version: UInt64 = 0
            var round = 0
            while true {
                round += 1
                if round % 5 == 0 {
                    let pairId = UUID().uuidString
                    let data = Array("{\"pair\":\"\(pairId)\"}".utf8)
                    let result = try await log.append(
                        AppendRequest(streams: [
                            StreamAppend(streamId: "pair-a-\(pairId)", expectedVersion: .noStream, events: [EventData(type: "PairHalf", data: data)]),
                            StreamAppend(streamId: "pair-b-\(pairId)", expectedVersion: .noStream, events: [EventData(type: "PairHalf", data: data)]),
                        ])
                    )
                    if let positions = result.positions {
                        output.line("pair \(pairId) \(positions.lowerBound) \(positions.upperBound)")
                    }
                } else {
                    let data = Array("{\"round\":\(round),\"padding\":\"\(String(repeating: "x", count: 100))\"}".utf8)
                    let result = try await log.append(
                        AppendRequest(streamId: stream, expectedVersion: .exact(version), events: [EventData(type: "Tick", data: data)])
                    )
                    version += 1
                    output.line("single \(stream) \(version) \(result.positions?.lowerBound ?? 0)")
                }
            }
        }
    }
}
