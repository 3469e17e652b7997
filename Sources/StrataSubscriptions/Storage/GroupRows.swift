import Foundation
import StrataKit
import StrataStore

/// The subscriptions' tables and their rows: groups by name (with their cursors); leases and
/// parked messages by group and position; consumers by group and name. A table belongs to this layer.
struct GroupRows: Sendable {
    static let groups = KitTable(name: "subscriptions.groups")
    static let leases = KitTable(name: "subscriptions.leases")
    static let parked = KitTable(name: "subscriptions.parked")
    static let consumers = KitTable(name: "subscriptions.consumers")

    let store: any EventReading
    /// Each group's record as last read or written, with its bytes: a poll and an ack read the
    /// record, and decoding it (its waiting events can be many) showed in profiles of pushing.
    let decoded = DecodedRecords()

    static func key(_ group: String, _ position: UInt64) -> [UInt8] { RowKeys.pair(group, RowKeys.oldestFirst(position)) }

    static func prefix(_ group: String) -> [UInt8] { Array(group.utf8) + [0] }

    static func position(ofKey key: UnsafeRawBufferPointer) -> UInt64 {
        key.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    // MARK: Reading

    func record(_ name: String, in reader: any StoreReading) throws -> GroupRecord? {
        guard let bytes = try Self.groups.get(RowKeys.text(name), from: reader, in: store) else { return nil }
        if let known = decoded.record(name, of: bytes) { return known }
        let record = try KitCoding.decode(GroupRecord.self, from: bytes)
        decoded.keep(record, as: bytes)
        return record
    }

    func records(in reader: any StoreReading) throws -> [GroupRecord] {
        guard let table = try Self.groups.find(for: reader, in: store) else { return [] }
        var records: [GroupRecord] = []
        try reader.scan(table, from: nil, direction: .forward) { _, value in
            records.append(try KitCoding.decode(GroupRecord.self, from: value))
            return true
        }
        return records
    }

    /// The group's rows of `table` from `position` on, decoded, in position order.
    func rows<Row: Decodable>(_ table: KitTable, of group: String, from position: UInt64 = 0, limit: Int = .max, as type: Row.Type, in reader: any StoreReading) throws -> [Row] {
        var rows: [Row] = []
        try scan(table, of: group, from: position, in: reader) { _, value in
            rows.append(try KitCoding.decode(Row.self, from: value))
            return rows.count < limit
        }
        return rows
    }

    func leases(of group: String, in reader: any StoreReading) throws -> [Lease] {
        try rows(Self.leases, of: group, as: Lease.self, in: reader)
    }

    func lease(of group: String, at position: UInt64, in reader: any StoreReading) throws -> Lease? {
        try Self.leases.get(Self.key(group, position), from: reader, in: store).map { try KitCoding.decode(Lease.self, from: $0) }
    }

    func parked(of group: String, at position: UInt64, in reader: any StoreReading) throws -> ParkedMessage? {
        try Self.parked.get(Self.key(group, position), from: reader, in: store).map { try KitCoding.decode(ParkedMessage.self, from: $0) }
    }

    func count(_ table: KitTable, of group: String, in reader: any StoreReading) throws -> Int {
        var count = 0
        try scan(table, of: group, from: 0, in: reader) { _, _ in
            count += 1
            return true
        }
        return count
    }

    private func scan(
        _ table: KitTable, of group: String, from position: UInt64, in reader: any StoreReading,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let found = try table.find(for: reader, in: store) else { return }
        let prefix = Self.prefix(group)
        try reader.scan(found, from: Self.key(group, position), direction: .forward) { key, value in
            guard key.starts(with: prefix) else { return false }
            return try body(key, value)
        }
    }

    // MARK: Writing

    func save(_ record: GroupRecord, in transaction: any StoreTransaction) throws {
        let bytes = try KitCoding.encode(record)
        try transaction.put(try Self.groups.open(in: transaction), key: RowKeys.text(record.name), value: bytes)
        decoded.keep(record, as: bytes)
    }

    func save(_ lease: Lease, of group: String, in transaction: any StoreTransaction) throws {
        try transaction.put(try Self.leases.open(in: transaction), key: Self.key(group, lease.position), value: try KitCoding.encode(lease))
    }

    func deleteLease(of group: String, at position: UInt64, in transaction: any StoreTransaction) throws {
        try transaction.delete(try Self.leases.open(in: transaction), key: Self.key(group, position))
    }

    func park(_ message: ParkedMessage, of group: String, in transaction: any StoreTransaction) throws {
        try transaction.put(try Self.parked.open(in: transaction), key: Self.key(group, message.position), value: try KitCoding.encode(message))
    }

    func unpark(_ position: UInt64, of group: String, in transaction: any StoreTransaction) throws {
        try transaction.delete(try Self.parked.open(in: transaction), key: Self.key(group, position))
    }

    func saw(_ consumer: String, of group: String, at date: Date, in transaction: any StoreTransaction) throws {
        try transaction.put(
            try Self.consumers.open(in: transaction),
            key: RowKeys.pair(group, RowKeys.text(consumer)),
            value: try KitCoding.encode(ConsumerSeen(consumer: consumer, lastSeenAt: date))
        )
    }

    func consumers(of group: String, in reader: any StoreReading) throws -> [ConsumerSeen] {
        guard let table = try Self.consumers.find(for: reader, in: store) else { return [] }
        let prefix = Self.prefix(group)
        var seen: [ConsumerSeen] = []
        try reader.scan(table, from: prefix, direction: .forward) { key, value in
            guard key.starts(with: prefix) else { return false }
            seen.append(try KitCoding.decode(ConsumerSeen.self, from: value))
            return true
        }
        return seen
    }

    /// Removes the consumers of `group` last seen before `date`, but those in `holders` (they
    /// hold a lease in flight).
    func forgetConsumers(of group: String, seenBefore date: Date, except holders: Set<String>, in transaction: any StoreTransaction) throws {
        let stale = try consumers(of: group, in: transaction).filter { $0.lastSeenAt < date && !holders.contains($0.consumer) }
        guard !stale.isEmpty else { return }
        let table = try Self.consumers.open(in: transaction)
        for seen in stale { try transaction.delete(table, key: RowKeys.pair(group, RowKeys.text(seen.consumer))) }
    }

    /// Removes the group and every row of it.
    func deleteGroup(_ group: String, in transaction: any StoreTransaction) throws {
        try transaction.delete(try Self.groups.open(in: transaction), key: RowKeys.text(group))
        decoded.forget(group)
        let prefix = Self.prefix(group)
        for table in [Self.leases, Self.parked, Self.consumers] {
            let opened = try table.open(in: transaction)
            var keys: [[UInt8]] = []
            try transaction.scan(opened, from: prefix, direction: .forward) { key, _ in
                guard key.starts(with: prefix) else { return false }
                keys.append(Array(key))
                return true
            }
            for key in keys { try transaction.delete(opened, key: key) }
        }
    }
}
