import Foundation
import HummingbirdBcrypt
import Identity
import StrataKit
import StrataLog
import StrataStore

/// `strata-admin users create`: registers a user offline (it takes the writer's lock), the way
/// the first admin is made.
public enum AdminUsers {
    /// The same rules as the API (``UserRules``), every failing field named.
    public static func validate(name: String, email: String, password: String) throws {
        let issues = UserRules.issues(name: name, email: email, password: password)
        guard issues.isEmpty else { throw ToolError(issues.map { "the \($0.field) \($0.message)" }.joined(separator: "; ")) }
    }

    /// Creates the user in an app of `modules` (by default those the store's server recorded;
    /// they include the identity module); returns its id.
    public static func create(
        in directory: StoreLocation,
        modules: [any StrataModule]? = nil,
        name: String,
        email: String,
        role: Role,
        password: String,
        bcryptCost: UInt8
    ) async throws -> String {
        try validate(name: name, email: email, password: password)
        let log = try directory.openOffline()
        let keys: any PersonalDataKeys
        do {
            keys = try directory.openKeys(for: log)
        } catch {
            log.close()
            throw error
        }
        defer {
            log.close()
            keys.close()
        }
        let app = try await StrataApp.start(store: log, keys: keys, modules: try modules ?? ToolModules.of(log))
        let users: IdentityService
        do {
            users = try await IdentityService.start(app: app)
        } catch {
            await app.stop()
            throw error
        }
        let id = IdentityService.newId()
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        do {
            _ = try await users.registerUser(
                id: id,
                name: name,
                email: email,
                role: role,
                passwordHash: hash,
                metadata: EventMetadata(correlationId: "strata-admin", causationId: "strata-admin")
            )
        } catch IdentityError.emailTaken {
            await app.stop()
            throw ToolError("\(email) is already registered")
        } catch {
            await app.stop()
            throw error
        }
        // The projections stop before the log closes (the deferred close above).
        await app.stop()
        return id
    }
}
