import Foundation
import Identity
import Shop
import ShopTestSupport
import StrataKit
import StrataLog
import StrataPostgres
import StrataStore
import StrataTestSupport
import StrataTools
import Testing

/// The tools on PostgreSQL: an LMDB export imports into PostgreSQL and back, byte for byte, and
/// the read models replayed from it are the same bytes on both stores.
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct PostgresToolsTests {
    @Test func anExportMovesBetweenTheStoresAndReplaysToIdenticalReadModels() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        #expect(try runTool("strata-admin", ["export", "--data-dir", scratch.sub("data"), "--output", scratch.sub("lmdb.jsonl")]).status == 0)
        try await PostgresTestServer.withDatabase { url in
            let database = ["--postgres-url", url.text]
            let imported = try runTool("strata-admin", database + ["import", scratch.sub("lmdb.jsonl")])
            #expect(imported.status == 0, "\(imported.errors)")
            #expect(imported.output.contains("imported") && !imported.output.contains(url.password ?? "\u{0}"))
            // Into a database that holds events already: refused.
            let again = try runTool("strata-admin", database + ["import", scratch.sub("lmdb.jsonl")])
            #expect(again.status != 0 && again.errors.contains("already holds events"))
            #expect(try runTool("strata-admin", database + ["verify"]).status == 0)
            #expect(try runTool("strata-replay", database + ["--all"]).status == 0)
            #expect(try runTool("strata-admin", database + ["export", "--output", scratch.sub("postgres.jsonl")]).status == 0)
            let lmdb = try Data(contentsOf: URL(fileURLWithPath: scratch.sub("lmdb.jsonl")))
            let postgres = try Data(contentsOf: URL(fileURLWithPath: scratch.sub("postgres.jsonl")))
            #expect(!lmdb.isEmpty && lmdb == postgres)
            // And back into LMDB, replayed there.
            #expect(try runTool("strata-admin", ["import", "--data-dir", scratch.sub("back"), scratch.sub("postgres.jsonl")]).status == 0)
            #expect(try runTool("strata-replay", ["--data-dir", scratch.sub("back"), "--all"]).status == 0)
            #expect(try runTool("strata-admin", ["export", "--data-dir", scratch.sub("back"), "--output", scratch.sub("back.jsonl")]).status == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.sub("back.jsonl"))) == lmdb)

            let onPostgres = try await readModels(StoreLocation(scratch.path, postgresURL: url))
            let onLMDB = try await readModels(StoreLocation(scratch.sub("back")))
            #expect(!onPostgres.isEmpty)
            #expect(Set(onLMDB.keys) == Set(onPostgres.keys))
            for (name, tables) in onLMDB { #expect(tables == onPostgres[name], "\(name)") }
            for name in ["users", "products", "orders", "sales"] {
                #expect(onLMDB[name]?.values.contains { !$0.isEmpty } == true, "\(name) is empty")
            }

            // The reports read the database beside everything.
            let stats = try runTool("strata-admin", database + ["--json", "stats"])
            #expect(stats.status == 0 && stats.output.hasPrefix("{"))
            let shown = try runTool("strata-admin", database + ["show", "1"])
            #expect(shown.status == 0 && shown.output.contains("UniqueValueReserved") || shown.output.contains("UserRegistered"), "\(shown.output)")
            let tail = try runTool("strata-admin", database + ["tail", "--lines", "3"])
            #expect(tail.status == 0 && tail.output.split(separator: "\n").count == 3)
        }
    }

    /// Every projection's rows, by table, of the store at `location` (opened offline).
    private func readModels(_ location: StoreLocation) async throws -> [String: [String: [[UInt8]: [UInt8]]]] {
        let store = try await OfflineStore(location, modules: ShopServices.modules)
        defer { store.close() }
        var rows: [String: [String: [[UInt8]: [UInt8]]]] = [:]
        for name in store.runner.names { rows[name] = try store.runner.rows(of: name) }
        return rows
    }
}
