import Foundation
import StrataStore
import Synchronization
import Testing

/// Concurrent writers: races decided exactly once, decisions inside the writer, live head notifications.
extension StoreContract {
    static func concurrentExactAppendersWinEachVersionExactlyOnce(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            let winners = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                for task in 0..<100 {
                    group.addTask {
                        var version = try log.streamVersion("contended")
                        for _ in 0..<500 {
                            do {
                                let result = try await log.append(
                                    AppendRequest(
                                        streamId: "contended",
                                        expectedVersion: .exact(version),
                                        events: [event("Won", #"{"task":\#(task)}"#)]
                                    )
                                )
                                return result.streams[0].version
                            } catch let error as EventStoreError where error.code == .conflict {
                                version = error.conflict?.actual ?? version
                            }
                        }
                        return nil
                    }
                }
                var versions: [UInt64] = []
                for try await version in group { if let version { versions.append(version) } }
                return versions
            }
            // Every task retried until it won; each version was won by exactly one task.
            #expect(winners.count == 100)
            #expect(Set(winners).count == winners.count)
            #expect(Set(winners) == Set(1...100))
            #expect(try log.readStream("contended").map(\.streamVersion) == Array(1...100))
            #expect(try harness.isConsistent(log))
        }
    }

    static func losersOfARaceGetConflictsNamingTheStream(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            let commits = Mutex(0)
            log.onCommit { _ in commits.withLock { $0 += 1 } }
            let outcomes = await withTaskGroup(of: Result<AppendResult, any Error>.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        await outcome { try await log.append(AppendRequest(streamId: "race", expectedVersion: .exact(0), events: [event()])) }
                    }
                }
                var all: [Result<AppendResult, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let wins = outcomes.filter { if case .success = $0 { true } else { false } }
            #expect(wins.count == 1)
            for case .failure(let error) in outcomes {
                let conflict = (error as? EventStoreError)?.conflict
                #expect(conflict == AppendConflict(streamId: "race", expected: .exact(0), actual: 1))
            }
            // Group commit: far fewer commits than requests.
            #expect(commits.withLock { $0 } < 100)
        }
    }

    static func decisionsTakenOnTheWriterNeverConflict(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
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
            #expect(try harness.isConsistent(log))
        }
    }

    static func aFailingJobRollsBackItsAppendsAndLeavesTheBatch(_ harness: any StoreHarness) async throws {
        struct Refused: Error {}
        try await harness.withFreshStore { log async throws in
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
            #expect(try harness.isConsistent(log))
        }
    }

    static func appendInsideAJobSeesConflicts(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
            let error = await #expect(throws: EventStoreError.self) {
                _ = try await log.perform { transaction in
                    try transaction.append(AppendRequest(streamId: "s", expectedVersion: .noStream, events: [event()]))
                }
            }
            #expect(error?.conflict?.actual == 1)
        }
    }

    static func subscribersHearNewHeads(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
            let heads = log.headPositions()
            var iterator = heads.makeAsyncIterator()
            #expect(await iterator.next() == 1)
            _ = try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event(), event()]))
            #expect(await iterator.next() == 3)
        }
    }
}
