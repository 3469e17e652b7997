@testable import Identity
import ShopTestSupport
import Crypto
import Foundation
@testable import Shop
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// Every byte of every file under `directory`, for looking for what must not be there.

@Suite struct ErasureTests {
    @Test func erasureLeavesNoPersonalDataAndKeepsOrdersAndStatistics() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            let users = fixture.users
            _ = try await users.registerUser(
                id: "u1",
                name: "Zelda Quux",
                email: "zelda.quux@example.com",
                role: .customer,
                passwordHash: "$2b$04$x",
                metadata: meta
            )
            _ = try await users.startSession(id: "s1", userId: "u1", refreshTokenHash: "h1", expiresAt: Date().addingTimeInterval(600), metadata: meta)
            try await shop.makeProduct("p1", sku: "P1", stock: 10, price: 700)
            _ = try await shop.placeOrder(id: "o1", userId: "u1", items: [Order.Item(productId: "p1", quantity: 3)], metadata: meta)
            let paid = try await shop.payOrder(id: "o1", by: "u1", metadata: meta)
            #expect(await shop.app.runner.waitUntil("sales", reaches: paid.position, timeout: .seconds(10)))
            let statistics = try shop.salesStatistics().statistics
            let key = try #require(try fixture.keys.key(for: "u1")).withUnsafeBytes { Data($0) }

            let erased = try await users.eraseUser(id: "u1", metadata: meta)
            let user = try #require(try users.user(id: "u1")).record
            #expect(user.status == .erased && user.name.value == nil && user.email.value == nil && user.role == .customer)
            #expect(try users.userId(forEmail: "zelda.quux@example.com") == nil)
            #expect(try users.passwordHash(userId: "u1") == nil)
            #expect(try users.session(tokenHash: "h1")?.state == .revoked)
            await #expect(throws: IdentityError.invalidSession) {
                _ = try await users.refreshSession(presentedHash: "h1", newHash: "h2", expiresAt: Date().addingTimeInterval(600), metadata: meta)
            }
            await #expect(throws: IdentityError.invalidSession) {
                _ = try await users.startSession(
                    id: "s2",
                    userId: "u1",
                    refreshTokenHash: "h3",
                    expiresAt: Date().addingTimeInterval(600),
                    metadata: meta
                )
            }
            // Orders stay, with their user id; statistics do not change.
            #expect(try shop.order(id: "o1")?.record.userId == "u1")
            #expect(await shop.app.runner.waitUntil("sales", reaches: erased.position, timeout: .seconds(10)))
            #expect(try shop.salesStatistics().statistics == statistics)
            // The email can be registered again, by a new user.
            _ = try await users.registerUser(
                id: "u2",
                name: "Someone Else",
                email: "zelda.quux@example.com",
                role: .customer,
                passwordHash: "$2b$04$y",
                metadata: meta
            )
            #expect(try users.userId(forEmail: "zelda.quux@example.com") == "u2")

            // Nowhere the store keeps its data — log, read models, key store; LMDB's files or
            // PostgreSQL's table files — is the name, the email in plain text, or the erased
            // user's key. PostgreSQL's write-ahead log never saw the plain text either; it still
            // holds the key until its segments are recycled (docs/privacy.md).
            let files = try fixture.place.filesAtRest()
            #expect(!files.isEmpty)
            for (path, bytes) in files {
                #expect(bytes.range(of: Data("Zelda Quux".utf8)) == nil, "\(path)")
                #expect(bytes.range(of: Data("zelda.quux@example.com".utf8)) == nil, "\(path)")
                #expect(bytes.range(of: key) == nil, "\(path)")
            }
            for (path, bytes) in try fixture.place.writeAheadLogFiles() {
                #expect(bytes.range(of: Data("Zelda Quux".utf8)) == nil, "\(path)")
                #expect(bytes.range(of: Data("zelda.quux@example.com".utf8)) == nil, "\(path)")
            }
            #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/keys.retired"))
        }
    }

    @Test func replayAfterErasureRebuildsTheSameErasedState() async throws {
        try await ShopFixture.run { fixture in
            let shop = fixture.shop
            let users = fixture.users
            for index in 0..<3 { try await users.makeUser("u\(index)", email: "u\(index)@example.com") }
            _ = try await users.eraseUser(id: "u1", metadata: meta)
            _ = try await users.renameUser(id: "u2", name: "Renamed", metadata: meta)
            let live = try shop.app.runner.rows(of: "users")
            try await shop.app.runner.rebuild("users")
            #expect(try shop.app.runner.rows(of: "users") == live)
            #expect(try users.user(id: "u1")?.record.status == .erased)
            #expect(try users.user(id: "u2")?.record.name.value == "Renamed")
            // An export's events still name the user, but hold nothing readable of theirs.
            let events = try fixture.log.readStream("user-u1")
            #expect(events.map(\.type) == ["UserRegistered", "UserErased"])
            let registered = try #require(try shop.app.registry.decode(events[0]).event as? UserRegistered)
            #expect(registered.name.value == nil && registered.email.value == nil)
        }
    }

    @Test func anErasureInterruptedBeforeTheKeyWasDestroyedIsFinishedAtStart() async throws {
        let fixture = try await ShopFixture.start()
        try await fixture.users.makeUser("u1", email: "u1@example.com")
        // As if the process died right after UserErased was committed: the pending row is there,
        // the key still exists.
        _ = try await fixture.shop.executor.execute(
            metadata: meta,
            followUp: CommandFollowUp { _, transaction in
                try transaction.put(try transaction.table(named: "shop.pendingErasures"), key: Array("u1".utf8), value: [])
            }
        ) { context in
            try context.append(try context.load(User.self, id: "u1").erase(), to: User.self, id: "u1")
        }
        #expect(try fixture.keys.key(for: "u1") != nil)
        await fixture.services.stop()
        fixture.log.close()
        fixture.keys.close()

        let log = try fixture.place.open()
        let keys = try fixture.place.openKeys(for: log)
        let services = try await ShopServices.start(log: log, keys: keys)
        #expect(try keys.key(for: "u1") == nil)
        #expect(try services.users.user(id: "u1")?.record.email.value == nil)
        await services.stop()
        log.close()
        keys.close()
        fixture.place.remove()
    }
}

@Suite struct KeyStoreTests {
    @Test func aCompactionInterruptedBetweenItsRenamesIsFinishedOnOpen() async throws {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("strata-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: directory + "-parent") }
        let path = directory + "-parent/keys"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        do {
            let keys = try KeyStore(directory: path)
            try await keys.createKey(for: "a")
            try await keys.createKey(for: "b")
            try await keys.destroyKey(for: "a")
            #expect(try keys.key(for: "a") == nil)
            #expect(try keys.key(for: "b") != nil)
            try FileManager.default.createDirectory(atPath: path + ".compacting", withIntermediateDirectories: true)
            try keys.backup(to: path + ".compacting")
            keys.close()
        }
        // The state after the first rename: store moved aside, compacted copy not yet in place.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".retired")
        let keys = try KeyStore(directory: path)
        defer { keys.close() }
        #expect(try keys.key(for: "b") != nil)
        #expect(!FileManager.default.fileExists(atPath: path + ".retired"))
        #expect(!FileManager.default.fileExists(atPath: path + ".compacting"))
    }
}
