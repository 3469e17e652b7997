import StrataTestSupport
import Testing

/// The PostgreSQL store passes the store contract that every ``EventStore`` must pass.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct PostgresStoreContractTests {
    @Test(arguments: StoreContract.cases)
    func contract(_ check: StoreContractCase) async throws {
        try await check.run(with: PostgresHarness())
    }
}
