@testable import Identity
import ShopTestSupport
import Foundation
@testable import Shop
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// The last active admin can be neither deactivated nor erased, by itself or anyone.
@Suite struct LastAdminTests {
    @Test func theRosterRefusesToLoseItsLastAdmin() throws {
        var roster = AdminRoster.folding([AdminRosterStarted(admins: ["a"]), AdminJoined(userId: "b")])
        #expect(try roster.leave("a").count == 1)
        roster.apply(AdminLeft(userId: "a"))
        #expect(throws: IdentityError.lastAdmin) { _ = try roster.leave("b") }
        #expect(try roster.leave("someone else").isEmpty)
        #expect(roster.join("b").isEmpty && roster.start(with: ["x"]).isEmpty)
    }

    @Test func deactivationAndErasureOfTheLastAdminAreRefused() async throws {
        try await ShopFixture.run { fixture in
            let users = fixture.users
            try await users.makeUser("a1", email: "a1@example.com", role: .admin)
            try await users.makeUser("c1", email: "c1@example.com")
            await #expect(throws: IdentityError.lastAdmin) { _ = try await users.deactivateUser(id: "a1", metadata: meta) }
            await #expect(throws: IdentityError.lastAdmin) { _ = try await users.eraseUser(id: "a1", metadata: meta) }
            #expect(try users.user(id: "a1")?.record.status == .active)
            // Customers come and go as before.
            _ = try await users.deactivateUser(id: "c1", metadata: meta)
            // With a second admin, one may go; then the other is the last.
            try await users.makeUser("a2", email: "a2@example.com", role: .admin)
            _ = try await users.deactivateUser(id: "a1", metadata: meta)
            await #expect(throws: IdentityError.lastAdmin) { _ = try await users.eraseUser(id: "a2", metadata: meta) }
            // A deactivated admin is no longer counted, and may be erased.
            _ = try await users.eraseUser(id: "a1", metadata: meta)
            #expect(try users.user(id: "a2")?.record.status == .active)
        }
    }

    @Test func twoAdminsRemovingEachOtherAtOnceLeaveOne() async throws {
        try await ShopFixture.run { fixture in
            let users = fixture.users
            try await users.makeUser("seed", email: "seed@example.com", role: .admin)
            var survivor = "seed"
            for round in 0..<5 {
                let (a, b) = ("a\(round)", "b\(round)")
                try await users.makeUser(a, email: "\(a)@example.com", role: .admin)
                try await users.makeUser(b, email: "\(b)@example.com", role: .admin)
                _ = try await users.deactivateUser(id: survivor, metadata: meta)
                // Now a and b are the only active admins, and each request would remove one.
                async let first = outcome { try await users.deactivateUser(id: a, metadata: meta) }
                async let second = outcome { try await users.eraseUser(id: b, metadata: meta) }
                let outcomes = await [first, second]
                let refused = outcomes.filter { if case .failure(let error) = $0 { (error as? IdentityError) == .lastAdmin } else { false } }
                #expect(refused.count == 1, "round \(round)")
                let active = [a, b].filter { (try? users.user(id: $0)?.record.status) == .active }
                #expect(active.count == 1, "round \(round)")
                survivor = active.first ?? a
            }
        }
    }

    @Test func aStoreFromBeforeTheRosterStartsItFromTheReadModel() async throws {
        try await ShopFixture.run { fixture in
            let users = fixture.users
            // Two admins registered the way stores older than the roster did: no roster events.
            for id in ["old1", "old2"] {
                try await fixture.keys.createKey(for: id)
                _ = try await fixture.services.app.executor.execute(metadata: meta) { context in
                    let events = try context.load(User.self, id: id).register(
                        id: id, name: id, email: "\(id)@example.com", role: .admin, passwordHash: "$2b$04$hash"
                    )
                    try context.append(events, to: User.self, id: id)
                }
            }
            #expect(try fixture.log.streamVersion(AdminRoster.streamId(AdminRoster.id)) == 0)
            _ = try await users.deactivateUser(id: "old1", metadata: meta)
            await #expect(throws: IdentityError.lastAdmin) { _ = try await users.deactivateUser(id: "old2", metadata: meta) }
            let roster = try fixture.log.readStream(AdminRoster.streamId(AdminRoster.id)).map(\.type)
            #expect(roster == ["AdminRosterStarted", "AdminLeft"])
        }
    }
}

