import ArgumentParser
import Foundation
import Shop
import StrataKit
import StrataLog
import StrataStore

/// The order path in-process, without HTTP: N concurrent callers each decide, append (durably,
/// group-committed), project inline and render an order's answer as the server does, on a fresh
/// LMDB store with a catalog of products. The fast loop for the order path's speed: orders/s,
/// latency, CPU and allocations per order.
struct OrdersBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "Durable orders in-process (decide, append, project, render) at several concurrency levels."
    )

    @Option(help: "Seconds each concurrency level runs.")
    var seconds: Double = 5

    @Option(parsing: .upToNextOption, help: "Concurrent callers to measure.")
    var callers: [Int] = [1, 64]

    @Option(help: "Products in the catalog; each order takes one line of one of them.")
    var products: Int = 64

    @Option(help: "Where to put the scratch store (default: the system temporary directory).")
    var directory: String?

    func run() async throws {
        print("# strata-bench orders — \(Date().formatted(.iso8601))")
        print(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; seconds per level: \(seconds); products: \(products)"
        )
        print("allocations: \(AllocationCounter.isCounting ? "counted (malloc interposer loaded)" : "not counted (run with LD_PRELOAD=<libMallocInterposerSwift.so>, as make bench-orders does)")")
        print("")
        let scratch = try ScratchDirectory(under: directory, label: "orders")
        defer { scratch.remove() }
        let log = try EventLog.open(directory: scratch.path)
        let keys = try KeyStore(directory: scratch.path + "/keys")
        let shop = try await startShop(log: log, keys: keys)
        let catalog = try await Self.createCatalog(shop, count: products)

        // A short warm-up fills the caches (aggregates, rows, the writer's buffers) once.
        _ = try await Self.load(shop, catalog: catalog, callers: 16, seconds: min(1, seconds))
        print("| callers | orders | orders/s | p50 ms | p99 ms | CPU µs per order | allocations per order | orders per commit | syncs per commit |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for level in callers {
            let before = log.writerStatistics
            let result = try await Self.load(shop, catalog: catalog, callers: level, seconds: seconds)
            let after = log.writerStatistics
            let allocations = result.allocations.map { format(Double($0) / Double(max(1, result.orders)), 0) } ?? "n/a"
            // Each commit syncs its data pages; one whose meta page was not left for the next commit
            // syncs that too, and an idle writer syncs what waits.
            let commits = max(1, after.commits - before.commits)
            let deferred = after.deferredMetaSyncs - before.deferredMetaSyncs
            let syncs = Double(2 * commits - deferred + (after.idleSyncs - before.idleSyncs)) / Double(commits)
            print(
                "| \(level) | \(grouped(result.orders)) | \(rate(result.orders, result.seconds)) | \(format(result.percentile(0.5) * 1000, 2)) | \(format(result.percentile(0.99) * 1000, 2)) | \(format(result.cpuSeconds * 1e6 / Double(max(1, result.orders)), 0)) | \(allocations) | \(format(Double(result.orders) / Double(commits), 1)) | \(format(syncs, 2)) |"
            )
        }
        await shop.stop()
        log.close()
        keys.close()
    }

    /// What one concurrency level measured.
    struct LoadResult {
        var orders: Int
        var seconds: Double
        var cpuSeconds: Double
        var allocations: Int?
        var latencies: [Double]

        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
        }
    }

    static let metadata = EventMetadata(correlationId: "bench", causationId: "bench", userId: "u-bench")

    /// Creates `count` products with stock enough for any run.
    static func createCatalog(_ shop: ShopService, count: Int) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let id = ShopService.newId()
            _ = try await shop.createProduct(
                id: id,
                sku: String(format: "BENCH-%05d", index),
                name: "Product \(index)",
                description: "",
                priceCents: 500 + index,
                stock: Product.maximumStock,
                metadata: metadata
            )
            ids.append(id)
        }
        return ids
    }

    /// `callers` tasks placing one-line orders for `seconds`, each rendering the order's answer
    /// from the committed read model, as the server does on LMDB for a request without a key.
    static func load(_ shop: ShopService, catalog: [String], callers: Int, seconds: Double) async throws -> LoadResult {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let cpuBefore = processCPUSeconds()
        let allocationsBefore = AllocationCounter.count
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var latencies: [Double] = []
                    var next = caller
                    while ContinuousClock.now < deadline {
                        let began = ContinuousClock.now
                        let id = ShopService.newId()
                        let item = Order.Item(productId: catalog[next % catalog.count], quantity: 1)
                        next += callers
                        let result = try await shop.placeOrder(id: id, userId: "u-bench-\(caller)", items: [item], metadata: metadata)
                        guard result.append != nil, try shop.orderJSON(id: id) != nil else {
                            throw ValidationError("order \(id) was not placed")
                        }
                        latencies.append(durationSeconds(ContinuousClock.now - began))
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = durationSeconds(ContinuousClock.now - start)
        let allocations = AllocationCounter.count.map { $0 - (allocationsBefore ?? 0) }
        return LoadResult(
            orders: latencies.count,
            seconds: elapsed,
            cpuSeconds: processCPUSeconds() - cpuBefore,
            allocations: allocations,
            latencies: latencies
        )
    }
}

/// Seconds in a duration.
func durationSeconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The CPU time this process has used, all threads, in seconds.
func processCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
