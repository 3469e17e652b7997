import Foundation
import StrataPostgres
import StrataStore
import StrataTestSupport
import Synchronization
import Testing

/// The writer's cache on a shared database: what one server's writer remembers is caught up
/// with what another server committed before it decides anything, and a stream expected absent
/// (checked by the flush, not read) is refused as a conflict when it exists.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct WriterCacheTests {
    /// Two stores on one fresh database, as two servers would open it.
    private func withTwoServers(_ body: (PostgresEventStore, PostgresEventStore) async throws -> Void) async throws {
        try await PostgresTestServer.withDatabase { url in
            let a = try PostgresEventStore.open(url: url)
            let b = try PostgresEventStore.open(url: url)
            defer {
                a.close()
                b.close()
            }
            try await body(a, b)
        }
    }

    /// A's writer reads a stream, rows and a table it will be asked about again, and writes a table
    /// it does not read; B changes each of them (appends, overwrites, deletes, creates, empties a
    /// table); A's next transaction must see exactly B's database — from its caught-up cache or,
    /// for the rows it only wrote, the database — without having been told.
    @Test func aWriterSeesEverythingAnotherServerCommitted() async throws {
        try await withTwoServers { a, b in
            try await a.write { transaction in
                _ = try transaction.append(AppendRequest(streamId: "s", expectedVersion: .noStream, events: [event()]))
                let rows = try transaction.table(named: "rows")
                try transaction.put(rows, key: Array("kept".utf8), value: Array("1".utf8))
                try transaction.put(rows, key: Array("gone".utf8), value: Array("1".utf8))
                let emptied = try transaction.table(named: "emptied")
                try transaction.put(emptied, key: Array("x".utf8), value: Array("1".utf8))
                // A table A's batches only write: its rows others change are forgotten, not fetched.
                try transaction.put(try transaction.table(named: "written"), key: Array("w".utf8), value: Array("1".utf8))
            }
            // A remembers all of it, and that "new" is absent.
            _ = try await a.perform { transaction in
                let rows = try transaction.table(named: "rows")
                #expect(try transaction.get(rows, key: Array("new".utf8)) == nil)
                #expect(try transaction.streamVersion("s") == 1)
            }
            for round in 1...3 {
                try await b.write { transaction in
                    _ = try transaction.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event("Happened", #"{"round":\#(round)}"#)]))
                    let rows = try transaction.table(named: "rows")
                    try transaction.put(rows, key: Array("kept".utf8), value: Array("\(round + 1)".utf8))
                    try transaction.delete(rows, key: Array("gone".utf8))
                    try transaction.put(rows, key: Array("new".utf8), value: Array("b".utf8))
                    try transaction.put(rows, key: Array("learned".utf8), value: Array("b\(round)".utf8))
                    try transaction.clear(try transaction.table(named: "emptied"))
                    try transaction.put(try transaction.table(named: "written"), key: Array("w".utf8), value: Array("b\(round)".utf8))
                }
            }
            let seen = try await a.perform { transaction -> [String] in
                let rows = try transaction.table(named: "rows")
                let emptied = try transaction.table(named: "emptied")
                let written = try transaction.table(named: "written")
                let events = try transaction.readStream("s", from: 2, limit: 10).map { String(decoding: $0.data, as: UTF8.self) }
                return [
                    String(try transaction.streamVersion("s")),
                    try transaction.get(rows, key: Array("kept".utf8)).map { String(decoding: $0, as: UTF8.self) } ?? "-",
                    try transaction.get(rows, key: Array("gone".utf8)).map { String(decoding: $0, as: UTF8.self) } ?? "-",
                    try transaction.get(rows, key: Array("new".utf8)).map { String(decoding: $0, as: UTF8.self) } ?? "-",
                    try transaction.get(emptied, key: Array("x".utf8)).map { String(decoding: $0, as: UTF8.self) } ?? "-",
                    try transaction.get(rows, key: Array("learned".utf8)).map { String(decoding: $0, as: UTF8.self) } ?? "-",
                    try transaction.get(written, key: Array("w".utf8)).map { String(decoding: $0, as: UTF8.self) } ?? "-",
                ] + events
            }.value
            #expect(seen == ["4", "4", "-", "b", "-", "b3", "b3", #"{"round":1}"#, #"{"round":2}"#, #"{"round":3}"#])
            // And A's writes go on from there.
            let appended = try await a.append(AppendRequest(streamId: "s", expectedVersion: .exact(4), events: [event()]))
            #expect(appended.streams.first?.version == 5)
        }
    }

    /// A new stream is not read before it is appended to; when another server created it
    /// meanwhile, the append fails with the conflict a read would have given, and the rest of
    /// its batch commits.
    @Test func aStreamExpectedAbsentThatExistsIsAConflictAndTheBatchGoesOn() async throws {
        try await withTwoServers { a, b in
            _ = try await b.append(AppendRequest(streamId: "taken", expectedVersion: .noStream, events: [event()]))
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        let stream = index == 7 ? "taken" : "free-\(index)"
                        do {
                            _ = try await a.append(AppendRequest(streamId: stream, expectedVersion: .exact(0), events: [event()]))
                            return "ok"
                        } catch let error as EventStoreError where error.code == .conflict {
                            return "conflict"
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "ok" }.count == 15)
            #expect(outcomes.filter { $0 == "conflict" }.count == 1)
            #expect(try a.streamVersion("taken") == 1)
            #expect(try a.verify().isClean)
        }
    }

    /// While another server holds the head lock, what queues behind a writer's batch joins it
    /// when the lock comes: one commit, not one now and one after the next lock.
    @Test func jobsQueuedWhileTheLockIsAwaitedJoinTheBatch() async throws {
        try await withTwoServers { a, b in
            _ = try await a.append(AppendRequest(streamId: "warm", expectedVersion: .noStream, events: [event()]))
            let reports = Mutex<[Int]>([])
            a.onCommit { report in reports.withLock { $0.append(report.requests) } }
            // B's writer holds the lock until every job of A's has been sent: its body waits.
            let flags = LockFlags()
            let holder = Task { try await b.perform { transaction in
                _ = try transaction.append(AppendRequest(streamId: "held", expectedVersion: .noStream, events: [event()]))
                flags.holding.store(true, ordering: .releasing)
                let deadline = Date().addingTimeInterval(20)
                while !flags.release.load(ordering: .acquiring) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            } }
            while !flags.holding.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(10)) }
            // A's first job reaches the lock and waits; twenty more queue behind it.
            let first = Task {
                flags.sent.add(1, ordering: .relaxed)
                return try await a.append(AppendRequest(streamId: "first", expectedVersion: .noStream, events: [event()]))
            }
            while flags.sent.load(ordering: .relaxed) < 1 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            let queued = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            flags.sent.add(1, ordering: .relaxed)
                            _ = try await a.append(AppendRequest(streamId: "queued-\(index)", expectedVersion: .noStream, events: [event()]))
                        }
                    }
                    try await group.waitForAll()
                }
            }
            while flags.sent.load(ordering: .relaxed) < 21 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            flags.release.store(true, ordering: .releasing)
            try await queued.value
            _ = try await first.value
            _ = try await holder.value
            #expect(reports.withLock { $0 } == [21])
            #expect(try a.verify().isClean)
        }
    }
}

/// What the lock test's tasks tell each other.
private final class LockFlags: Sendable {
    /// B's writer holds the head lock.
    let holding = Atomic<Bool>(false)
    /// B may commit.
    let release = Atomic<Bool>(false)
    /// How many of A's appends have been sent.
    let sent = Atomic<Int>(0)
}
