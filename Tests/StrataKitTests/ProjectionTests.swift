import Foundation
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

@Suite struct ProjectionTests {
    @Test func inlineProjectionIsNeverBehindAndDropsExactlyTheChangedViews() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let cache = ViewCache<[UInt8]>()
        let invalidations = ViewInvalidations()
        cache.follow(invalidations)
        let projection = TotalsProjection(mode: .inline)
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [projection], invalidations: invalidations)
        try await runner.start()
        let executor = CommandExecutor(log: log, registry: runner.registry, hasher: testHasher)
        _ = try await add(executor, "a", 2)
        _ = try await add(executor, "b", 3)
        #expect(try total(runner, "a") == 2)
        let a = ViewKey(view: "counter", key: "a")
        let b = ViewKey(view: "counter", key: "b")
        let head = try log.headPosition()
        cache.store([1], size: 1, position: head, for: a)
        cache.store([2], size: 1, position: head, for: b)
        let result = try await add(executor, "a", 5)
        // The append returned: the read model already has it, and the cache dropped only "a".
        #expect(try total(runner, "a") == 7)
        #expect(try runner.position(of: "totals") == result.position)
        #expect(cache.lookup(a) == nil)
        #expect(cache.lookup(b) != nil)
        // A failing inline projection fails the append, which leaves nothing behind.
        await #expect(throws: TotalsProjection.Poisoned.self) { _ = try await add(executor, "a", 1, poison: true) }
        #expect(try log.readStream("counter-a").count == 2)
        #expect(try total(runner, "a") == 7)
        await runner.stop()
    }

    @Test func asyncProjectionCatchesUpAndResumesFromItsCheckpoint() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        do {
            let log = try directory.open()
            let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
            for _ in 0..<30 { _ = try await add(executor, "c", 1) }
            // Started on a log that already has events: it catches up.
            let projection = TotalsProjection(mode: .async)
            let runner = try ProjectionRunner(log: log, registry: executor.registry, projections: [projection], batchSize: 7)
            try await runner.start()
            #expect(await runner.waitUntil("totals", reaches: 30, timeout: .seconds(10)))
            #expect(try total(runner, "c") == 30)
            let more = try await add(executor, "c", 10)
            #expect(await runner.waitUntil("totals", reaches: more.position, timeout: .seconds(10)))
            #expect(try total(runner, "c") == 40)
            let status = try #require(try runner.status().first)
            #expect(status.mode == .async && status.lag == 0 && status.status == "live")
            await runner.stop()
            log.close()
        }
        // Reopened: it resumes where it was, applying only what is new, exactly once.
        let log = try directory.open()
        defer { log.close() }
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
        _ = try await add(executor, "c", 100)
        let projection = TotalsProjection(mode: .async)
        let runner = try ProjectionRunner(log: log, registry: executor.registry, projections: [projection])
        try await runner.start()
        #expect(await runner.waitUntil("totals", reaches: 32, timeout: .seconds(10)))
        #expect(try total(runner, "c") == 140)
        #expect(projection.applied.load(ordering: .relaxed) == 1)
        await runner.stop()
    }

    @Test func aCachedRowIsNeverServedOnceItsBytesChanged() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [TotalsProjection(mode: .inline)])
        try await runner.start()
        let executor = CommandExecutor(log: log, registry: runner.registry, hasher: testHasher)
        _ = try await add(executor, "a", 2)
        #expect(try total(runner, "a") == 2)
        #expect(try total(runner, "a") == 2)
        // The row changes behind the projection's back: the next read decodes the new bytes.
        let name = "rm.totals.1.totals"  // the first generation of the projection's table
        try await log.write { transaction in try transaction.put(try transaction.table(named: name), key: Array("a".utf8), value: Array("40".utf8)) }
        #expect(try total(runner, "a") == 40)
        // A write that rolls back leaves the committed row what it was.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await log.write { transaction in
                try transaction.put(try transaction.table(named: name), key: Array("a".utf8), value: Array("7".utf8))
                throw Refused()
            }
        }
        #expect(try total(runner, "a") == 40)
        _ = try await add(executor, "a", 1)
        #expect(try total(runner, "a") == 41)
        await runner.stop()
    }

    /// An async totals projection over `c +1`, a poisoned `c +1000` and `c +2`, followed to the end.
    private func withPoisonedTotals(_ body: (ProjectionRunner, TotalsProjection) async throws -> Void) async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let projection = TotalsProjection(mode: .async)
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [projection])
        try await runner.start()
        let executor = CommandExecutor(log: log, registry: runner.registry, hasher: testHasher)
        _ = try await add(executor, "c", 1)
        _ = try await add(executor, "c", 1000, poison: true)
        let last = try await add(executor, "c", 2)
        // It does not stall: the events after the poison one are applied.
        #expect(await runner.waitUntil("totals", reaches: last.position, timeout: .seconds(10)))
        try await body(runner, projection)
        await runner.stop()
    }

    @Test func aPoisonEventIsParkedVisibleAndRetryable() async throws {
        try await withPoisonedTotals { runner, projection in
            #expect(try total(runner, "c") == 3)
            let parked = try runner.parkedEvents("totals")
            #expect(parked.map(\.position) == [2])
            #expect(parked.first?.attempts == 3)
            #expect(try runner.status().first?.parked == 1)
            // Fixed, the parked event is retried and leaves the list.
            projection.failOnPoison.store(false, ordering: .relaxed)
            #expect(try await runner.retryParked("totals") == 1)
            #expect(try runner.parkedEvents("totals").isEmpty)
            #expect(try total(runner, "c") == 1003)
        }
    }

    @Test func aRebuildParksAFailingEventOfItsLastBatchAndSwapsIn() async throws {
        try await withPoisonedTotals { runner, _ in
            #expect(try runner.parkedEvents("totals").map(\.position) == [2])
            // The whole log is one short batch for the rebuild, and the poison event is in it: it
            // is parked again, not a reason to give up the rebuild.
            try await runner.rebuild("totals")
            #expect(try total(runner, "c") == 3)
            #expect(try runner.parkedEvents("totals").map(\.position) == [2])
            #expect(try runner.status().first { $0.name == "totals" }?.status == "live")
        }
    }

    @Test func aParkedEventIsRetriedOrSkippedOneByOne() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let projection = TotalsProjection(mode: .async)
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [projection])
        try await runner.start()
        let executor = CommandExecutor(log: log, registry: runner.registry, hasher: testHasher)
        _ = try await add(executor, "c", 1000, poison: true)
        _ = try await add(executor, "d", 2000, poison: true)
        let last = try await add(executor, "c", 2)
        #expect(await runner.waitUntil("totals", reaches: last.position, timeout: .seconds(10)))
        let parked = try runner.parkedEvents("totals")
        #expect(parked.map(\.position) == [1, 2])
        #expect(parked.allSatisfy { $0.streamId != nil && $0.parkedAt != nil })
        #expect(try runner.parkedEvents("totals", after: 1, limit: 5).map(\.position) == [2])
        // Still poisoned: the retry fails, counts the attempt, and the event stays parked.
        guard case .stillFailing(let again)? = try await runner.retryParked("totals", position: 1) else {
            Issue.record("the retry should fail")
            return
        }
        #expect(again.attempts == 4)
        #expect(try runner.parkedEvents("totals").first?.attempts == 4)
        #expect(try await runner.retryParked("totals", position: 99) == nil)
        // Fixed: one applies; the other is skipped on record.
        projection.failOnPoison.store(false, ordering: .relaxed)
        #expect(try await runner.retryParked("totals", position: 1) == .applied)
        #expect(try total(runner, "c") == 1002)
        #expect(try await runner.skipParked("totals", position: 2))
        #expect(try await !runner.skipParked("totals", position: 2))
        #expect(try runner.parkedEvents("totals").isEmpty)
        #expect(try total(runner, "d") == nil)
        let skipped = try #require(try log.existingTable(named: "kit.skipped"))
        #expect(try log.withSnapshot { try $0.count(skipped) } == 1)
        await runner.stop()
    }

    @Test func severalProjectionsRebuildTogetherInOnePass() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let projections = [TotalsProjection(name: "inline-totals", mode: .inline), TotalsProjection(name: "async-totals", mode: .async)]
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: projections, rebuildBatchSize: 7)
        try await runner.start()
        let executor = CommandExecutor(log: log, registry: runner.registry, hasher: testHasher)
        var last: UInt64 = 0
        for index in 0..<60 { last = try await add(executor, "c\(index % 4)", index).position }
        #expect(await runner.waitUntil("async-totals", reaches: last, timeout: .seconds(10)))
        let before = try projections.map { try runner.rows(of: $0.name) }
        let comparisons = try await runner.verifyByRebuilding(projections.map(\.name))
        #expect(comparisons.map(\.matches) == [true, true])
        try await runner.rebuild(projections.map(\.name))
        #expect(try projections.map { try runner.rows(of: $0.name) } == before)
        #expect(try runner.status().allSatisfy { $0.status == "live" })
        await runner.stop()
    }

    @Test func aBumpedVersionRebuildsAndARebuildEqualsTheLiveTables() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        do {
            let log = try directory.open()
            let runner = try ProjectionRunner(
                log: log,
                registry: try kitRegistry(),
                projections: [TotalsProjection(mode: .inline)],
                batchSize: 16,
                rebuildBatchSize: 16
            )
            try await runner.start()
            let executor = CommandExecutor(log: log, registry: runner.registry, hasher: testHasher)
            for index in 0..<100 { _ = try await add(executor, "c\(index % 7)", index) }
            let live = try runner.rows(of: "totals")
            // Online rebuild: fresh tables, swapped in; the same bytes.
            try await runner.rebuild("totals")
            #expect(try runner.rows(of: "totals") == live)
            await runner.stop()
            log.close()
        }
        let log = try directory.open()
        defer { log.close() }
        // Version 2 of the projection: rebuilt at start, before it serves.
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [TotalsProjection(version: 2, mode: .inline)])
        try await runner.start()
        #expect(try total(runner, "c3") == (0..<100).filter { $0 % 7 == 3 }.reduce(0, +))
        #expect(try runner.status().first?.version == 2)
        // Old generations are dropped at start.
        #expect(try log.tableNames().filter { $0.hasPrefix("rm.totals.") }.count == 1)
        await runner.stop()
    }
}
