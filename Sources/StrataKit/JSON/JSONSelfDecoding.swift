import Foundation

/// A type that reads itself from a parsed document: exactly the value its `init(from:)` would
/// decode from it with ``JSONByteDecoder``, or `nil` whenever that is not certain (a member
/// missing, `null` or of another type, an unknown case) — then `init(from:)` decides, with the
/// error it gives. For the rows and events on every order's path, whose `Decodable` machinery
/// was most of what reading them cost. Used only with RFC 3339 dates, and never by a type whose
/// decoding needs the decoder's `userInfo`.
public protocol JSONSelfDecoding: Decodable {
    init?(json: JSONValue)
}

extension JSONValue {
    /// The text of a string.
    public var asString: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A number that is exactly an integer of `T`, as ``JSONByteDecoder`` reads integers.
    public func asInteger<T: FixedWidthInteger>(_ type: T.Type = T.self) -> T? {
        switch self {
        case .integer(let number): return T(exactly: number)
        case .number(let number): return T(exactly: number)
        default: return nil
        }
    }

    /// An RFC 3339 date string, as rows and events carry dates.
    public var asDate: Date? { asString.flatMap(RFC3339.date(from:)) }

    /// A case of a string-backed enumeration.
    public func asCase<T: RawRepresentable>(_ type: T.Type) -> T? where T.RawValue == String {
        asString.flatMap(T.init(rawValue:))
    }

    /// Each element of an array read by `element`; `nil` if any is not.
    public func asArray<T>(_ element: (JSONValue) -> T?) -> [T]? {
        guard case .array(let elements) = self else { return nil }
        var values: [T] = []
        values.reserveCapacity(elements.count)
        for item in elements {
            guard let value = element(item) else { return nil }
            values.append(value)
        }
        return values
    }
}
