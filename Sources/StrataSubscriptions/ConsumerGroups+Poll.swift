import Foundation
import StrataStore

/// A delivered event: the id that acknowledges this delivery, how many deliveries it has had,
/// and the event.
public struct DeliveredMessage: Sendable {
    public var ackId: String
    public var deliveries: Int
    public var event: RecordedEvent
}

extension ConsumerGroups {
    /// Hands `consumer` up to `max` events of the group, waiting up to `wait` for at least one:
    /// expired leases again first, then the events left waiting and the log after them, one event per stream in
    /// flight at a time. Each handed-out event is leased to `consumer` until the group's ack
    /// timeout, durably, before this returns.
    ///
    /// - Throws: ``SubscriptionError/groupNotFound(_:)``, ``SubscriptionError/invalidInput(_:)``
    ///   for a bad consumer name, ``SubscriptionError/pushGroupIsNotPolled(_:)``.
    public func poll(_ name: String, consumer: String, max: Int, wait: Duration = .zero) async throws -> [DeliveredMessage] {
        try await poll(name, consumer: consumer, max: max, wait: wait, push: false).messages
    }

    /// As ``poll(_:consumer:max:wait:)``, for the server's pusher: only a push group's messages,
    /// with the group's settings read in the same transaction (the target to POST them to).
    public func pollForPush(_ name: String, consumer: String, max: Int, wait: Duration = .zero) async throws -> (messages: [DeliveredMessage], settings: GroupSettings) {
        try await poll(name, consumer: consumer, max: max, wait: wait, push: true)
    }

    private func poll(_ name: String, consumer: String, max: Int, wait: Duration, push: Bool) async throws -> (messages: [DeliveredMessage], settings: GroupSettings) {
        let issues = GroupRules.consumerIssues(consumer)
        guard issues.isEmpty else { throw SubscriptionError.invalidInput(issues) }
        let deadline = ContinuousClock.now + wait
        while true {
            try Task.checkCancellation()
            let generation = signals.generation(of: name)
            let attempt = try await pollOnce(name, consumer: consumer, max: max, push: push)
            if !attempt.messages.isEmpty || ContinuousClock.now >= deadline {
                counters.add(delivered: attempt.messages.count, to: name)
                return (attempt.messages, attempt.settings)
            }
            var until = deadline
            if let expiry = attempt.nextExpiry {
                let due = ContinuousClock.now + .milliseconds(Swift.max(0, expiry - clock()))
                until = Swift.min(until, due)
            }
            // Nothing changed by the end of the wait: answer empty without another write (an idle
            // long poll costs one poll transaction, not two).
            guard await waitForChange(of: name, after: attempt.head, generation: generation, until: until) || until < deadline else {
                return ([], attempt.settings)
            }
        }
    }

    /// One poll: its messages, the group's settings, the head it saw, and when the earliest
    /// lease in flight expires.
    private func pollOnce(
        _ name: String, consumer: String, max: Int, push: Bool
    ) async throws -> (messages: [DeliveredMessage], settings: GroupSettings, head: UInt64, nextExpiry: Int64?) {
        try await store.perform { [self] transaction in
            guard var record = try rows.record(name, in: transaction) else { throw SubscriptionError.groupNotFound(name) }
            guard (record.settings.push != nil) == push else {
                if push { throw SubscriptionError.groupNotFound(name) }
                throw SubscriptionError.pushGroupIsNotPolled(name)
            }
            let now = clock()
            let leases = try rows.leases(of: name, in: transaction)
            let plan = try Self.plan(record, leases: leases, now: now, consumer: consumer, max: max, in: transaction)
            for position in plan.dropped { try rows.deleteLease(of: name, at: position, in: transaction) }
            for message in plan.parked {
                try rows.deleteLease(of: name, at: message.position, in: transaction)
                try rows.park(message, of: name, in: transaction)
            }
            for delivery in plan.deliveries { try rows.save(delivery.lease, of: name, in: transaction) }
            if plan.scanned != record.scanned || plan.waiting != record.waiting || plan.position != record.position {
                record.scanned = plan.scanned
                record.waiting = plan.waiting
                record.position = plan.position
                try rows.save(record, in: transaction)
            }
            try rows.saw(consumer, of: name, at: Date(timeIntervalSince1970: Double(now) / 1000), in: transaction)
            if pruneIsDue(name, now: now) {
                let holders = Set((leases.filter { $0.isInFlight(at: now) }.map(\.consumer)) + plan.deliveries.map(\.lease.consumer))
                let before = Date(timeIntervalSince1970: Double(now - consumerRetention) / 1000)
                try rows.forgetConsumers(of: name, seenBefore: before, except: holders, in: transaction)
            }
            let inFlight = (leases.filter { $0.isInFlight(at: now) }.map(\.deadline) + plan.deliveries.map(\.lease.deadline)).min()
            let messages = plan.deliveries.map { DeliveredMessage(ackId: $0.lease.ackId, deliveries: $0.lease.deliveries, event: $0.event) }
            return (messages, record.settings, try transaction.headPosition(), inFlight)
        }.value
    }

    /// The dispatcher's plan for a poll of `record`'s group by `consumer`, reading the log from
    /// `reader` (the poll's transaction): the events it will likely read one by one are read
    /// together first (one round trip on PostgreSQL instead of one each).
    private static func plan(
        _ record: GroupRecord, leases: [Lease], now: Int64, consumer: String, max: Int, in reader: any StoreReading
    ) throws -> Dispatcher.Plan {
        let dispatcher = Dispatcher(
            settings: record.settings, scanned: record.scanned, waiting: record.waiting, leases: leases,
            now: now, consumer: consumer, max: max, makeToken: makeToken
        )
        let read = Dictionary(try reader.events(at: dispatcher.likelyReads()).map { ($0.position, $0) }) { first, _ in first }
        return try dispatcher.plan(
            event: { try read[$0] ?? reader.event(at: $0) },
            events: { try reader.readAll(after: $0, direction: .forward, limit: 256) }
        )
    }

    /// Whether this process should prune `group`'s consumers now (at most once a minute), noting
    /// that it does.
    private func pruneIsDue(_ group: String, now: Int64) -> Bool {
        pruned.withLock { pruned in
            guard now - (pruned[group] ?? .min / 2) >= 60_000 else { return false }
            pruned[group] = now
            return true
        }
    }

    /// Returns `true` once the log's head passes `head`, or the group is signalled after
    /// `generation` (an acknowledgement, a nack, a replay, a change of the group — in this process,
    /// or on another server sharing the store once this one hears of its commit); `false` at
    /// `deadline` (or when cancelled).
    func waitForChange(of name: String, after head: UInt64, generation: UInt64, until deadline: ContinuousClock.Instant) async -> Bool {
        guard deadline > .now else { return false }
        let positions = store.headPositions(pollInterval: .seconds(1))
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await position in positions where position > head { return true }
                return false
            }
            group.addTask { [signals] in
                await signals.wait(name, after: generation)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
    }
}
