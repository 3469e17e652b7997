import Foundation
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// One sync per commit while commits follow each other (`MDB_NOMETASYNC`: the next commit's data
/// sync flushes this one's meta page), and still no answer before the commit is durable.
@Suite struct SyncTests {
    private func one(_ stream: String, _ expected: ExpectedVersion = .any) -> AppendRequest {
        AppendRequest(streams: [StreamAppend(streamId: stream, expectedVersion: expected, events: [EventData(type: "Ticked", data: Array(#"{"n":1}"#.utf8))])])
    }

    @Test func aLoneCommitSyncsItsMetaPageBeforeItsCallerHearsOfIt() async throws {
        try await withTemporaryLog { log, _ in
            for round in 1...20 {
                _ = try await log.append(one("s-\(round % 3)"))
                let statistics = log.writerStatistics
                // Nothing was queued behind the commit: it synced its meta page itself.
                #expect(statistics.commits == round && statistics.deferredMetaSyncs == 0 && statistics.idleSyncs == 0, "round \(round): \(statistics)")
            }
        }
    }

    /// Whether a commit leaves its meta page to the next depends on appenders queueing while it
    /// runs — timing a loaded machine can starve (every appender lands in one batch, none is queued
    /// behind it). So the load runs up to five times until some commit shared a sync; durability
    /// and the counts are checked on every round.
    @Test func commitsThatFollowEachOtherShareTheirSyncs() async throws {
        var shared = false
        for _ in 0..<5 where !shared {
            let directory = TemporaryDirectory("sync")
            defer { directory.remove() }
            do {
                let log = try EventLog.open(directory: directory.path)
                defer { log.close() }
                let appenders = 64
                let each = 25
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for appender in 0..<appenders {
                        group.addTask {
                            for version in 0..<each {
                                let result = try await log.append(one("a-\(appender)", .exact(UInt64(version))))
                                // Answered means durable: the head the log reports has reached it.
                                #expect(try log.headPosition() >= result.positions?.upperBound ?? 0)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let statistics = log.writerStatistics
                #expect(statistics.committedRequests == appenders * each)
                #expect(statistics.idleSyncs <= statistics.commits - statistics.deferredMetaSyncs)
                #expect(try log.headPosition() == UInt64(appenders * each))
                shared = statistics.deferredMetaSyncs > 0
            }
            let reopened = try EventLog.open(directory: directory.path)
            defer { reopened.close() }
            #expect(try reopened.headPosition() == 64 * 25)
            #expect(try reopened.verify().isClean)
        }
        #expect(shared, "no commit shared a sync in five rounds")
    }
    /// Appends that fail in the writer (a stale expected version) make transactions that change
    /// nothing, which LMDB commits without a sync: they must neither answer the commits waiting
    /// for one nor be left waiting themselves when the writer runs dry.
    @Test func commitsThatChangeNothingAreAnsweredBehindTheOnesThatWrote() async throws {
        try await withTemporaryLog { log, _ in
            _ = try await log.append(one("stale"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<32 {
                    group.addTask {
                        for version in 0..<10 {
                            _ = try await log.append(one("w-\(appender)", .exact(UInt64(version))))
                        }
                    }
                    group.addTask {
                        for _ in 0..<10 {
                            await #expect(throws: EventStoreError.self) { _ = try await log.append(one("stale", .noStream)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let statistics = log.writerStatistics
            #expect(statistics.committedRequests == 1 + 32 * 10)
            #expect(statistics.failedRequests == 32 * 10)
            #expect(try log.headPosition() == 1 + 32 * 10)
            #expect(try log.verify().isClean)
        }
    }
}
