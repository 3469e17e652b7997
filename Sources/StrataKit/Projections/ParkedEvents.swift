import Foundation
import StrataStore

/// The kit's `kit.parked` table: events an async projection set aside after failing on them,
/// keyed by projection name and position, so they stay visible and can be retried.
struct ParkedEvents: Sendable {
    static let table = KitTable(name: "kit.parked")
    let store: any EventStore

    static func key(_ projection: String, _ position: UInt64) -> [UInt8] {
        var key = Array(projection.utf8) + [0]
        withUnsafeBytes(of: position.bigEndian) { key += $0 }
        return key
    }

    /// Creates the table, so that read-only readers find it.
    func prepare(in transaction: any StoreTransaction) throws {
        _ = try Self.table.open(in: transaction)
    }

    /// Records `event` as parked.
    func park(_ event: ParkedEvent, in transaction: any StoreTransaction) throws {
        try transaction.put(
            try Self.table.open(in: transaction),
            key: Self.key(event.projection, event.position),
            value: Array(try KitCoding.encoder().encode(event))
        )
    }

    /// Takes the event of `projection` at `position` off the list.
    func remove(_ projection: String, position: UInt64, in transaction: any StoreTransaction) throws {
        try transaction.delete(try Self.table.open(in: transaction), key: Self.key(projection, position))
    }

    /// The events parked for `projection`, in log order.
    func list(_ projection: String) throws -> [ParkedEvent] {
        let prefix = Array(projection.utf8) + [0]
        return try store.withSnapshot { snapshot in
            guard let table = try Self.table.find(for: snapshot, in: store) else { return [] }
            var parked: [ParkedEvent] = []
            try snapshot.scan(table, from: prefix, direction: .forward) { key, value in
                guard key.starts(with: prefix) else { return false }
                parked.append(try KitCoding.decoder().decode(ParkedEvent.self, from: Data(value)))
                return true
            }
            return parked
        }
    }
}

extension ProjectionRunner {
    /// The events parked for `name`, in log order.
    public func parkedEvents(_ name: String) throws -> [ParkedEvent] {
        try parked.list(name)
    }

    /// Applies the parked events of `name` again, in log order, to its live tables; those that
    /// now succeed leave the parked list. Returns how many succeeded.
    @discardableResult
    public func retryParked(_ name: String) async throws -> Int {
        let projection = try projection(name)
        var retried = 0
        for parkedEvent in try parked.list(name) {
            guard let event = try log.event(at: parkedEvent.position) else { continue }
            do {
                try await log.write { [self] transaction in
                    guard let checkpoint = try checkpoints.checkpoint(name, in: transaction) else { return }
                    let store = ProjectionStore(
                        transaction: transaction,
                        tables: try checkpoints.tables(of: projection, generation: checkpoint.generation, in: transaction),
                        registry: registry
                    )
                    try projection.apply(try registry.decode(event), to: store)
                    try store.flush()
                    try parked.remove(name, position: parkedEvent.position, in: transaction)
                    let changed = store.changedKeys
                    let position = try transaction.headPosition()
                    if let invalidations, !changed.isEmpty { transaction.afterCommit { invalidations.publish(.keys(changed, position: position)) } }
                }
                retried += 1
            } catch {
                logger.warning("parked event still fails", metadata: ["projection": "\(name)", "position": "\(parkedEvent.position)"])
            }
        }
        return retried
    }
}
