import Foundation
import Identity
import Shop
import StrataKit
import StrataStore

/// A scratch directory for one benchmark, removed afterwards.
struct ScratchDirectory {
    let path: String

    init(under parent: String?, label: String) throws {
        let base = parent ?? NSTemporaryDirectory()
        path = (base as NSString).appendingPathComponent("strata-bench-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Seconds elapsed while running `body`.
func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    let elapsed = ContinuousClock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// Formats a count per second with thousands separators.
func rate(_ count: Int, _ seconds: Double) -> String {
    grouped(Int((Double(count) / seconds).rounded()))
}

func grouped(_ value: Int) -> String {
    let digits = String(value)
    var out = ""
    for (index, character) in digits.reversed().enumerated() {
        if index > 0 && index % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return String(out.reversed())
}

/// The JSON payload of a typical shop event (~120 bytes) and its metadata (~90 bytes).
enum SamplePayload {
    static let data = Array(
        #"{"orderId":"0190b3c2-7a4e-7c3b-9f1e-2d4c5b6a7e8f","productId":"p-000123","quantity":2,"unitPriceCents":1999}"#.utf8
    )
    static let metadata = Array(
        #"{"correlationId":"req-5f2c9a1b","causationId":"req-5f2c9a1b","userId":"u-000042"}"#.utf8
    )
}

/// The shop's server's modules, as `strata-server` composes them.
let shopServerModules: [any StrataModule] = [IdentityModule(), ShopModule()]

/// The shop over a started app of the server's modules on an open store.
func startShop(log: any EventStore, keys: any PersonalDataKeys) async throws -> ShopService {
    let app = try await StrataApp.start(store: log, keys: keys, modules: shopServerModules)
    do {
        return try ShopService(app: app)
    } catch {
        await app.stop()
        throw error
    }
}
