import Foundation
import Identity
import Shop
import ShopTestSupport
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import StrataTools
import Testing

/// `strata-replay --snapshots` and `--all` rebuild or drop the aggregates' snapshots, and
/// `strata-admin stats` counts them.
@Suite(.serialized) struct SnapshotToolTests {
    /// How many snapshots `strata-admin stats --json` reports.
    func snapshotCount(_ data: [String]) throws -> Int {
        let stats = try runTool("strata-admin", ["stats", "--json"] + data)
        return try JSONDecoder().decode(StoreReport.self, from: Data(stats.output.utf8)).snapshots
    }

    @Test func replayRebuildsAndDropsSnapshotsAndStatsCountsThem() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        // Product p0's stream grows past a snapshot's distance, written without snapshots (raw appends).
        do {
            let log = try EventLog.open(directory: scratch.sub("data"))
            defer { log.close() }
            let registry = try StrataApp.registry(of: ShopServices.modules, cipher: nil)
            let version = try log.streamVersion("product-p0")
            var events: [EventData] = []
            for index in 0..<(Int(StrataApp.defaultSnapshotEvery) / 2) {
                events.append(try registry.encode(StockReserved(productId: "p0", orderId: "x\(index)", quantity: 1), metadata: meta))
                events.append(try registry.encode(StockReleased(productId: "p0", orderId: "x\(index)", quantity: 1), metadata: meta))
            }
            _ = try await log.append(AppendRequest(streamId: "product-p0", expectedVersion: .exact(version), events: events))
        }
        let data = ["--data-dir", scratch.sub("data")]
        #expect(try snapshotCount(data) == 0)
        let stats = try runTool("strata-admin", ["stats"] + data)
        #expect(stats.output.contains("SNAPSHOTS"), "\(stats.output)")

        let rebuild = try runTool("strata-replay", data + ["--snapshots", "rebuild"])
        #expect(rebuild.status == 0, "\(rebuild.errors)")
        #expect(rebuild.output.contains("rebuilt snapshots: 1 stored"), "\(rebuild.output)")
        #expect(try snapshotCount(data) == 1)
        let drop = try runTool("strata-replay", data + ["--snapshots", "drop"])
        #expect(drop.status == 0 && drop.output.contains("dropped every snapshot"), "\(drop.output) \(drop.errors)")
        #expect(try snapshotCount(data) == 0)
        let all = try runTool("strata-replay", data + ["--all"])
        #expect(all.status == 0 && all.output.contains("rebuilt snapshots: 1 stored"), "\(all.output) \(all.errors)")
        #expect(try snapshotCount(data) == 1)
        let refused = try runTool("strata-replay", data + ["--snapshots", "compact"])
        #expect(refused.status != 0 && refused.errors.contains("rebuild or drop"), "\(refused.errors)")
        let dryRun = try runTool("strata-replay", data + ["--snapshots", "drop", "--dry-run"])
        #expect(dryRun.status != 0)

        // The shop decides from the rebuilt snapshot: p0's stock is what its whole stream says.
        let log = try EventLog.open(directory: scratch.sub("data"))
        defer { log.close() }
        let keys = try KeyStore(directory: scratch.sub("data/keys"))
        defer { keys.close() }
        let services = try await ShopServices.start(log: log, keys: keys)
        let shop = services.shop
        let stock = try #require(try shop.product(id: "p0")).record.stock
        _ = try await shop.placeOrder(id: "after", userId: "u0", items: [Order.Item(productId: "p0", quantity: 2)], metadata: meta)
        #expect(try shop.product(id: "p0")?.record.stock == stock - 2)
        await services.stop()
    }
}
