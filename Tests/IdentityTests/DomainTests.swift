import Foundation
import Identity
import StrataKit
import Testing

/// Given events, when a decision, then events or an error: users' and sessions' rules with no
/// disk and no HTTP.
func expectEvents(_ actual: [any Event], _ expected: [any Event], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.map { $0 as? AnyHashable } == expected.map { $0 as? AnyHashable }, sourceLocation: sourceLocation)
}

@Suite struct UserDecisionTests {
    let registered = UserRegistered(userId: "u1", name: "Ann", email: "ann@example.com", role: .customer, passwordHash: "$2b$hash")

    @Test func registerANewUser() throws {
        expectEvents(try User().register(id: "u1", name: "Ann", email: "ann@example.com", role: .customer, passwordHash: "$2b$hash"), [registered])
    }

    @Test func registerTwiceIsRefused() {
        #expect(throws: IdentityError.alreadyExists) {
            try User.folding([registered]).register(id: "u1", name: "Ann", email: "a@b.c", role: .customer, passwordHash: "h")
        }
    }

    @Test func renameOnlyWhenTheNameChanges() throws {
        expectEvents(
            try User.folding([registered]).rename(to: "Annie"),
            [UserRenamed(userId: "u1", name: PersonalString(subject: "u1", value: "Annie"))]
        )
        expectEvents(try User.folding([registered]).rename(to: "Ann"), [])
        #expect(throws: IdentityError.notFound) { try User().rename(to: "X") }
        #expect(throws: IdentityError.invalidState("the user was erased")) { try User.folding([registered, UserErased(userId: "u1")]).rename(to: "X") }
    }

    @Test func deactivateOnceThenNothing() throws {
        expectEvents(try User.folding([registered]).deactivate(), [UserDeactivated(userId: "u1")])
        expectEvents(try User.folding([registered, UserDeactivated(userId: "u1")]).deactivate(), [])
        #expect(!User.folding([registered, UserDeactivated(userId: "u1")]).canSignIn)
        #expect(throws: IdentityError.notFound) { try User().deactivate() }
    }

    @Test func eraseForgetsPersonalData() throws {
        expectEvents(try User.folding([registered]).erase(), [UserErased(userId: "u1")])
        let erased = User.folding([registered, UserErased(userId: "u1")])
        #expect(erased.name == nil && erased.email == nil && erased.passwordHash == nil)
        #expect(erased.status == .erased && !erased.canSignIn)
        expectEvents(try erased.erase(), [])
        #expect(throws: IdentityError.invalidState("the user was erased")) { try erased.deactivate() }
    }
}

@Suite struct SessionDecisionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var started: SessionStarted {
        SessionStarted(sessionId: "s1", userId: "u1", refreshTokenHash: "h1", expiresAt: now.addingTimeInterval(3600))
    }

    @Test func startASession() throws {
        expectEvents(try Session().start(id: "s1", userId: "u1", refreshTokenHash: "h1", expiresAt: now.addingTimeInterval(3600)), [started])
    }

    @Test func refreshRotatesTheToken() {
        let decision = Session.folding([started]).refresh(presentedHash: "h1", newHash: "h2", newExpiresAt: now, now: now, userActive: true)
        #expect(decision == .rotate([SessionRefreshed(sessionId: "s1", previousTokenHash: "h1", refreshTokenHash: "h2", expiresAt: now)]))
    }

    @Test func reusingARotatedTokenRevokesTheSession() {
        let session = Session.folding([
            started, SessionRefreshed(sessionId: "s1", previousTokenHash: "h1", refreshTokenHash: "h2", expiresAt: now.addingTimeInterval(60)),
        ])
        #expect(
            session.refresh(presentedHash: "h1", newHash: "h3", newExpiresAt: now, now: now, userActive: true)
                == .revokeForReuse([SessionRevoked(sessionId: "s1", userId: "u1", reason: .reuseDetected)])
        )
    }

    @Test func expiredRevokedUnknownOrInactiveAreRefused() {
        let session = Session.folding([started])
        #expect(session.refresh(presentedHash: "h1", newHash: "x", newExpiresAt: now, now: now.addingTimeInterval(7200), userActive: true) == .refuse)
        #expect(session.refresh(presentedHash: "nope", newHash: "x", newExpiresAt: now, now: now, userActive: true) == .refuse)
        #expect(session.refresh(presentedHash: "h1", newHash: "x", newExpiresAt: now, now: now, userActive: false) == .refuse)
        let revoked = Session.folding([started, SessionRevoked(sessionId: "s1", userId: "u1", reason: .signedOut)])
        #expect(revoked.refresh(presentedHash: "h1", newHash: "x", newExpiresAt: now, now: now, userActive: true) == .refuse)
    }

    @Test func revokeOnce() {
        expectEvents(Session.folding([started]).revoke(.signedOut), [SessionRevoked(sessionId: "s1", userId: "u1", reason: .signedOut)])
        expectEvents(Session.folding([started, SessionRevoked(sessionId: "s1", userId: "u1", reason: .signedOut)]).revoke(.signedOut), [])
    }
}
