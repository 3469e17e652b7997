import Foundation

/// Decodes `Decodable` values from JSON as ``KitCoding/decoder(userInfo:)`` does — dates as
/// RFC 3339, unknown keys ignored — through ``JSONParser`` instead of Foundation's decoder.
/// Numbers come as ``JSONParser`` reads them: integers beyond `Int64` are doubles.
public struct JSONByteDecoder: Sendable {
    /// How dates are written.
    public enum DateForm: Sendable {
        /// RFC 3339 strings, as Strata writes them.
        case rfc3339
        /// Numbers of seconds since 1970 (JWT's NumericDate).
        case secondsSince1970
    }

    /// What `Decodable` implementations find in `decoder.userInfo` (the personal-data cipher).
    public var userInfo: [CodingUserInfoKey: any Sendable]
    public var dates: DateForm

    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:], dates: DateForm = .rfc3339) {
        self.userInfo = userInfo
        self.dates = dates
    }

    public func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: "not valid JSON: \(error)", underlyingError: error))
        }
        return try decode(type, from: value)
    }

    /// Decodes a value already parsed.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoder(value: value, codingPath: [], userInfo: userInfo, dates: dates).unbox(value, as: type, path: [])
    }
}

/// The `Decoder` a value's `init(from:)` sees, over one parsed value.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let userInfoValues: [CodingUserInfoKey: any Sendable]
    let dates: JSONByteDecoder.DateForm
    var userInfo: [CodingUserInfoKey: Any] { userInfoValues }

    init(value: JSONValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable], dates: JSONByteDecoder.DateForm) {
        self.value = value
        self.codingPath = codingPath
        self.userInfoValues = userInfo
        self.dates = dates
    }

    /// A decoder of `value`, a part of this one's, at `path`.
    func child(_ value: JSONValue, at path: [any CodingKey]) -> JSONValueDecoder {
        JSONValueDecoder(value: value, codingPath: path, userInfo: userInfoValues, dates: dates)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch([String: JSONValue].self, value, codingPath) }
        return KeyedDecodingContainer(JSONKeyedDecoding<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self, value, codingPath) }
        return JSONUnkeyedDecoding(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { JSONSingleValueDecoding(decoder: self) }

    func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        DecodingError.typeMismatch(type, DecodingError.Context(codingPath: path, debugDescription: "expected \(type), found \(value)"))
    }

    func corrupted(_ message: String, _ path: [any CodingKey]) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: message))
    }

    func integer<T: FixedWidthInteger>(_ value: JSONValue, as type: T.Type, path: [any CodingKey]) throws -> T {
        switch value {
        case .integer(let number):
            guard let exact = T(exactly: number) else { throw corrupted("\(number) does not fit in \(T.self)", path) }
            return exact
        case .number(let number):
            guard let exact = T(exactly: number) else { throw corrupted("\(number) does not fit in \(T.self)", path) }
            return exact
        case .null: throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: path, debugDescription: "found null"))
        default: throw mismatch(type, value, path)
        }
    }

    func double(_ value: JSONValue, path: [any CodingKey]) throws -> Double {
        switch value {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        case .null: throw DecodingError.valueNotFound(Double.self, DecodingError.Context(codingPath: path, debugDescription: "found null"))
        default: throw mismatch(Double.self, value, path)
        }
    }

    func string(_ value: JSONValue, path: [any CodingKey]) throws -> String {
        switch value {
        case .string(let text): return text
        case .null: throw DecodingError.valueNotFound(String.self, DecodingError.Context(codingPath: path, debugDescription: "found null"))
        default: throw mismatch(String.self, value, path)
        }
    }

    func bool(_ value: JSONValue, path: [any CodingKey]) throws -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .null: throw DecodingError.valueNotFound(Bool.self, DecodingError.Context(codingPath: path, debugDescription: "found null"))
        default: throw mismatch(Bool.self, value, path)
        }
    }

    /// `value` as `T`: scalars directly, dates and data as KitCoding reads them, anything else
    /// through its own `init(from:)`.
    func unbox<T: Decodable>(_ value: JSONValue, as type: T.Type, path: [any CodingKey]) throws -> T {
        let decoded: Any
        switch type {
        case is String.Type: decoded = try string(value, path: path)
        case is Int.Type: decoded = try integer(value, as: Int.self, path: path)
        case is Int64.Type: decoded = try integer(value, as: Int64.self, path: path)
        case is UInt64.Type: decoded = try integer(value, as: UInt64.self, path: path)
        case is Bool.Type: decoded = try bool(value, path: path)
        case is Double.Type: decoded = try double(value, path: path)
        case is Date.Type:
            switch dates {
            case .rfc3339:
                let text = try string(value, path: path)
                guard let date = RFC3339.date(from: text) else { throw corrupted("not an RFC 3339 date: \(text)", path) }
                decoded = date
            case .secondsSince1970:
                decoded = Date(timeIntervalSince1970: try double(value, path: path))
            }
        case is Data.Type:
            guard let data = Data(base64Encoded: try string(value, path: path)) else { throw corrupted("not base64", path) }
            decoded = data
        case is JSONValue.Type:
            decoded = value
        default:
            if dates == .rfc3339, let reading = type as? any JSONSelfDecoding.Type, let read = reading.init(json: value) as? T { return read }
            return try T(from: child(value, at: path))
        }
        guard let typed = decoded as? T else { throw mismatch(type, value, path) }
        return typed
    }
}
