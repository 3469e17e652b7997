import Foundation
import Logging
import StrataKit
import StrataStore

/// The identity module's application service: every command on users and sessions, run through
/// the app's ``CommandExecutor``, and every query, read from the users' and sessions' read
/// models. The HTTP layer and the tools call this; it knows nothing of HTTP.
public struct IdentityService: Sendable {
    /// The app the identity module runs in.
    public let app: StrataApp
    let keys: any PersonalDataKeys
    /// Users' and sessions' statuses (`userStatus`, `sessionStatus` views), asked on every
    /// authenticated request.
    let statuses: ViewCache<Bool>

    var log: any EventStore { app.store }
    var runner: ProjectionRunner { app.runner }
    var invalidations: ViewInvalidations { app.invalidations }
    var executor: CommandExecutor { app.executor }
    var hasher: UniqueValueHasher { app.hasher }

    /// Identity over a started app that has the ``IdentityModule`` and personal-data keys; finishes
    /// erasures a crash interrupted.
    ///
    /// - Throws: ``AppError`` when the app lacks either.
    public static func start(app: StrataApp) async throws -> IdentityService {
        guard app.module(IdentityModule.self) != nil else { throw AppError("the app has no identity module") }
        guard let keys = app.keys else { throw AppError("identity needs the app's personal-data keys") }
        let statuses = ViewCache<Bool>(capacityBytes: 16 << 20)
        statuses.follow(app.invalidations)
        let identity = IdentityService(app: app, keys: keys, statuses: statuses)
        // A crash may have come between an erasure's commit and its key's destruction.
        try await identity.finishPendingErasures()
        return identity
    }

    /// A new id for a user or session: a time-ordered UUID in lower case.
    public static func newId() -> String { UUIDv7.makeString() }

    /// Runs `queries` where they may wait for the store (``EventStore/offload(_:)``).
    public func reading<T: Sendable>(_ queries: @escaping @Sendable (IdentityService) throws -> T) async throws -> T {
        try await log.offload { [self] in try queries(self) }
    }

    static func emailValue(_ email: String) -> UniqueValue {
        UniqueValue(kind: "email", value: email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
    }
}
