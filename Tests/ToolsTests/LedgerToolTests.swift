import Foundation
import Identity
import Ledger
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import StrataTools
import Testing

/// The tools compose the modules a store's server ran: on a ledger's store, `strata-admin
/// stats` reports the ledger's projections and `strata-replay --all` rebuilds them.
@Suite(.serialized) struct LedgerToolTests {
    @Test func toolsKnowTheLedgersProjectionsOnItsStore() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        let path = scratch.sub("data")
        do {
            let log = try EventLog.open(directory: path)
            let keys = try KeyStore(directory: path + "/keys")
            let app = try await StrataApp.start(store: log, keys: keys, modules: [IdentityModule(), LedgerModule()])
            let ledger = try LedgerService(app: app)
            let owner = Caller(userId: "ann", isAdmin: false)
            for id in ["a", "b"] {
                _ = try await ledger.open(id: id, ownerId: "ann", name: id, metadata: EventMetadata())
                _ = try await ledger.change(id, by: owner, admins: false, expectedVersion: nil, metadata: EventMetadata()) { try $0.deposit(100) }
            }
            _ = try await ledger.transfer(id: "t", from: "a", to: "b", amountCents: 40, by: owner, metadata: EventMetadata())
            #expect(try StrataApp.recordedModules(in: log) == ["identity", "ledger"])
            await app.stop()
            log.close()
            keys.close()
        }
        let stats = try runTool("strata-admin", ["stats", "--json", "--data-dir", path])
        let report = try JSONDecoder().decode(StoreReport.self, from: Data(stats.output.utf8))
        #expect(report.projections.map(\.name) == ["users", "sessions", "ledger-accounts", "ledger-daily", "correlations"])
        let replay = try runTool("strata-replay", ["--data-dir", path, "--projection", "ledger-accounts", "--dry-run"])
        #expect(replay.status == 0 && replay.output.contains("ledger-accounts") && replay.output.contains("same"), "\(replay.output) \(replay.errors)")
        #expect(try runTool("strata-replay", ["--data-dir", path, "--all"]).status == 0)
        let log = try EventLog.openReadOnly(directory: path)
        defer { log.close() }
        let head = try log.headPosition()
        #expect(try AdminReports.stats(log).projections.allSatisfy { $0.position == head })
    }
}
