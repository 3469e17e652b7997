import StrataKit

/// A user account as its decisions need it.
public struct User: Aggregate, Hashable {
    public static let category = "user"
    public var id: String?
    public var name: String?
    public var email: String?
    public var role: Role = .customer
    public var status: UserStatus = .active
    public var passwordHash: String?

    public init() {}

    public var exists: Bool { id != nil }

    public mutating func apply(_ event: any Event) {
        switch event {
        case let registered as UserRegistered:
            id = registered.userId
            name = registered.name.value
            email = registered.email.value
            role = registered.role
            status = .active
            passwordHash = registered.passwordHash
        case let renamed as UserRenamed:
            name = renamed.name.value
        case is UserDeactivated:
            status = .deactivated
        case is UserErased:
            status = .erased
            name = nil
            email = nil
            passwordHash = nil
        default:
            break
        }
    }

    /// Registers a new user; the email's uniqueness is reserved by the command in the same append.
    public func register(id: String, name: String, email: String, role: Role, passwordHash: String) throws(IdentityError) -> [any Event] {
        guard !exists else { throw .alreadyExists }
        let (name, email) = try UserRules.check(name: name, email: email)
        return [UserRegistered(userId: id, name: name, email: email, role: role, passwordHash: passwordHash)]
    }

    /// Changes the user's name; the same name changes nothing.
    public func rename(to newName: String) throws(IdentityError) -> [any Event] {
        guard let id else { throw .notFound }
        guard status != .erased else { throw .invalidState("the user was erased") }
        var checks = FieldChecks()
        guard let newName = checks.text(newName, "name", length: UserRules.nameLength, trimmed: true) else { try checks.finish(or: IdentityError.invalidInput); return [] }
        return newName == name ? [] : [UserRenamed(userId: id, name: PersonalString(subject: id, value: newName))]
    }

    /// Deactivates an active user; deactivating again changes nothing.
    public func deactivate() throws(IdentityError) -> [any Event] {
        guard let id else { throw .notFound }
        switch status {
        case .active: return [UserDeactivated(userId: id)]
        case .deactivated: return []
        case .erased: throw .invalidState("the user was erased")
        }
    }

    /// Erases the user's personal data; erasing again changes nothing.
    public func erase() throws(IdentityError) -> [any Event] {
        guard let id else { throw .notFound }
        return status == .erased ? [] : [UserErased(userId: id)]
    }

    /// Whether the user may sign in or refresh a session.
    public var canSignIn: Bool { exists && status == .active }

    /// Whether the user is one of the active admins the roster counts.
    public var isActiveAdmin: Bool { canSignIn && role == .admin }
}
