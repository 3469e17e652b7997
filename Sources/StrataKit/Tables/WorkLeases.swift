import Foundation
import StrataStore

/// Which process does each piece of background work while several share the store — applying an
/// async projection, driving a push consumer group: a lease per name in the kit's `kit.leases`
/// table, taken and renewed in write transactions, with an expiry, so another process takes the
/// work over at most ``duration`` after its holder died. A projection's batches check in their own
/// transaction that this process still holds the lease (fencing), so a process that paused past
/// its expiry cannot write once another took over. Only used when the store is shared
/// (`StoreTraits.isShared`).
public struct WorkLeases: Sendable {
    /// This process's name in the table.
    public let owner: String
    /// How long a lease lasts unless renewed; another process takes over at most this long after
    /// the holder died.
    public let duration: TimeInterval

    /// Leases held as `owner`, each lasting `duration` unless renewed.
    public init(owner: String, duration: TimeInterval) {
        self.owner = owner
        self.duration = duration
    }
    static let table = KitTable(name: "kit.leases")

    struct Lease: Codable {
        var owner: String
        /// Whole microseconds since 1970.
        var expiresAt: Int64
    }

    /// Takes or renews the lease of `projection` (any work's name) inside `transaction`; returns
    /// whether this process holds it now (false: another's, not expired).
    public func hold(_ projection: String, in transaction: any StoreTransaction, now: Date = Date()) throws -> Bool {
        let table = try Self.table.open(in: transaction)
        let key = Array(projection.utf8)
        let micros = RecordedEvent.microseconds(now)
        if let bytes = try transaction.get(table, key: key), let lease = try? KitCoding.decode(Lease.self, from: bytes),
            lease.owner != owner, lease.expiresAt > micros
        {
            return false
        }
        let renewed = Lease(owner: owner, expiresAt: micros + Int64(duration * 1_000_000))
        try transaction.put(table, key: key, value: try KitCoding.encode(renewed))
        return true
    }

    /// Gives the lease of `projection` up when this process holds it (a clean stop: another takes over at once).
    public func release(_ projection: String, in transaction: any StoreTransaction) throws {
        let table = try Self.table.open(in: transaction)
        let key = Array(projection.utf8)
        guard let bytes = try transaction.get(table, key: key), let lease = try? KitCoding.decode(Lease.self, from: bytes), lease.owner == owner else { return }
        _ = try transaction.delete(table, key: key)
    }
}

extension ProjectionRunner {
    /// Takes or renews `projection`'s lease in a write transaction of its own; true when held.
    func holdLease(_ projection: String) async throws -> Bool {
        guard let leases else { return true }
        return try await log.perform { transaction in try leases.hold(projection, in: transaction) }.value
    }

    /// Gives up every async projection's lease this process holds (at a clean stop).
    func releaseLeases() async {
        guard let leases else { return }
        let names = projections.values.filter { $0.mode == .async }.map(\.name)
        _ = try? await log.write { transaction in
            for name in names { try leases.release(name, in: transaction) }
        }
    }
}
