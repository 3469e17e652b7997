import Foundation

/// Encodes `Encodable` values to the JSON that ``KitCoding/encoder(userInfo:)`` writes — keys
/// sorted, slashes as they are, dates as RFC 3339 with milliseconds — byte for byte, at a fraction
/// of Foundation's cost: containers build a small tree of plain values and one pass writes it.
/// Rows written by either are the same bytes, so a store written before this encoder existed
/// still verifies against a rebuild. A ``JSONSelfEncoding`` value writes itself.
public struct JSONByteEncoder: Sendable {
    /// What `Encodable` implementations find in `encoder.userInfo` (the personal-data cipher).
    public var userInfo: [CodingUserInfoKey: any Sendable]

    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    public func encode(_ value: some Encodable) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        try encode(value, appendingTo: &bytes)
        return bytes
    }

    /// Appends the JSON of `value` to `bytes` (after a row's header, say), copying nothing.
    public func encode(_ value: some Encodable, appendingTo bytes: inout [UInt8]) throws {
        if let value = value as? any JSONSelfEncoding {
            value.appendJSON(to: &bytes)
            return
        }
        let root = JSONNodeEncoder(userInfo: userInfo, codingPath: [])
        try root.encodeValue(value)
        guard let node = root.node else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "the value encoded nothing"))
        }
        node.write(to: &bytes)
    }
}

/// A value being encoded: scalars as they are, containers as boxes their encoders fill.
enum JSONNode {
    case null
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    /// A number already written out (a `Float`, in its own shortest form).
    case number(String)
    case string(String)
    case array(JSONArrayBox)
    case object(JSONObjectBox)

    func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let value): bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
        case .integer(let value): bytes.append(contentsOf: String(value).utf8)
        case .unsigned(let value): bytes.append(contentsOf: String(value).utf8)
        case .double(let value): bytes.append(contentsOf: Self.text(of: value).utf8)
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .string(let value): JSONText.appendString(value, to: &bytes)
        case .array(let box):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in box.elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let box):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for member in box.sortedMembers() {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                JSONText.appendString(member.key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                member.node.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The order of `.sortedKeys`: by UTF-8 bytes.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// A finite double as Foundation writes it: Swift's shortest round-trip form, without a
    /// trailing `.0`.
    static func text(of value: Double) -> String {
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

final class JSONArrayBox {
    var elements: [JSONNode] = []
}

/// An object's members in the order they were encoded: a handful each, so a list (sorted once,
/// when written) costs less than hashing every key into a dictionary.
final class JSONObjectBox {
    private var members: [(key: String, node: JSONNode)] = []

    subscript(key: String) -> JSONNode? {
        get { members.last { $0.key == key }?.node }
        set {
            if let newValue { members.append((key, newValue)) }
        }
    }

    /// The members by key in byte order; a key encoded twice keeps its last value.
    func sortedMembers() -> [(key: String, node: JSONNode)] {
        let sorted = members.enumerated().sorted { lhs, rhs in
            lhs.element.key == rhs.element.key ? lhs.offset < rhs.offset : JSONNode.precedes(lhs.element.key, rhs.element.key)
        }
        var result: [(key: String, node: JSONNode)] = []
        result.reserveCapacity(sorted.count)
        for (_, member) in sorted {
            if let last = result.last, last.key == member.key {
                result[result.count - 1] = member
            } else {
                result.append(member)
            }
        }
        return result
    }

    /// Replaces the member `key` (for `superEncoder`, whose value arrives later).
    func replace(_ key: String, with node: JSONNode) {
        if let index = members.lastIndex(where: { $0.key == key }) { members[index].node = node } else { members.append((key, node)) }
    }
}

/// The `Encoder` a value's `encode(to:)` sees: it leaves one node behind.
final class JSONNodeEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfoValues: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { userInfoValues }
    var node: JSONNode?

    init(userInfo: [CodingUserInfoKey: any Sendable], codingPath: [any CodingKey]) {
        self.userInfoValues = userInfo
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing)? = node {
            box = existing
        } else {
            box = JSONObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(JSONKeyedEncoding<Key>(encoder: self, box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing)? = node {
            box = existing
        } else {
            box = JSONArrayBox()
            node = .array(box)
        }
        return JSONUnkeyedEncoding(encoder: self, box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingleValueEncoding(encoder: self) }

    /// The node for `value`: scalars directly, dates and data as KitCoding writes them, anything
    /// else through its own `encode(to:)` with a child encoder.
    func node(for value: some Encodable, key: (any CodingKey)?) throws -> JSONNode {
        switch value {
        case let text as String: return .string(text)
        case let number as Int: return .integer(Int64(number))
        case let number as Int64: return .integer(number)
        case let number as UInt64: return .unsigned(number)
        case let flag as Bool: return .bool(flag)
        case let date as Date: return .string(RFC3339.string(from: date))
        case let data as Data: return .string(data.base64EncodedString())
        case let url as URL: return .string(url.absoluteString)
        case let number as Double: return try double(number, key: key)
        default:
            let child = JSONNodeEncoder(userInfo: userInfoValues, codingPath: key.map { codingPath + [$0] } ?? codingPath)
            try value.encode(to: child)
            return child.node ?? .object(JSONObjectBox())
        }
    }

    func float(_ value: Float, key: (any CodingKey)?) throws -> JSONNode {
        guard value.isFinite else { return try double(Double(value), key: key) }
        let text = value.description
        return .number(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
    }

    func double(_ value: Double, key: (any CodingKey)?) throws -> JSONNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath + (key.map { [$0] } ?? []), debugDescription: "\(value) is not valid in JSON"))
        }
        return .double(value)
    }

    func encodeValue(_ value: some Encodable) throws {
        node = try node(for: value, key: nil)
    }
}
