import Foundation
import StrataStore
import Synchronization
import Testing

/// Tables written in the append's transaction, append hooks, statistics, and stream/type reads across index boundaries.
extension StoreContract {
    static func hookWritesCommitWithTheEventsAndAFailingRequestLeavesTheOthers(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
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
            #expect(try harness.isConsistent(log))
        }
    }

    static func requestWorkRunsInTheSameTransaction(_ harness: any StoreHarness) async throws {
        struct Refused: Error, Equatable {}
        try await harness.withFreshStore { log async throws in
            let idempotency = try await log.perform { try $0.table(named: "kit.test") }.value
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

    static func writeJobsCommitTablesDurably(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            let head = try await log.write { transaction in
                let checkpoints = try transaction.table(named: "kit.checkpoints")
                try transaction.put(checkpoints, key: Array("stats".utf8), value: [0, 0, 0, 7])
                let scratch = try transaction.table(named: "rm.scratch")
                try transaction.put(scratch, key: [1], value: [1])
            }
            #expect(head == 0)
            let checkpoints = try #require(try log.existingTable(named: "kit.checkpoints"))
            #expect(try log.withSnapshot { try $0.get(checkpoints, key: Array("stats".utf8)) } == [0, 0, 0, 7])
            let scratch = try #require(try log.existingTable(named: "rm.scratch"))
            #expect(try log.withSnapshot { try $0.count(scratch) } == 1)
            _ = try await log.write { transaction in try transaction.drop(scratch) }
            #expect(try log.existingTable(named: "rm.scratch") == nil)
        }
    }

    static func theLogsOwnTablesAreNotWritable(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            let error = await #expect(throws: EventStoreError.self) {
                _ = try await log.write { transaction in _ = try transaction.table(named: "events") }
            }
            #expect(error?.code == .invalidRequest)
        }
    }

    static func storeStatisticsCountEventsAndStreams(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            for index in 0..<10 {
                _ = try await log.append(AppendRequest(streamId: "s-\(index % 3)", expectedVersion: .any, events: [event()]))
            }
            let statistics = try log.storeStatistics()
            #expect(statistics.events == 10)
            #expect(statistics.streams == 3)
            #expect(statistics.headPosition == 10)
            #expect(statistics.fileSize > 0)
        }
    }

    static func streamReadsAgreeWithTheLogAtEveryStartAndLimit(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
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
            #expect(try harness.isConsistent(log))
        }
    }

    static func eventTypesAreCountedWithTheirLastPosition(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            #expect(try log.withSnapshot { try $0.eventTypes() }.isEmpty)
            for round in 0..<150 {
                var events = [event("Tick")]
                if round % 50 == 0 { events.append(event("Tock")) }
                _ = try await log.append(AppendRequest(streamId: "s-\(round % 7)", expectedVersion: .any, events: events))
            }
            let all = try log.readAll()
            let expected = ["Tick", "Tock"].map { type in
                let ofType = all.filter { $0.type == type }
                return EventTypeSummary(type: type, count: ofType.count, lastPosition: ofType.last?.position ?? 0)
            }
            #expect(try log.withSnapshot { try $0.eventTypes() } == expected)
            #expect(expected.map(\.count) == [150, 3])
        }
    }
}

/// Counts events per type into a table, and refuses events whose data is `"poison"`.
final class CountingHook: AppendHook {
    let committed = Mutex<[UInt64]>([])

    func didAppend(_ events: [RecordedEvent], in transaction: any StoreTransaction) throws {
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

