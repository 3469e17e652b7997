import Foundation
import LMDB
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// Stream and type reads across the boundary between the B-tree indexes and the tails kept in
/// the stream heads, checked against a plain filter of the whole log.
@Suite struct IndexTests {
    @Test func verifyFindsAnIndexEntryThatDisagreesWithTheLog() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let log = try EventLog.open(directory: directory.path)
            for _ in 0..<40 {
                _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
            }
            log.close()
        }
        // Damage the stream index behind the log's back: remove the run of versions 1–32.
        do {
            let environment = try Environment(path: directory.path)
            let streams = try environment.openDatabase(named: "streams")
            var key = Array("s".utf8) + [0]
            withUnsafeBytes(of: UInt64(32).bigEndian) { key.append(contentsOf: $0) }
            try environment.withWriteTransaction { transaction throws in
                #expect(try transaction.delete(streams, key: key))
            }
            environment.close()
        }
        let log = try EventLog.openReadOnly(directory: directory.path)
        defer { log.close() }
        let report = try log.verify()
        #expect(report.faults.map(\.position) == (1...32).map { $0 } + [nil])
        #expect(report.faults.first?.message == "stream index entry s@1 is missing")
        #expect(report.faults.last?.message == "the stream index has 8 entries for 40 events")
    }
}
