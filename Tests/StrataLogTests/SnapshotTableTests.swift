import Foundation
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// A table created while a snapshot is open is not part of that snapshot: reading it there finds
/// nothing, as at the snapshot's moment (LMDB would answer EINVAL for the new handle — a racing
/// keyed POST once got a 500 from exactly this).
@Suite struct SnapshotTableTests {
    @Test func aTableCreatedAfterASnapshotBeganIsEmptyInIt() async throws {
        try await withTemporaryLog { log, _ in
            _ = try await log.append(AppendRequest(streams: [StreamAppend(streamId: "s", expectedVersion: .any, events: [EventData(type: "T", data: Array("{}".utf8))])]))
            let created = DispatchSemaphore(value: 0)
            let seen = try log.withSnapshot { snapshot -> (UInt8?, Int, Int) in
                Task {
                    try await log.write { transaction in try transaction.put(try transaction.table(named: "late"), key: [1], value: [42]) }
                    created.signal()
                }
                created.wait()
                let table = try #require(try log.existingTable(named: "late"))
                var rows = 0
                try snapshot.scan(table) { _, _ in
                    rows += 1
                    return true
                }
                return (try snapshot.get(table, key: [1])?.first, rows, try snapshot.count(table))
            }
            #expect(seen.0 == nil && seen.1 == 0 && seen.2 == 0)
            let table = try #require(try log.existingTable(named: "late"))
            #expect(try log.withSnapshot { try $0.get(table, key: [1]) } == [42])
        }
    }
}
