import Identity
import Logging
import StrataHTTP
import StrataKit

/// `STRATA_ADMIN_EMAIL` / `STRATA_ADMIN_PASSWORD`: the first admin, registered at first start
/// (when no user has that email yet).
public enum FirstAdmin {
    /// Registers the admin unless a user has `email` already; a missing password or one the
    /// rules refuse is a ``FirstAdminError`` naming the variable.
    public static func create(
        email: String?,
        password: String?,
        users: IdentityService,
        credentials: Credentials,
        logger: Logger
    ) async throws {
        guard let email else { return }
        guard let password else { throw FirstAdminError("STRATA_ADMIN_EMAIL is set but STRATA_ADMIN_PASSWORD is not") }
        if let issue = UserRules.issues(name: nil, email: email, password: password).first {
            throw FirstAdminError("STRATA_ADMIN_\(issue.field.uppercased()) \(issue.message)")
        }
        guard try await users.reading({ try $0.userId(forEmail: email) }) == nil else { return }
        let id = IdentityService.newId()
        do {
            _ = try await users.registerUser(
                id: id,
                name: "Administrator",
                email: email,
                role: .admin,
                passwordHash: try await credentials.hash(password),
                metadata: EventMetadata(correlationId: "first-admin", userId: id)
            )
        } catch IdentityError.emailTaken {
            // Another server sharing the database made it a moment ago.
            return
        }
        logger.notice("first admin created", metadata: ["user.id": .string(id)])
    }
}

/// Why the first admin could not be made from the configuration.
public struct FirstAdminError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
