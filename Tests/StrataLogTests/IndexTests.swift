import Foundation
import LMDB
import StrataLog
import Testing

/// Stream and type reads across the boundary between the B-tree indexes and the tails kept in
/// the stream heads, checked against a plain filter of the whole log.
@Suite struct IndexTests {
    @Test func streamReadsAgreeWithTheLogAtEveryStartAndLimit() async throws {
        try await withTemporaryLog { log, _ async throws in
            // 150 events in "long" (several flushed runs plus a tail), interleaved with others.
            for round in 0..<150 {
                _ = try await log.append(
                    AppendRequest(streams: [
                        StreamAppend(streamId: "long", expectedVersion: .exact(UInt64(round)), events: [event("Tick")]),
                        StreamAppend(streamId: "other-\(round % 7)", expectedVersion: .any, events: [event(round % 2 == 0 ? "Tock" : "Tick")]),
                    ])
                )
            }
            let all = try log.readAll()
            let long = all.filter { $0.streamId == "long" }
            #expect(long.map(\.streamVersion) == Array(1...150))
            for start: UInt64 in [1, 2, 31, 32, 33, 64, 65, 100, 128, 129, 130, 150, 151] {
                for limit in [1, 5, 40, 1000] {
                    let forward = try log.readStream("long", from: start, limit: limit)
                    #expect(forward == Array(long.filter { $0.streamVersion >= start }.prefix(limit)), "forward from \(start) limit \(limit)")
                    let backward = try log.readStream("long", from: start, direction: .backward, limit: limit)
                    #expect(
                        backward == Array(long.filter { $0.streamVersion <= start }.reversed().prefix(limit)),
                        "backward from \(start) limit \(limit)"
                    )
                }
            }
            #expect(try log.readStream("long", direction: .backward, limit: 3).map(\.streamVersion) == [150, 149, 148])
            for type in ["Tick", "Tock"] {
                for after: UInt64 in [0, 1, 100, 200, 299, 300] {
                    let expected = all.filter { $0.type == type && $0.position > after }
                    #expect(try log.readByType(type, after: after) == expected, "\(type) after \(after)")
                    #expect(try log.readByType(type, after: after, limit: 7) == Array(expected.prefix(7)))
                }
            }
            #expect(try log.verify().isClean)
        }
    }

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
