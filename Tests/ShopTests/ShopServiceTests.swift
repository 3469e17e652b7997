import Identity
import ShopTestSupport
import Foundation
import Shop
import StrataKit
import StrataLog
import StrataStore
import Testing

@Suite struct ShopServiceTests {
    @Test func usersAreUniqueByEmailAndFoundByItsKeyedHash() async throws {
        try await ShopFixture.run { fixture in
            let users = fixture.users
            _ = try await users.registerUser(
                id: "u1",
                name: "Ann Example",
                email: "Ann@Example.com ",
                role: .customer,
                passwordHash: "$2b$04$x",
                metadata: meta
            )
            await #expect(throws: IdentityError.emailTaken) { try await users.makeUser("u2", email: "ann@example.com") }
            #expect(try users.userId(forEmail: "ANN@example.com") == "u1")
            #expect(try users.passwordHash(userId: "u1") == "$2b$04$x")
            let user = try #require(try users.user(id: "u1")).record
            #expect(user.name.value == "Ann Example" && user.email.value == "ann@example.com" && user.status == .active)
            _ = try await users.renameUser(id: "u1", name: "Ann Other", metadata: meta)
            #expect(try users.user(id: "u1")?.record.name.value == "Ann Other")
            // No plaintext name or email in the store: events, indexes and read models hold them sealed.
            let bytes = try fixture.place.storedBytes()
            #expect(bytes.range(of: Data("ann@example.com".utf8)) == nil)
            #expect(bytes.range(of: Data("Ann Example".utf8)) == nil)
            #expect(bytes.range(of: Data("Ann Other".utf8)) == nil)
        }
    }

    @Test func sessionsRotateAndAReusedTokenRevokesTheSession() async throws {
        try await ShopFixture.run { fixture in
            let users = fixture.users
            try await users.makeUser("u1", email: "u1@example.com")
            let later = Date().addingTimeInterval(3600)
            _ = try await users.startSession(id: "s1", userId: "u1", refreshTokenHash: "h1", expiresAt: later, metadata: meta)
            _ = try await users.refreshSession(presentedHash: "h1", newHash: "h2", expiresAt: later, metadata: meta)
            #expect(try users.session(tokenHash: "h2")?.state == .current)
            #expect(try users.session(tokenHash: "h1")?.state == .rotated)
            await #expect(throws: IdentityError.invalidSession) {
                _ = try await users.refreshSession(presentedHash: "h1", newHash: "h3", expiresAt: later, metadata: meta)
            }
            // The whole session is gone, including the token that was current.
            #expect(try users.session(tokenHash: "h2")?.state == .revoked)
            await #expect(throws: IdentityError.invalidSession) {
                _ = try await users.refreshSession(presentedHash: "h2", newHash: "h4", expiresAt: later, metadata: meta)
            }
            // A deactivated user can neither start nor refresh a session.
            _ = try await users.startSession(id: "s2", userId: "u1", refreshTokenHash: "k1", expiresAt: later, metadata: meta)
            _ = try await users.deactivateUser(id: "u1", metadata: meta)
            #expect(try users.session(tokenHash: "k1")?.state == .revoked)
            await #expect(throws: IdentityError.invalidSession) {
                _ = try await users.startSession(id: "s3", userId: "u1", refreshTokenHash: "k2", expiresAt: later, metadata: meta)
            }
        }
    }

    @Test func theCatalogListsActiveProductsInSkuOrderWithSearchAndPages() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            for index in 0..<25 {
                try await shop.makeProduct(
                    "p\(index)",
                    sku: String(format: "SKU-%02d", 24 - index),
                    stock: 5,
                    name: index % 5 == 0 ? "Blue Mug \(index)" : "Plate \(index)"
                )
            }
            await #expect(throws: ShopError.skuTaken) { try await shop.makeProduct("px", sku: "SKU-03", stock: 1) }
            _ = try await shop.discontinueProduct(id: "p24", expectedVersion: nil, metadata: meta)  // SKU-00
            var skus: [String] = []
            var cursor: String?
            repeat {
                let page = try shop.products(limit: 10, after: cursor, query: nil)
                skus += page.items.map(\.sku)
                cursor = page.next
            } while cursor != nil
            #expect(skus == (1..<25).map { String(format: "SKU-%02d", $0) })
            #expect(try shop.products(limit: 100, after: nil, query: "blue mug").items.map(\.id).sorted() == ["p0", "p10", "p15", "p20", "p5"])
            #expect(try shop.products(limit: 100, after: nil, query: "sku-1").items.count == 10)
            #expect(try shop.product(id: "p24")?.record.status == .discontinued)
            // If-Match: the version must match.
            let product = try #require(try shop.product(id: "p1")).record
            await #expect(throws: ShopError.versionMismatch(current: product.version)) {
                _ = try await shop.updateProduct(
                    id: "p1",
                    name: "X",
                    description: nil,
                    priceCents: nil,
                    expectedVersion: product.version + 1,
                    metadata: meta
                )
            }
            _ = try await shop.updateProduct(id: "p1", name: "X", description: nil, priceCents: 990, expectedVersion: product.version, metadata: meta)
            let updated = try #require(try shop.product(id: "p1")).record
            #expect(updated.name == "X" && updated.priceCents == 990 && updated.version == product.version + 1)
        }
    }

    @Test func ordersLiveTheirLifecycleAndStatisticsFollow() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            let users = fixture.users
            try await users.makeUser("u1", email: "u1@example.com")
            try await shop.makeProduct("mug", sku: "MUG", stock: 10, price: 1200)
            try await shop.makeProduct("tea", sku: "TEA", stock: 10, price: 350)
            for (index, items) in [[("mug", 2), ("tea", 1)], [("tea", 3)], [("mug", 1)], [("tea", 1)]].enumerated() {
                _ = try await shop.placeOrder(
                    id: "o\(index)",
                    userId: "u1",
                    items: items.map { Order.Item(productId: $0.0, quantity: $0.1) },
                    metadata: meta
                )
            }
            #expect(try shop.product(id: "mug")?.record.stock == 7)
            _ = try await shop.payOrder(id: "o0", by: "u1", metadata: meta)
            _ = try await shop.payOrder(id: "o1", by: "u1", metadata: meta)
            _ = try await shop.shipOrder(id: "o0", metadata: meta)
            _ = try await shop.cancelOrder(id: "o2", by: "u1", isAdmin: false, metadata: meta)
            let last = try await shop.cancelOrder(id: "o1", by: "admin", isAdmin: true, metadata: meta)
            await #expect(throws: ShopError.notFound) { _ = try await shop.payOrder(id: "o3", by: "someone-else", metadata: meta) }
            await #expect(throws: ShopError.self) { _ = try await shop.shipOrder(id: "o3", metadata: meta) }
            #expect(try shop.product(id: "mug")?.record.stock == 8)
            #expect(try shop.product(id: "tea")?.record.stock == 8)
            #expect(try shop.order(id: "o0")?.record.status == .shipped)
            let page = try shop.orders(userId: "u1", status: nil, limit: 3, after: nil)
            #expect(page.items.map(\.id) == ["o3", "o2", "o1"])
            #expect(try shop.orders(userId: "u1", status: nil, limit: 3, after: page.next).items.map(\.id) == ["o0"])
            #expect(try shop.orders(userId: nil, status: .cancelled, limit: 10, after: nil).items.map(\.id) == ["o2", "o1"])
            #expect(try shop.orders(userId: "u2", status: nil, limit: 10, after: nil).items.isEmpty)

            #expect(await shop.app.runner.waitUntil("sales", reaches: last.position, timeout: .seconds(10)))
            let statistics = try shop.salesStatistics().statistics
            #expect(statistics.ordersPlaced == 4 && statistics.ordersPaid == 2 && statistics.ordersCancelled == 2 && statistics.ordersShipped == 1)
            // Revenue counts what is paid or shipped now: order o0 only (o1 was cancelled after paying).
            #expect(statistics.revenueCents == 2750)
            #expect(statistics.topProducts.map(\.sku) == ["MUG", "TEA"])
            #expect(statistics.topProducts.map(\.unitsSold) == [2, 1])
        }
    }

    @Test func concurrentOrdersNeverOversell() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            try await shop.makeProduct("hot", sku: "HOT", stock: 30)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        do {
                            _ = try await shop.placeOrder(
                                id: "o\(index)",
                                userId: "u\(index % 7)",
                                items: [Order.Item(productId: "hot", quantity: 1)],
                                metadata: meta
                            )
                            return "ok"
                        } catch ShopError.insufficientStock(let ids) {
                            return ids == ["hot"] ? "short" : "wrong"
                        } catch {
                            return "error: \(error)"
                        }
                    }
                }
                return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes == ["ok": 30, "short": 30])
            #expect(try shop.product(id: "hot")?.record.stock == 0)
            #expect(try fixture.log.readByType("StockReserved").count == 30)
            #expect(try fixture.log.verify().isClean)
        }
    }

    @Test func whileStockRemainsConcurrentOrdersAllSucceed() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            try await shop.makeProduct("a", sku: "A", stock: 1000)
            try await shop.makeProduct("b", sku: "B", stock: 1000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        _ = try await shop.placeOrder(
                            id: "o\(index)",
                            userId: "u1",
                            items: [Order.Item(productId: "a", quantity: 1), Order.Item(productId: "b", quantity: 2)],
                            metadata: meta
                        )
                    }
                }
                try await group.waitForAll()
            }
            #expect(try shop.product(id: "a")?.record.stock == 936)
            #expect(try shop.product(id: "b")?.record.stock == 872)
        }
    }

    @Test func inlineReadModelsEqualAFromScratchRebuildByteForByte() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            let users = fixture.users
            try await users.makeUser("u1", email: "u1@example.com")
            try await users.makeUser("u2", email: "u2@example.com", role: .admin)
            // Another admin, so that u2 is not the last one when it is deactivated below.
            try await users.makeUser("u3", email: "u3@example.com", role: .admin)
            _ = try await users.startSession(id: "s1", userId: "u1", refreshTokenHash: "h1", expiresAt: Date().addingTimeInterval(60), metadata: meta)
            _ = try await users.refreshSession(presentedHash: "h1", newHash: "h2", expiresAt: Date().addingTimeInterval(60), metadata: meta)
            for index in 0..<10 { try await shop.makeProduct("p\(index)", sku: "S\(index)", stock: 50) }
            for index in 0..<30 {
                _ = try await shop.placeOrder(
                    id: "o\(index)",
                    userId: index % 2 == 0 ? "u1" : "u2",
                    items: [Order.Item(productId: "p\(index % 10)", quantity: 2)],
                    metadata: meta
                )
                if index % 3 == 0 { _ = try await shop.payOrder(id: "o\(index)", by: index % 2 == 0 ? "u1" : "u2", metadata: meta) }
                if index % 5 == 0 { _ = try await shop.cancelOrder(id: "o\(index)", by: "admin", isAdmin: true, metadata: meta) }
            }
            _ = try await users.deactivateUser(id: "u2", metadata: meta)
            for name in ["users", "sessions", "products", "orders"] {
                let live = try shop.app.runner.rows(of: name)
                #expect(live.values.contains { !$0.isEmpty })
                try await shop.app.runner.rebuild(name)
                #expect(try shop.app.runner.rows(of: name) == live, "\(name)")
            }
        }
    }
}
