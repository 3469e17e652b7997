import Foundation
import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// Async projections on a store several processes share (PostgreSQL): one process applies each at
/// a time, no event is applied twice or skipped, and the lease moves when its holder goes.
@Suite(.enabled(if: TestStoreKind.current == .postgres, "a shared store: STRATA_TEST_STORE=postgres"))
struct ProjectionLeaseTests {
    @Test func oneProcessAppliesAtATimeAndTheLeaseMovesWhenItGoes() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let first = try place.open()
        let second = try place.open()
        defer {
            first.close()
            second.close()
        }
        #expect(first.traits.isShared && second.traits.isShared)
        let firstTotals = TotalsProjection(mode: .async)
        let secondTotals = TotalsProjection(mode: .async)
        let firstRunner = try ProjectionRunner(log: first, registry: try kitRegistry(), projections: [firstTotals], leaseDuration: 2)
        let secondRunner = try ProjectionRunner(log: second, registry: try kitRegistry(), projections: [secondTotals], leaseDuration: 2)
        try await firstRunner.start()
        try await secondRunner.start()
        let executor = CommandExecutor(log: first, registry: firstRunner.registry, hasher: testHasher)
        var last: UInt64 = 0
        for _ in 0..<40 { last = try await add(executor, "c", 1).position }
        #expect(await firstRunner.waitUntil("totals", reaches: last, timeout: .seconds(10)))
        #expect(try total(secondRunner, "c") == 40)
        // Exactly once in all (a holder slowed past its lease may have handed over mid-way: the
        // batch's own lease check keeps the two from ever writing the same events).
        let applied = (firstTotals.applied.load(ordering: .relaxed), secondTotals.applied.load(ordering: .relaxed))
        #expect(applied.0 + applied.1 == 40)

        // One stops cleanly: the other applies everything that comes next, once.
        await firstRunner.stop()
        let (holderTotals, other, otherTotals) = (firstTotals, secondRunner, secondTotals)
        let before = otherTotals.applied.load(ordering: .relaxed)
        for _ in 0..<10 { last = try await add(executor, "c", 1).position }
        #expect(await other.waitUntil("totals", reaches: last, timeout: .seconds(10)))
        #expect(try total(other, "c") == 50)
        #expect(otherTotals.applied.load(ordering: .relaxed) - before == 10)
        #expect(holderTotals.applied.load(ordering: .relaxed) + otherTotals.applied.load(ordering: .relaxed) == 50)
        await other.stop()
    }
}
