import Foundation
import StrataPostgres
import StrataStore
import StrataTestSupport
import Synchronization
import Testing

/// Global order on PostgreSQL: positions gapless and visible in commit order, whoever appends.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct GlobalOrderTests {
    /// Three stores on one database (as three servers would be), each with many concurrent
    /// appenders, while a follower on a fourth reads `position > checkpoint` in a loop: it must
    /// see every position exactly once, in order — no event committed late is ever passed.
    @Test func aFollowerSeesEveryPositionExactlyOnceWhileManyWritersAppend() async throws {
        try await PostgresTestServer.withDatabase { url in
            let writers = try (0..<3).map { _ in try PostgresEventStore.open(url: url) }
            let follower = try PostgresEventStore.open(url: url, configuration: PostgresStoreConfiguration(access: .readOnly))
            defer {
                for writer in writers { writer.close() }
                follower.close()
            }
            let perTask = 40
            let tasks = 12
            let total = writers.count * tasks * perTask
            let done = Atomic<Bool>(false)
            async let seen: [UInt64] = Task.detached {
                var positions: [UInt64] = []
                var checkpoint: UInt64 = 0
                while positions.count < total {
                    let page = try follower.readAll(after: checkpoint, limit: 97)
                    for event in page {
                        positions.append(event.position)
                        checkpoint = event.position
                    }
                    if page.isEmpty {
                        // Whether the writers had finished, asked before the head: the other order
                        // could pair a head read before their last commits with their end.
                        let finished = done.load(ordering: .acquiring)
                        let head = try follower.withSnapshot { try $0.headPosition() }
                        if finished && head == checkpoint { break }
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                return positions
            }.value
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, writer) in writers.enumerated() {
                    for task in 0..<tasks {
                        group.addTask {
                            for number in 0..<perTask {
                                let stream = "s-\(index)-\(task % 4)"
                                _ = try await writer.append(
                                    AppendRequest(streamId: stream, expectedVersion: .any, events: [event("Appended", #"{"n":\#(number)}"#)])
                                )
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            done.store(true, ordering: .releasing)
            let positions = try await seen
            #expect(positions.count == total)
            #expect(positions == Array(1...UInt64(total)))
            #expect(try follower.verify().isClean)
            // Every stream's versions are gapless too.
            for stream in try follower.withSnapshot({ try $0.streams(prefix: "s-") }) {
                #expect(try follower.readStream(stream.streamId).map(\.streamVersion) == Array(1...stream.version))
            }
        }
    }

    /// Decisions on two servers' writers under contention: each exact expectation is won once.
    @Test func twoStoresOnOneDatabaseNeverBothWinAVersion() async throws {
        try await PostgresTestServer.withDatabase { url in
            let first = try PostgresEventStore.open(url: url)
            let second = try PostgresEventStore.open(url: url)
            defer {
                first.close()
                second.close()
            }
            let wins = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask {
                        (try? await store.append(AppendRequest(streamId: "contested", expectedVersion: .exact(0), events: [event()]))) != nil
                    }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(wins == 1)
            #expect(try first.withSnapshot { try $0.streamVersion("contested") } == 1)
        }
    }

    /// A server hears another's commits through LISTEN/NOTIFY, well within its poll interval (60 s
    /// here). The bound is half of it, counted from the append's answer: a test machine busy with
    /// every other suite has taken 16 s for the append and the notification together.
    @Test func anotherStoresCommitsArriveAsHeads() async throws {
        try await PostgresTestServer.withDatabase { url in
            let writer = try PostgresEventStore.open(url: url)
            let reader = try PostgresEventStore.open(url: url, configuration: PostgresStoreConfiguration(pollInterval: .seconds(60)))
            defer {
                writer.close()
                reader.close()
            }
            var heads = reader.headPositions().makeAsyncIterator()
            #expect(await heads.next() == 0)
            _ = try await writer.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event(), event()]))
            let appended = ContinuousClock.now
            #expect(await heads.next() == 2)
            #expect(ContinuousClock.now - appended < .seconds(30))
            #expect(try reader.headPosition() == 2)
        }
    }
}
