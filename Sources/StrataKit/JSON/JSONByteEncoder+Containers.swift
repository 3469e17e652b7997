/// The containers ``JSONNodeEncoder`` hands out: each writes into the node tree of its encoder.
struct JSONKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONNodeEncoder
    let box: JSONObjectBox
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws { box[key.stringValue] = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box[key.stringValue] = .bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { box[key.stringValue] = .string(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { box[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { box[key.stringValue] = .integer(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { box[key.stringValue] = .unsigned(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { box[key.stringValue] = try encoder.double(value, key: key) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        box[key.stringValue] = try encoder.node(for: value, key: key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws { box[key.stringValue] = try encoder.float(value, key: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { box[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { box[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { box[key.stringValue] = .integer(Int64(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { box[key.stringValue] = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { box[key.stringValue] = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { box[key.stringValue] = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { box[key.stringValue] = .unsigned(UInt64(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONObjectBox()
        box[key.stringValue] = .object(child)
        let nested = JSONNodeEncoder(userInfo: encoder.userInfoValues, codingPath: codingPath + [key])
        nested.node = .object(child)
        return KeyedEncodingContainer(JSONKeyedEncoding<NestedKey>(encoder: nested, box: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONArrayBox()
        box[key.stringValue] = .array(child)
        let nested = JSONNodeEncoder(userInfo: encoder.userInfoValues, codingPath: codingPath + [key])
        nested.node = .array(child)
        return JSONUnkeyedEncoding(encoder: nested, box: child)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        box[name] = .object(JSONObjectBox())
        return JSONSlotEncoder(userInfo: encoder.userInfoValues, codingPath: codingPath) { [box] node in box.replace(name, with: node) }
    }
}

/// An encoder whose node is stored where it belongs once it is done (for `superEncoder`).
final class JSONSlotEncoder: Encoder {
    private let inner: JSONNodeEncoder
    private let store: (JSONNode) -> Void
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { inner.userInfo }

    init(userInfo: [CodingUserInfoKey: any Sendable], codingPath: [any CodingKey], store: @escaping (JSONNode) -> Void) {
        self.inner = JSONNodeEncoder(userInfo: userInfo, codingPath: codingPath)
        self.store = store
    }

    deinit { store(inner.node ?? .object(JSONObjectBox())) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

struct JSONUnkeyedEncoding: UnkeyedEncodingContainer {
    let encoder: JSONNodeEncoder
    let box: JSONArrayBox
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { box.elements.count }

    mutating func encodeNil() throws { box.elements.append(.null) }
    mutating func encode(_ value: Bool) throws { box.elements.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
    mutating func encode(_ value: Int) throws { box.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Double) throws { box.elements.append(try encoder.double(value, key: nil)) }
    mutating func encode(_ value: some Encodable) throws { box.elements.append(try encoder.node(for: value, key: nil)) }
    mutating func encode(_ value: Int64) throws { box.elements.append(.integer(value)) }
    mutating func encode(_ value: UInt64) throws { box.elements.append(.unsigned(value)) }
    mutating func encode(_ value: Float) throws { box.elements.append(try encoder.float(value, key: nil)) }
    mutating func encode(_ value: Int8) throws { box.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { box.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { box.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: UInt) throws { box.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { box.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { box.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { box.elements.append(.unsigned(UInt64(value))) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONObjectBox()
        box.elements.append(.object(child))
        let nested = JSONNodeEncoder(userInfo: encoder.userInfoValues, codingPath: codingPath)
        nested.node = .object(child)
        return KeyedEncodingContainer(JSONKeyedEncoding<NestedKey>(encoder: nested, box: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONArrayBox()
        box.elements.append(.array(child))
        let nested = JSONNodeEncoder(userInfo: encoder.userInfoValues, codingPath: codingPath)
        nested.node = .array(child)
        return JSONUnkeyedEncoding(encoder: nested, box: child)
    }

    mutating func superEncoder() -> any Encoder {
        let index = box.elements.count
        box.elements.append(.object(JSONObjectBox()))
        return JSONSlotEncoder(userInfo: encoder.userInfoValues, codingPath: codingPath) { [box] node in box.elements[index] = node }
    }
}

struct JSONSingleValueEncoding: SingleValueEncodingContainer {
    let encoder: JSONNodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Int) throws { encoder.node = .integer(Int64(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .integer(value) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .unsigned(value) }
    mutating func encode(_ value: Double) throws { encoder.node = try encoder.double(value, key: nil) }
    mutating func encode(_ value: some Encodable) throws { encoder.node = try encoder.node(for: value, key: nil) }
    mutating func encode(_ value: Float) throws { encoder.node = try encoder.float(value, key: nil) }
    mutating func encode(_ value: Int8) throws { encoder.node = .integer(Int64(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .integer(Int64(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .integer(Int64(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .unsigned(UInt64(value)) }
}
