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
            return try T(from: child(value, at: path))
        }
        guard let typed = decoded as? T else { throw mismatch(type, value, path) }
        return typed
    }
}

struct JSONKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoder
    let members: [String: JSONValue]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "no value for key \(key.stringValue)"))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(try member(key), path: codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(try member(key), path: codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.double(try member(key), path: codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decoder.double(try member(key), path: codingPath + [key])) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unbox(try member(key), as: type, path: codingPath + [key])
    }

    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try decoder.integer(try member(key), as: T.self, path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder {
        decoder.child(members["super"] ?? .null, at: codingPath)
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }

    private func child(_ key: Key) throws -> JSONValueDecoder {
        decoder.child(try member(key), at: codingPath + [key])
    }
}

/// The position in an array, as a coding key.
struct JSONIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

struct JSONUnkeyedDecoding: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoder
    let elements: [JSONValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    init(decoder: JSONValueDecoder, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    private mutating func next() throws -> (JSONValue, [any CodingKey]) {
        let path = codingPath + [JSONIndexKey(index: currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, DecodingError.Context(codingPath: path, debugDescription: "the array has no more elements"))
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        return try decoder.unbox(value, as: type, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next()
        return try decoder.child(value, at: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try decoder.child(value, at: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next()
        return decoder.child(value, at: path)
    }
}

struct JSONSingleValueDecoding: SingleValueDecodingContainer {
    let decoder: JSONValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(decoder.value, path: codingPath) }
    func decode(_ type: String.Type) throws -> String { try decoder.string(decoder.value, path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.double(decoder.value, path: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double(decoder.value, path: codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(decoder.value, as: type, path: codingPath) }

    private func integer<T: FixedWidthInteger>() throws -> T { try decoder.integer(decoder.value, as: T.self, path: codingPath) }
}
