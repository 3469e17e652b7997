import Foundation
import StrataStore

/// The kit's `kit.parked` table: events an async projection set aside after failing on them,
/// keyed by projection name and position, so they stay visible and can be retried or skipped.
/// Skipped ones move to `kit.skipped`, so the decision is on record.
struct ParkedEvents: Sendable {
    static let table = KitTable(name: "kit.parked")
    static let skipped = KitTable(name: "kit.skipped")
    let store: any EventStore

    static func key(_ projection: String, _ position: UInt64) -> [UInt8] {
        var key = Array(projection.utf8) + [0]
        withUnsafeBytes(of: position.bigEndian) { key += $0 }
        return key
    }

    /// Creates the tables, so that read-only readers find them.
    func prepare(in transaction: any StoreTransaction) throws {
        _ = try Self.table.open(in: transaction)
        _ = try Self.skipped.open(in: transaction)
    }

    /// Records `event` as parked.
    func park(_ event: ParkedEvent, in transaction: any StoreTransaction) throws {
        try transaction.put(
            try Self.table.open(in: transaction),
            key: Self.key(event.projection, event.position),
            value: try KitCoding.encode(event)
        )
    }

    /// The parked event of `projection` at `position`, if there is one.
    func find(_ projection: String, position: UInt64, in reader: any StoreReading) throws -> ParkedEvent? {
        guard let bytes = try Self.table.get(Self.key(projection, position), from: reader, in: store) else { return nil }
        return try KitCoding.decode(ParkedEvent.self, from: bytes)
    }

    /// Takes the event of `projection` at `position` off the list.
    func remove(_ projection: String, position: UInt64, in transaction: any StoreTransaction) throws {
        try transaction.delete(try Self.table.open(in: transaction), key: Self.key(projection, position))
    }

    /// Moves the event to `kit.skipped` (with when it was skipped).
    func skip(_ event: ParkedEvent, in transaction: any StoreTransaction) throws {
        struct Skipped: Encodable {
            var event: ParkedEvent
            var skippedAt: Date
        }
        try remove(event.projection, position: event.position, in: transaction)
        try transaction.put(
            try Self.skipped.open(in: transaction),
            key: Self.key(event.projection, event.position),
            value: try KitCoding.encode(Skipped(event: event, skippedAt: Date()))
        )
    }

    /// The events parked for `projection`, in log order, after `position`, at most `limit`.
    func list(_ projection: String, after position: UInt64 = 0, limit: Int = .max) throws -> [ParkedEvent] {
        let prefix = Array(projection.utf8) + [0]
        return try store.withSnapshot { snapshot in
            guard let table = try Self.table.find(for: snapshot, in: store), limit > 0 else { return [] }
            var parked: [ParkedEvent] = []
            try snapshot.scan(table, from: Self.key(projection, position &+ 1), direction: .forward) { key, value in
                guard key.starts(with: prefix) else { return false }
                parked.append(try KitCoding.decode(ParkedEvent.self, from: value))
                return parked.count < limit
            }
            return parked
        }
    }
}

extension ProjectionRunner {
    /// The events parked for `name`, in log order, after `position`, at most `limit`.
    public func parkedEvents(_ name: String, after position: UInt64 = 0, limit: Int = .max) throws -> [ParkedEvent] {
        _ = try projection(name)
        return try parked.list(name, after: position, limit: limit)
    }

    /// Applies the parked events of `name` again, in log order; those that now succeed leave the
    /// parked list. Returns how many succeeded.
    @discardableResult
    public func retryParked(_ name: String) async throws -> Int {
        var retried = 0
        for parkedEvent in try parked.list(name) where try await retryParked(name, position: parkedEvent.position) == .applied {
            retried += 1
        }
        return retried
    }

    /// Applies the event parked for `name` at `position` to the live tables. `nil` when no event is
    /// parked there.
    public func retryParked(_ name: String, position: UInt64) async throws -> ParkedRetryOutcome? {
        let projection = try projection(name)
        let found = try await log.read { [parked] snapshot in
            (try parked.find(name, position: position, in: snapshot), try snapshot.event(at: position))
        }
        guard let parkedEvent = found.0, let event = found.1 else { return nil }
        do {
            try await log.write { [self] transaction in
                guard let checkpoint = try checkpoints.checkpoint(name, in: transaction) else { return }
                let store = ProjectionStore(
                    transaction: transaction,
                    tables: try checkpoints.tables(of: projection, generation: checkpoint.generation, in: transaction),
                    registry: registry,
                    rows: rows
                )
                try projection.apply(try registry.decode(event), to: store)
                try store.flush()
                try parked.remove(name, position: position, in: transaction)
                let changed = store.changedKeys
                let head = try transaction.headPosition()
                if let invalidations, !changed.isEmpty { invalidations.publish(.keys(changed, position: head), after: transaction, shared: log.traits.isShared) }
            }
            return .applied
        } catch {
            var again = parkedEvent
            again.error = "\(error)"
            again.attempts += 1
            logger.warning("parked event still fails", metadata: ["projection": "\(name)", "position": "\(position)"])
            let updated = again
            try await log.write { [parked] transaction in try parked.park(updated, in: transaction) }
            return .stillFailing(updated)
        }
    }

    /// Gives up on the event parked for `name` at `position`: it leaves the parked list and is
    /// recorded in `kit.skipped`. Returns whether one was parked there.
    @discardableResult
    public func skipParked(_ name: String, position: UInt64) async throws -> Bool {
        _ = try projection(name)
        return try await log.perform { [parked] transaction in
            guard let event = try parked.find(name, position: position, in: transaction) else { return false }
            try parked.skip(event, in: transaction)
            return true
        }.value
    }
}
