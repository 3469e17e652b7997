import Foundation
import StrataKit

/// A user as the `users` read model keeps it; personal fields stay sealed at rest.
public struct UserRecord: Codable, Sendable, Hashable {
    public var id: String
    public var name: PersonalString
    public var email: PersonalString
    public var role: Role
    public var status: UserStatus
    public var createdAt: Date
    /// The user stream's version.
    public var version: UInt64
}

/// Where a refresh-token hash leads.
public struct SessionRecord: Codable, Sendable, Hashable {
    public enum TokenState: String, Codable, Sendable, Hashable {
        case current
        case rotated
        case revoked
    }

    public var sessionId: String
    public var userId: String
    public var state: TokenState
}
