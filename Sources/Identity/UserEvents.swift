import StrataKit

/// Lifecycle of a user account: `active` until deactivated or erased.
public enum UserStatus: String, Codable, Sendable, Hashable {
    case active
    case deactivated
    case erased
}

/// A user registered. Name and email are personal: sealed with the user's own key.
public struct UserRegistered: Event, Hashable {
    public static let eventType = "UserRegistered"
    public var userId: String
    public var name: PersonalString
    public var email: PersonalString
    public var role: Role
    /// The bcrypt hash of the password (never the password).
    public var passwordHash: String

    public init(userId: String, name: String, email: String, role: Role, passwordHash: String) {
        self.userId = userId
        self.name = PersonalString(subject: userId, value: name)
        self.email = PersonalString(subject: userId, value: email)
        self.role = role
        self.passwordHash = passwordHash
    }
}

/// A user changed their name.
public struct UserRenamed: Event, Hashable {
    public static let eventType = "UserRenamed"
    public var userId: String
    public var name: PersonalString

    public init(userId: String, name: PersonalString) {
        self.userId = userId
        self.name = name
    }
}

/// An admin deactivated a user: no more sign-ins or refreshes.
public struct UserDeactivated: Event, Hashable {
    public static let eventType = "UserDeactivated"
    public var userId: String

    public init(userId: String) {
        self.userId = userId
    }
}

/// A user's personal data was erased (their key is destroyed after this commits).
public struct UserErased: Event, Hashable {
    public static let eventType = "UserErased"
    public var userId: String

    public init(userId: String) {
        self.userId = userId
    }
}
