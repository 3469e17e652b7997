import Foundation
import StrataLog
import Synchronization
import Testing

/// Counts events per type into a table, and refuses events whose data is `"poison"`.
private final class CountingHook: AppendHook {
    let committed = Mutex<[UInt64]>([])

    func didAppend(_ events: [RecordedEvent], in transaction: LogTransaction) throws {
        struct Poisoned: Error {}
        let table = try transaction.table(named: "rm.counts")
        for event in events {
            if event.data == Array("\"poison\"".utf8) { throw Poisoned() }
            let key = Array(event.type.utf8)
            let current = try transaction.get(table, key: key).map { Int(String(decoding: $0, as: UTF8.self)) ?? 0 } ?? 0
            try transaction.put(table, key: key, value: Array(String(current + 1).utf8))
        }
        let last = events.last?.position ?? 0
        transaction.afterCommit { [self] in self.committed.withLock { $0.append(last) } }
    }
}

@Suite struct HookAndTableTests {
    @Test func hookWritesCommitWithTheEventsAndAFailingRequestLeavesTheOthers() async throws {
        try await withTemporaryLog { log, _ async throws in
            let hook = CountingHook()
            log.setAppendHook(hook)
            let results = await withTaskGroup(of: (Int, Result<AppendResult, any Error>).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let data = index % 10 == 3 ? "\"poison\"" : "{}"
                        return (
                            index,
                            await outcome {
                                try await log.append(
                                    AppendRequest(streamId: "s-\(index)", expectedVersion: .noStream, events: [event("Thing", data)])
                                )
                            }
                        )
                    }
                }
                var all: [(Int, Result<AppendResult, any Error>)] = []
                for await result in group { all.append(result) }
                return all
            }
            let failed = results.filter { if case .failure = $0.1 { true } else { false } }.map(\.0).sorted()
            #expect(failed == [3, 13, 23, 33])
            #expect(try log.headPosition() == 36)
            #expect(try log.readAll().count == 36)
            #expect(try log.streamVersion("s-3") == 0)
            let table = try #require(try log.existingTable(named: "rm.counts"))
            let count = try log.withSnapshot { try $0.get(table, key: Array("Thing".utf8)) }
            #expect(count == Array("36".utf8))
            #expect(hook.committed.withLock { $0.count } == 36)
            #expect(try log.verify().isClean)
        }
    }

    @Test func requestWorkRunsInTheSameTransaction() async throws {
        struct Refused: Error, Equatable {}
        try await withTemporaryLog { log, _ async throws in
            let idempotency = log.idempotencyTable
            _ = try await log.append(
                AppendRequest(
                    streams: [StreamAppend(streamId: "a", expectedVersion: .noStream, events: [event()])],
                    inTransaction: { _, events, transaction in
                        try transaction.put(idempotency, key: Array("key-1".utf8), value: Array("\(events[0].position)".utf8))
                    }
                )
            )
            #expect(try log.withSnapshot { try $0.get(idempotency, key: Array("key-1".utf8)) } == Array("1".utf8))
            await #expect(throws: Refused.self) {
                try await log.append(
                    AppendRequest(
                        streams: [StreamAppend(streamId: "b", expectedVersion: .noStream, events: [event()])],
                        inTransaction: { _, _, transaction in
                            try transaction.put(idempotency, key: Array("key-2".utf8), value: [1])
                            throw Refused()
                        }
                    )
                )
            }
            #expect(try log.streamVersion("b") == 0)
            #expect(try log.withSnapshot { try $0.get(idempotency, key: Array("key-2".utf8)) } == nil)
        }
    }

    @Test func writeJobsCommitTablesDurably() async throws {
        try await withTemporaryLog { log, _ async throws in
            let checkpoints = log.checkpointsTable
            let head = try await log.write { transaction in
                try transaction.put(checkpoints, key: Array("stats".utf8), value: [0, 0, 0, 7])
                let scratch = try transaction.table(named: "rm.scratch")
                try transaction.put(scratch, key: [1], value: [1])
            }
            #expect(head == 0)
            #expect(try log.withSnapshot { try $0.get(checkpoints, key: Array("stats".utf8)) } == [0, 0, 0, 7])
            let scratch = try #require(try log.existingTable(named: "rm.scratch"))
            #expect(try log.withSnapshot { try $0.count(scratch) } == 1)
            _ = try await log.write { transaction in try transaction.drop(scratch) }
            #expect(try log.existingTable(named: "rm.scratch") == nil)
        }
    }

    @Test func theLogsOwnTablesAreNotWritable() async throws {
        try await withTemporaryLog { log, _ async throws in
            let error = await #expect(throws: EventLogError.self) {
                _ = try await log.write { transaction in _ = try transaction.table(named: "events") }
            }
            #expect(error?.code == .invalidRequest)
        }
    }

    @Test func subscribersHearNewHeads() async throws {
        try await withTemporaryLog { log, _ async throws in
            _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
            let heads = log.headPositions()
            var iterator = heads.makeAsyncIterator()
            #expect(await iterator.next() == 1)
            _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event(), event()]))
            #expect(await iterator.next() == 3)
        }
    }
}

@Suite struct DecideOnWriterTests {
    @Test func decisionsTakenOnTheWriterNeverConflict() async throws {
        try await withTemporaryLog { log, _ async throws in
            let versions = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await log.perform { transaction in
                            let current = try transaction.streamVersion("counter")
                            let result = try transaction.append(
                                AppendRequest(streamId: "counter", expectedVersion: .exact(current), events: [event("Incremented")])
                            )
                            return result.streams[0].version
                        }.value
                    }
                }
                return try await group.reduce(into: [UInt64]()) { $0.append($1) }
            }
            #expect(Set(versions) == Set(1...50))
            #expect(try log.readStream("counter").count == 50)
            #expect(try log.verify().isClean)
        }
    }

    @Test func aFailingJobRollsBackItsAppendsAndLeavesTheBatch() async throws {
        struct Refused: Error {}
        try await withTemporaryLog { log, _ async throws in
            async let good = log.append(AppendRequest(streamId: "a", expectedVersion: .noStream, events: [event()]))
            async let bad = outcome {
                try await log.perform { transaction in
                    try transaction.append(AppendRequest(streamId: "b", expectedVersion: .noStream, events: [event(), event()]))
                    throw Refused()
                }
            }
            _ = try await good
            let failure = await bad
            #expect(throws: Refused.self) { try failure.get() }
            #expect(try log.streamVersion("b") == 0)
            #expect(try log.headPosition() == 1)
            let after = try await log.append(AppendRequest(streamId: "c", expectedVersion: .noStream, events: [event()]))
            #expect(after.positions == 2...2)
            #expect(try log.verify().isClean)
        }
    }

    @Test func appendInsideAJobSeesConflicts() async throws {
        try await withTemporaryLog { log, _ async throws in
            _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
            let error = await #expect(throws: EventLogError.self) {
                _ = try await log.perform { transaction in
                    try transaction.append(AppendRequest(streamId: "s", expectedVersion: .noStream, events: [event()]))
                }
            }
            #expect(error?.conflict?.actual == 1)
        }
    }
}
