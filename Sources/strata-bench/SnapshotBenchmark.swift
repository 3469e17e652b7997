import ArgumentParser
import Foundation
import Shop
import StrataKit
import StrataLog
import StrataStore

/// The first order on a product whose stream is long, right after a restart (P10): once with no
/// snapshot stored (the decision folds the whole stream, and stores one), then after another
/// restart with that snapshot (it reads the snapshot and the events after it).
struct SnapshotBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "The first order on a product with a long stream after a restart, without and with its snapshot."
    )

    @Option(help: "How many events the product's stream holds.")
    var events: Int = 1_000_000

    @Option(help: "Where to put the scratch store (default: the system temporary directory).")
    var directory: String?

    func run() async throws {
        print("# strata-bench snapshots — \(Date().formatted(.iso8601))")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        let scratch = try ScratchDirectory(under: directory, label: "snapshots")
        defer { scratch.remove() }
        let (imported, importSeconds) = try await measure { try await importLongProduct(into: scratch.path, count: events) }
        print("imported \(grouped(imported)) events of product-p0 in \(format(importSeconds)) s")
        print("")
        print("| first order on product-p0 after a restart | stream events | ms |")
        print("|---|---:|---:|")
        for label in ["no snapshot stored (folds the stream, stores one)", "its snapshot stored"] {
            let log = try EventLog.open(directory: scratch.path)
            let keys = try KeyStore(directory: scratch.path + "/keys")
            let shop = try await startShop(log: log, keys: keys)
            let length = try log.streamVersion("product-p0")
            let (_, seconds) = try await measure {
                try await shop.placeOrder(id: ShopService.newId(), userId: "u-bench", items: [Order.Item(productId: "p0", quantity: 1)], metadata: Self.metadata)
            }
            print("| \(label) | \(grouped(Int(length))) | \(format(seconds * 1000, 2)) |")
            await shop.stop()
            log.close()
            keys.close()
        }
    }

    static let metadata = EventMetadata(correlationId: "bench", causationId: "bench", userId: "u-bench")

    /// Imports product p0 and `count - 1` reservations and releases of it, as recorded events.
    private func importLongProduct(into path: String, count: Int) async throws -> Int {
        let registry = try StrataApp.registry(of: shopServerModules, cipher: nil)
        let log = try EventLog.open(directory: path)
        defer { log.close() }
        var batch: [RecordedEvent] = []
        var position: UInt64 = 0
        func add(_ event: any Event) async throws {
            position += 1
            let data = try registry.encode(event, metadata: Self.metadata)
            batch.append(
                RecordedEvent(
                    position: position,
                    streamId: "product-p0",
                    streamVersion: position,
                    id: data.id,
                    type: data.type,
                    recordedAt: Date(),
                    metadata: data.metadata,
                    data: data.data
                )
            )
            if batch.count == 10_000 || Int(position) == count {
                let events = batch
                batch.removeAll(keepingCapacity: true)
                _ = try await log.write { try $0.importRecorded(events) }
            }
        }
        try await add(ProductCreated(productId: "p0", sku: "SKU-00000", name: "Product 0", description: "", priceCents: 500, stock: 1000))
        while Int(position) < count {
            let order = "o\(position)"
            if position % 2 == 1 {
                try await add(StockReserved(productId: "p0", orderId: order, quantity: 1))
            } else {
                try await add(StockReleased(productId: "p0", orderId: order, quantity: 1))
            }
        }
        return Int(position)
    }
}
