import Crypto
import Foundation

/// A value that must be unique across the store, such as an email address or a sku.
public struct UniqueValue: Sendable, Hashable {
    /// What kind of value: `"email"`, `"sku"`. Part of the reservation stream's name.
    public var kind: String
    /// The normalized value (for example, lower-cased).
    public var value: String

    /// A value of `kind` that must be unique.
    public init(kind: String, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// Thrown when a unique value is held by another owner.
public struct UniqueValueTaken: Error, Sendable, Hashable {
    public var kind: String
    public var owner: String
}

/// Names reservation streams and lookup keys from a keyed hash (HMAC-SHA256) of the value, so no
/// plain email ever appears in a stream id, an index key or the log's own tables.
public struct UniqueValueHasher: Sendable {
    private let key: SymmetricKey

    /// A hasher with a 32-byte secret key.
    public init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    /// The hex HMAC-SHA256 of `kind:value`.
    public func hash(_ value: UniqueValue) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(value.kind):\(value.value)".utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The reservation stream of `value`: `unique-<kind>-<hash>`.
    public func streamId(for value: UniqueValue) -> String {
        "\(Reservation.category)-\(value.kind)-\(hash(value))"
    }
}

/// The reservation of one unique value: who holds it.
struct Reservation: Aggregate {
    static let category = "unique"
    var owner: String?

    init() {}

    mutating func apply(_ event: any Event) {
        switch event {
        case let reserved as UniqueValueReserved: owner = reserved.owner
        case is UniqueValueReleased: owner = nil
        default: break
        }
    }
}

/// A unique value was reserved for `owner`.
public struct UniqueValueReserved: Event, Hashable {
    public static let eventType = "UniqueValueReserved"
    public var kind: String
    public var owner: String

    public init(kind: String, owner: String) {
        self.kind = kind
        self.owner = owner
    }
}

/// A unique value was released by `owner`.
public struct UniqueValueReleased: Event, Hashable {
    public static let eventType = "UniqueValueReleased"
    public var kind: String
    public var owner: String

    public init(kind: String, owner: String) {
        self.kind = kind
        self.owner = owner
    }
}
