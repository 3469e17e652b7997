import Foundation
import StrataStore
import Synchronization
import Testing

/// One check of the store contract, run against each store by that store's test target.
public struct StoreContractCase: Sendable, CustomStringConvertible {
    public let name: String
    let check: @Sendable (any StoreHarness) async throws -> Void

    public var description: String { name }

    /// Runs the check against a store made by `harness`.
    public func run(with harness: any StoreHarness) async throws {
        try await check(harness)
    }
}

/// The store contract: what every ``EventStore`` must do, as the LMDB log does it. Each store's
/// test target runs every case: `@Test(arguments: StoreContract.cases)`.
public enum StoreContract {
    public static let cases: [StoreContractCase] = [
        StoreContractCase(name: "appendAndReadBack", check: appendAndReadBack),
        StoreContractCase(name: "streamIdsThatArePrefixesOfEachOtherStayApart", check: streamIdsThatArePrefixesOfEachOtherStayApart),
        StoreContractCase(name: "expectedVersionsAreChecked", check: expectedVersionsAreChecked),
        StoreContractCase(name: "multiStreamAppendWithOneBadExpectationAppendsNothing", check: multiStreamAppendWithOneBadExpectationAppendsNothing),
        StoreContractCase(name: "streamWithNoEventsIsOnlyChecked", check: streamWithNoEventsIsOnlyChecked),
        StoreContractCase(name: "malformedRequestsAreRefusedBeforeQueuing", check: malformedRequestsAreRefusedBeforeQueuing),
        StoreContractCase(name: "reopenKeepsEverything", check: reopenKeepsEverything),
        StoreContractCase(name: "appendAfterCloseFails", check: appendAfterCloseFails),
        StoreContractCase(name: "concurrentExactAppendersWinEachVersionExactlyOnce", check: concurrentExactAppendersWinEachVersionExactlyOnce),
        StoreContractCase(name: "losersOfARaceGetConflictsNamingTheStream", check: losersOfARaceGetConflictsNamingTheStream),
        StoreContractCase(name: "decisionsTakenOnTheWriterNeverConflict", check: decisionsTakenOnTheWriterNeverConflict),
        StoreContractCase(name: "aFailingJobRollsBackItsAppendsAndLeavesTheBatch", check: aFailingJobRollsBackItsAppendsAndLeavesTheBatch),
        StoreContractCase(name: "appendInsideAJobSeesConflicts", check: appendInsideAJobSeesConflicts),
        StoreContractCase(name: "subscribersHearNewHeads", check: subscribersHearNewHeads),
        StoreContractCase(name: "hookWritesCommitWithTheEventsAndAFailingRequestLeavesTheOthers", check: hookWritesCommitWithTheEventsAndAFailingRequestLeavesTheOthers),
        StoreContractCase(name: "requestWorkRunsInTheSameTransaction", check: requestWorkRunsInTheSameTransaction),
        StoreContractCase(name: "writeJobsCommitTablesDurably", check: writeJobsCommitTablesDurably),
        StoreContractCase(name: "theLogsOwnTablesAreNotWritable", check: theLogsOwnTablesAreNotWritable),
        StoreContractCase(name: "storeStatisticsCountEventsAndStreams", check: storeStatisticsCountEventsAndStreams),
        StoreContractCase(name: "streamReadsAgreeWithTheLogAtEveryStartAndLimit", check: streamReadsAgreeWithTheLogAtEveryStartAndLimit),
        StoreContractCase(name: "eventTypesAreCountedWithTheirLastPosition", check: eventTypesAreCountedWithTheirLastPosition),
    ]
}

/// Makes stores for the contract: each store's test target provides one.
public protocol StoreHarness: Sendable {
    /// Opens a fresh, empty store, runs `body`, then closes and removes it.
    func withFreshStore(_ body: (any EventStore) async throws -> Void) async throws
    /// Gives `body` a way to open (and, after closing, reopen) one fresh store; removes it after.
    func withReopenableStore(_ body: (_ open: () async throws -> any EventStore) async throws -> Void) async throws
    /// The store's own consistency check (gapless positions, indexes agree with the log).
    func isConsistent(_ store: any EventStore) throws -> Bool
}

/// An event of `type` with JSON `data`.
public func event(_ type: String = "Happened", _ json: String = "{}") -> EventData {
    EventData(type: type, data: Array(json.utf8))
}

/// The outcome of an async throwing call as a value.
public func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
