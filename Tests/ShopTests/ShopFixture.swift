import Identity
import ShopTestSupport
import Foundation
import StrataTestSupport
import Shop
import StrataKit
import StrataLog
import StrataStore

/// A shop on a real store (LMDB in a temporary directory, or a fresh PostgreSQL database: see
/// ``TestStoreKind``) and its key store.
struct ShopFixture {
    let place: TestStorePlace
    let log: any EventStore
    let keys: any PersonalDataKeys
    let services: ShopServices
    var shop: ShopService { services.shop }
    var users: IdentityService { services.users }

    /// The LMDB data directory (made for PostgreSQL too, then empty).
    var directory: String { place.path }

    static func start(_ kind: TestStoreKind = .current) async throws -> ShopFixture {
        let place = TestStorePlace(kind, label: "shop")
        let log = try place.open()
        let keys = try place.openKeys(for: log)
        let services = try await ShopServices.start(log: log, keys: keys)
        return ShopFixture(place: place, log: log, keys: keys, services: services)
    }

    func stop() async {
        await services.stop()
        log.close()
        keys.close()
        place.remove()
    }

    static func run(_ kind: TestStoreKind = .current, _ body: (ShopFixture) async throws -> Void) async throws {
        let fixture = try await start(kind)
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
}

extension IdentityService {
    func makeUser(_ id: String, email: String, role: Role = .customer) async throws {
        _ = try await registerUser(id: id, name: "User \(id)", email: email, role: role, passwordHash: "$2b$04$hash", metadata: meta)
    }
}
