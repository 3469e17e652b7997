import StrataTestSupport
import Testing

/// The LMDB log passes the store contract that every ``EventStore`` must pass.
@Suite struct LMDBStoreContractTests {
    @Test(arguments: StoreContract.cases)
    func contract(_ check: StoreContractCase) async throws {
        try await check.run(with: LMDBHarness())
    }
}
