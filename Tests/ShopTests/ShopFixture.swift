import Foundation
import StrataTestSupport
import Shop
import StrataKit
import StrataLog
import StrataStore

/// A shop on a real log and key store in a temporary directory.
struct ShopFixture {
    let directory: String
    let log: EventLog
    let keys: KeyStore
    let shop: ShopService

    static func start() async throws -> ShopFixture {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("strata-shop-\(UUID().uuidString)")
        let log = try EventLog.open(directory: directory)
        let keys = try KeyStore(directory: directory + "/keys")
        let shop = try await ShopService.start(log: log, keys: keys)
        return ShopFixture(directory: directory, log: log, keys: keys, shop: shop)
    }

    func stop() async {
        await shop.stop()
        log.close()
        keys.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func run(_ body: (ShopFixture) async throws -> Void) async throws {
        let fixture = try await start()
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }
}

let meta = EventMetadata(correlationId: "test")

extension ShopService {
    func makeProduct(_ id: String, sku: String, stock: Int, price: Int = 1000, name: String? = nil) async throws {
        _ = try await createProduct(
            id: id,
            sku: sku,
            name: name ?? "Product \(sku)",
            description: "",
            priceCents: price,
            stock: stock,
            metadata: meta
        )
    }

    func makeUser(_ id: String, email: String, role: Role = .customer) async throws {
        _ = try await registerUser(id: id, name: "User \(id)", email: email, role: role, passwordHash: "$2b$04$hash", metadata: meta)
    }
}
