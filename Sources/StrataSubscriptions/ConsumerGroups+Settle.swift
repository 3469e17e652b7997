import Foundation
import StrataStore

/// What a consumer does with a delivery it will not acknowledge.
public enum NackAction: String, Sendable, CaseIterable {
    /// Deliver it again now (counting towards `maxDeliveries`).
    case retry
    /// Park it.
    case park
    /// Count it as handled.
    case skip
}

extension ConsumerGroups {
    /// Acknowledges deliveries: each leaves the group for good, durably before this returns.
    ///
    /// - Throws: ``SubscriptionError/unknownAckIds(_:)`` naming the ids that are unknown or
    ///   expired, after the others took effect; ``SubscriptionError/groupNotFound(_:)``.
    public func ack(_ name: String, ackIds: [String]) async throws {
        let rejected = try await settle(name, ackIds: ackIds) { lease, transaction, rows in
            try rows.deleteLease(of: name, at: lease.position, in: transaction)
        }
        counters.add(acknowledged: ackIds.count - rejected.count, to: name)
        if !rejected.isEmpty { throw SubscriptionError.unknownAckIds(rejected) }
    }

    /// Refuses deliveries with `action`; `reason` is kept with a parked one.
    ///
    /// - Throws: as ``ack(_:ackIds:)``.
    public func nack(_ name: String, ackIds: [String], action: NackAction, reason: String?) async throws {
        let now = clock()
        let rejected = try await settle(name, ackIds: ackIds) { lease, transaction, rows in
            switch action {
            case .retry:
                var again = lease
                again.deadline = 0
                try rows.save(again, of: name, in: transaction)
            case .skip:
                try rows.deleteLease(of: name, at: lease.position, in: transaction)
            case .park:
                try rows.deleteLease(of: name, at: lease.position, in: transaction)
                let type = try transaction.event(at: lease.position)?.type ?? ""
                try rows.park(
                    ParkedMessage(
                        position: lease.position, streamId: lease.streamId, type: type,
                        reason: reason ?? "parked by \(lease.consumer)", deliveries: lease.deliveries,
                        parkedAt: Date(timeIntervalSince1970: Double(now) / 1000)
                    ),
                    of: name, in: transaction
                )
            }
        }
        if !rejected.isEmpty { throw SubscriptionError.unknownAckIds(rejected) }
    }

    /// Leaves deliveries leased for `delay` more and then delivers them again — the pusher's
    /// backoff after a failed POST; one that has had the group's `maxDeliveries` is due at once,
    /// so the next poll parks it.
    ///
    /// - Throws: as ``ack(_:ackIds:)``.
    public func retryLater(_ name: String, ackIds: [String], after delay: Duration, maxDeliveries: Int) async throws {
        let due = clock() + Int64(delay / .milliseconds(1))
        let rejected = try await settle(name, ackIds: ackIds) { lease, transaction, rows in
            var again = lease
            again.deadline = lease.deliveries >= maxDeliveries ? 0 : due
            try rows.save(again, of: name, in: transaction)
        }
        if !rejected.isEmpty { throw SubscriptionError.unknownAckIds(rejected) }
    }

    /// The group's parked messages after `position`, in log order, at most `limit`.
    public func parked(_ name: String, after position: UInt64 = 0, limit: Int = 100) async throws -> [ParkedMessage] {
        try await store.read { [rows] snapshot in
            guard try rows.record(name, in: snapshot) != nil else { throw SubscriptionError.groupNotFound(name) }
            return try rows.rows(GroupRows.parked, of: name, from: position &+ 1, limit: limit, as: ParkedMessage.self, in: snapshot)
        }
    }

    /// Takes the message at `position` off the parked list and delivers it again (from its first
    /// delivery), in its stream's order among the group's leases.
    ///
    /// - Throws: ``SubscriptionError/parkedNotFound(_:)``, ``SubscriptionError/groupNotFound(_:)``.
    public func replay(_ name: String, position: UInt64) async throws {
        try await store.write { [self] transaction in
            guard var record = try rows.record(name, in: transaction) else { throw SubscriptionError.groupNotFound(name) }
            guard let message = try rows.parked(of: name, at: position, in: transaction) else { throw SubscriptionError.parkedNotFound(position) }
            try rows.unpark(position, of: name, in: transaction)
            try rows.save(Lease(position: position, streamId: message.streamId, consumer: "", token: Self.makeToken(), deliveries: 0, deadline: 0), of: name, in: transaction)
            if position <= record.position {
                record.position = position - 1
                try rows.save(record, in: transaction)
            }
            announceChange(of: name, in: transaction)
        }
    }

    /// Takes the message at `position` off the parked list for good: the group counts it handled.
    ///
    /// - Throws: ``SubscriptionError/parkedNotFound(_:)``, ``SubscriptionError/groupNotFound(_:)``.
    public func skipParked(_ name: String, position: UInt64) async throws {
        try await store.write { [rows] transaction in
            guard try rows.record(name, in: transaction) != nil else { throw SubscriptionError.groupNotFound(name) }
            guard try rows.parked(of: name, at: position, in: transaction) != nil else { throw SubscriptionError.parkedNotFound(position) }
            try rows.unpark(position, of: name, in: transaction)
        }
    }

    /// Settles each valid delivery of `ackIds` with `body` in one transaction, moves the group's
    /// position, and returns the invalid ones (unknown or expired).
    private func settle(
        _ name: String, ackIds: [String],
        _ body: @escaping @Sendable (Lease, any StoreTransaction, GroupRows) throws -> Void
    ) async throws -> [String] {
        let now = clock()
        return try await store.perform { [self] transaction -> [String] in
            guard var record = try rows.record(name, in: transaction) else { throw SubscriptionError.groupNotFound(name) }
            var rejected: [String] = []
            for text in ackIds {
                guard let id = AckId(text), let lease = try rows.lease(of: name, at: id.position, in: transaction),
                      lease.token == id.token, lease.isInFlight(at: now) else {
                    rejected.append(text)
                    continue
                }
                try body(lease, transaction, rows)
            }
            let lowest = try rows.rows(GroupRows.leases, of: name, limit: 1, as: Lease.self, in: transaction).first?.position
            let position = GroupRecord.position(frontier: record.frontier, lowestLease: lowest)
            if position != record.position {
                record.position = position
                try rows.save(record, in: transaction)
            }
            if rejected.count < ackIds.count { announceChange(of: name, in: transaction) }
            return rejected
        }.value
    }
}
