import ArgumentParser
import Foundation
import Shop
import StrataKit
import StrataLog
import StrataStore
import StrataTools

/// Replay of an imported store of shop events (`strata-replay --all`'s code) against a raw cursor
/// scan of the same file, and the time to open that store with its projections started.
struct ReplayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay of imported shop events against a raw cursor scan; start-up time on that store."
    )

    @Option(help: "How many events to import.")
    var events: Int = 1_000_000

    @Option(help: "Where to put the scratch store (default: the system temporary directory).")
    var directory: String?

    func run() async throws {
        print("# strata-bench replay — \(Date().formatted(.iso8601))")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        let scratch = try ScratchDirectory(under: directory, label: "replay")
        defer { scratch.remove() }
        let (imported, importSeconds) = try await measure { try await importShopEvents(into: scratch.path, count: events) }
        print("imported \(grouped(imported)) events in \(format(importSeconds)) s")
        print("")

        let cpuBefore = processCPUSeconds()
        let (outcome, replaySeconds) = try await measure {
            try await Replay.run(StoreLocation(scratch.path), modules: shopServerModules, projection: nil, dryRun: false, reporter: nil)
        }
        let replayCPU = processCPUSeconds() - cpuBefore
        let rawSeconds = try rawCursorScan(scratch.path, expecting: imported)
        let (_, startSeconds) = try await measure {
            let log = try EventLog.open(directory: scratch.path)
            let keys = try KeyStore(directory: scratch.path + "/keys")
            let shop = try await startShop(log: log, keys: keys)
            await shop.stop()
            log.close()
            keys.close()
        }
        let replayRate = Double(imported) / replaySeconds
        let rawRate = Double(imported) / rawSeconds
        print("| measurement | events | seconds | events/s | vs raw scan | CPU µs per event |")
        print("|---|---:|---:|---:|---:|---:|")
        print("| raw LMDB cursor scan of the events table | \(grouped(imported)) | \(format(rawSeconds)) | \(grouped(Int(rawRate))) | 1 | |")
        print(
            "| replay --all (5 projections in one pass from position 0, swapped in) | \(grouped(imported)) | \(format(replaySeconds)) | \(grouped(Int(replayRate))) | 1/\(format(rawRate / replayRate, 1)) | \(format(replayCPU * 1e6 / Double(imported), 1)) |"
        )
        print("")
        print("The replay held the writer for \(format(outcome.writerSeconds)) s of its \(format(replaySeconds)) s (write transactions, syncs included).")
        print("")
        print("| start-up on that store (open log and keys, start projections; no HTTP yet) | seconds |")
        print("|---|---:|")
        print("| EventLog.open + KeyStore + ShopService.start | \(format(startSeconds, 3)) |")
    }

    /// Imports `count` events of a busy shop: products, then orders that reserve stock, many paid,
    /// some shipped or cancelled.
    private func importShopEvents(into path: String, count: Int) async throws -> Int {
        let registry = try StrataApp.registry(of: shopServerModules, cipher: nil)
        let log = try EventLog.open(directory: path)
        defer { log.close() }
        let metadata = EventMetadata(correlationId: "bench", causationId: "bench", userId: "u-bench")
        var versions: [String: UInt64] = [:]
        var position: UInt64 = 0
        var batch: [RecordedEvent] = []
        let products = 1000
        func add(_ event: any Event, to stream: String) async throws {
            position += 1
            let version = (versions[stream] ?? 0) + 1
            versions[stream] = version
            let data = try registry.encode(event, metadata: metadata)
            batch.append(
                RecordedEvent(
                    position: position,
                    streamId: stream,
                    streamVersion: version,
                    id: data.id,
                    type: data.type,
                    recordedAt: Date(),
                    metadata: data.metadata,
                    data: data.data
                )
            )
            if batch.count == 10_000 {
                let events = batch
                batch.removeAll(keepingCapacity: true)
                _ = try await log.write { try $0.importRecorded(events) }
            }
        }
        for index in 0..<products {
            try await add(
                ProductCreated(
                    productId: "p\(index)",
                    sku: String(format: "SKU-%05d", index),
                    name: "Product \(index)",
                    description: "",
                    priceCents: 500 + index,
                    stock: 1_000_000
                ),
                to: "product-p\(index)"
            )
        }
        var order = 0
        while Int(position) < count {
            let product = order % products
            let line = OrderLine(
                productId: "p\(product)",
                sku: String(format: "SKU-%05d", product),
                name: "Product \(product)",
                quantity: 1 + order % 3,
                unitPriceCents: 500 + product
            )
            try await add(StockReserved(productId: line.productId, orderId: "o\(order)", quantity: line.quantity), to: "product-\(line.productId)")
            try await add(
                OrderPlaced(orderId: "o\(order)", userId: "u\(order % 5000)", lines: [line], totalCents: line.lineTotalCents),
                to: "order-o\(order)"
            )
            if order % 3 != 0 { try await add(OrderPaid(orderId: "o\(order)"), to: "order-o\(order)") }
            if order % 3 == 1 { try await add(OrderShipped(orderId: "o\(order)"), to: "order-o\(order)") }
            if order % 10 == 0 {
                try await add(OrderCancelled(orderId: "o\(order)", cancelledBy: "admin"), to: "order-o\(order)")
                try await add(
                    StockReleased(productId: line.productId, orderId: "o\(order)", quantity: line.quantity),
                    to: "product-\(line.productId)"
                )
            }
            order += 1
        }
        if !batch.isEmpty {
            let events = batch
            _ = try await log.write { try $0.importRecorded(events) }
        }
        return Int(position)
    }
}
