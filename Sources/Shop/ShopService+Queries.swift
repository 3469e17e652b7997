import Foundation
import StrataKit
import StrataStore

extension ShopService {
    /// A user by id, with the position the read model reflects.
    public func user(id: String) throws -> (record: UserRecord, position: UInt64)? {
        try runner.read("users") { reader in
            try reader.get(UserRecord.self, "byId", key: Keys.text(id)).map { ($0, reader.position) }
        }
    }

    /// Whether the user exists and is active, through the view cache (every authenticated request
    /// asks): the users projection drops the entry when the user's status may change.
    public func isActive(userId: String) throws -> Bool {
        let key = ViewKey(view: "userStatus", key: userId)
        if let cached = cache.lookup(key) { return cached.body == [1] }
        guard let (record, position) = try user(id: userId) else { return false }
        let active = record.status == .active
        cache.store(CachedView(body: [active ? 1 : 0], etag: "", position: position), for: key)
        return active
    }

    /// The user registered with `email`, looked up by its keyed hash.
    public func userId(forEmail email: String) throws -> String? {
        try runner.read("users") { reader in
            try reader.get("byEmail", key: UsersProjection.emailKey(email, hasher: hasher)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The bcrypt hash of a user's password (none once erased).
    public func passwordHash(userId: String) throws -> String? {
        try runner.read("users") { reader in
            try reader.get("credentials", key: Keys.text(userId)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Where a refresh-token hash leads.
    public func session(tokenHash: String) throws -> SessionRecord? {
        try runner.read("sessions") { try $0.get(SessionRecord.self, "byTokenHash", key: Keys.text(tokenHash)) }
    }

    /// The ids of a user's sessions.
    public func sessionIds(of userId: String) throws -> [String] {
        try runner.read("sessions") { reader in
            var ids: [String] = []
            let prefix = Keys.pair(userId, [])
            try reader.scan("byUser", from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                ids.append(String(decoding: key.dropFirst(prefix.count), as: UTF8.self))
                return true
            }
            return ids
        }
    }

    /// A product by id (also when discontinued).
    public func product(id: String) throws -> (record: ProductRecord, position: UInt64)? {
        try runner.read("products") { reader in
            try reader.get(ProductRecord.self, "byId", key: Keys.text(id)).map { ($0, reader.position) }
        }
    }

    /// Active products in sku order (bytewise) after the sku `after`, filtered by a case-insensitive
    /// substring of name or sku.
    public func products(limit: Int, after: String?, query: String?) throws -> Page<ProductRecord> {
        let needle = query?.lowercased()
        return try runner.read("products") { reader in
            var items: [ProductRecord] = []
            var more = false
            let start = after.map { Keys.text($0) + [0] }
            try reader.scan("bySku", from: start) { _, value in
                guard let record = try reader.get(ProductRecord.self, "byId", key: Array(value)), record.status == .active else { return true }
                if let needle, !record.name.lowercased().contains(needle) && !record.sku.lowercased().contains(needle) { return true }
                if items.count == limit {
                    more = true
                    return false
                }
                items.append(record)
                return true
            }
            return Page(items: items, next: more ? items.last?.sku : nil, position: reader.position)
        }
    }

    /// An order by id.
    public func order(id: String) throws -> (record: OrderRecord, position: UInt64)? {
        try runner.read("orders") { reader in
            try reader.get(OrderRecord.self, "byId", key: Keys.text(id)).map { ($0, reader.position) }
        }
    }

    /// Orders newest first — one user's, or everyone's — optionally of one status. `after` is the
    /// opaque cursor of the previous page.
    public func orders(userId: String?, status: OrderStatus?, limit: Int, after: String?) throws -> Page<OrderRecord> {
        let table = userId == nil ? "all" : "byUser"
        let prefix = userId.map { Keys.pair($0, []) } ?? []
        var start = prefix
        if let after, let cursor = Self.decodeCursor(after), cursor.starts(with: prefix) { start = cursor + [0] }
        return try runner.read("orders") { reader in
            var items: [OrderRecord] = []
            var lastKey: [UInt8] = []
            var more = false
            try reader.scan(table, from: start.isEmpty ? nil : start) { key, value in
                guard key.starts(with: prefix) else { return false }
                guard let record = try reader.get(OrderRecord.self, "byId", key: Array(value)) else { return true }
                if let status, record.status != status { return true }
                if items.count == limit {
                    more = true
                    return false
                }
                items.append(record)
                lastKey = Array(key)
                return true
            }
            return Page(items: items, next: more ? Self.encodeCursor(lastKey) : nil, position: reader.position)
        }
    }

    static func encodeCursor(_ key: [UInt8]) -> String {
        Data(key).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) -> [UInt8]? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }

    /// The sales statistics and the position they reflect.
    public func salesStatistics() throws -> (statistics: SalesStatistics, position: UInt64) {
        try runner.read("sales") { reader in (try SalesProjection.statistics(from: reader), reader.position) }
    }
}
