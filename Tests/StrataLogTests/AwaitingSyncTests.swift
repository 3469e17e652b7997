@testable import StrataLog
import Testing

/// The rule that decides, after each commit, which callers may hear of their commit: only those
/// whose meta page a later data sync (or an explicit sync) has flushed.
@Suite struct AwaitingSyncTests {
    @Test func aDeferredCommitWaitsForTheNextCommitThatWrites() {
        let awaiting = AwaitingSync<Int>()
        let first = awaiting.settle(1, madeNewState: true, deferred: true)
        #expect(first.now.isEmpty && first.afterSync.isEmpty)
        let second = awaiting.settle(2, madeNewState: true, deferred: true)
        #expect(second.now == [1] && second.afterSync.isEmpty)
        let last = awaiting.settle(3, madeNewState: true, deferred: false)
        #expect(last.now == [2] && last.afterSync == [3])
        #expect(awaiting.isEmpty)
    }

    /// LMDB commits a transaction that changed nothing (every job in it failed) without a data
    /// sync: it flushes no waiting meta page, so nobody waiting may be answered by it — the power
    /// cut that drops that page would lose what they were told was durable.
    @Test func aCommitThatChangedNothingAnswersNobodyWaiting() {
        let awaiting = AwaitingSync<Int>()
        _ = awaiting.settle(1, madeNewState: true, deferred: true)
        let empty = awaiting.settle(2, madeNewState: false, deferred: true)
        #expect(empty.now.isEmpty && empty.afterSync.isEmpty, "answered before their meta page was synced")
        let emptyAndIdle = awaiting.settle(3, madeNewState: false, deferred: false)
        #expect(emptyAndIdle.now.isEmpty && emptyAndIdle.afterSync == [1, 2, 3], "1 is durable only after a sync; 2 and 3 may rest on its state")
        #expect(awaiting.isEmpty)
    }

    @Test func aCommitThatChangedNothingWithNothingWaitingNeedsNoSync() {
        let awaiting = AwaitingSync<Int>()
        let settled = awaiting.settle(1, madeNewState: false, deferred: false)
        #expect(settled.now == [1] && settled.afterSync.isEmpty)
    }

    @Test func aLoneCommitSyncsItselfBeforeItsCallersHear() {
        let awaiting = AwaitingSync<Int>()
        let settled = awaiting.settle(1, madeNewState: true, deferred: false)
        #expect(settled.now.isEmpty && settled.afterSync == [1])
    }
}
