import Foundation
import StrataKit
import StrataStore
import Synchronization

/// Durable consumer groups over a store's log, for other services to follow it: each group a
/// filter, a cursor, leases for the events in flight, and parked messages, all in the store's
/// tables and written through its writer, so acknowledgements share group commits with appends and
/// every server sharing a PostgreSQL database serves every group.
public final class ConsumerGroups: Sendable {
    /// What whether a `put` made the group or changed it.
    public enum PutOutcome: Sendable, Equatable {
        case created
        case updated
    }

    let store: any EventStore
    /// Whether other servers share the store: a change of a group then leaves a note that wakes
    /// their long polls (``GroupSignals/follow(_:)``).
    let shared: Bool
    let rows: GroupRows
    /// Milliseconds since 1970: the clock of leases' deadlines.
    let clock: @Sendable () -> Int64
    /// This process's deliveries and acknowledgements, for `/metrics`.
    public let counters: DeliveryCounters
    /// Wakes this process's long polls after acknowledgements, nacks, replays and changes of a
    /// group; shared by every `ConsumerGroups` of one store in the process (the routes' and the
    /// pusher's).
    public let signals: GroupSignals
    /// How long (milliseconds) a consumer that holds no lease stays in its group's list after its
    /// last poll: consumers named per process or per pod come and go, and the list must not grow
    /// with every name ever used.
    let consumerRetention: Int64
    /// When this process last pruned each group's consumers (its clock), so that a poll prunes at
    /// most once a minute.
    let pruned = Mutex<[String: Int64]>([:])

    /// Groups in `store`, counting into `counters` and waking long polls through `signals`;
    /// `clock` tells the time of leases (the wall clock unless a test sets one). A consumer
    /// holding no lease is forgotten `forgetConsumersAfter` its last poll (an hour).
    public init(
        store: any EventStore,
        counters: DeliveryCounters = DeliveryCounters(),
        signals: GroupSignals = GroupSignals(),
        forgetConsumersAfter: Duration = .seconds(3600),
        clock: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    ) {
        self.store = store
        self.shared = store.traits.isShared
        self.rows = GroupRows(store: store)
        self.counters = counters
        self.signals = signals
        self.consumerRetention = forgetConsumersAfter.components.seconds * 1000
        self.clock = clock
    }

    /// Makes the group `name`, or changes its timing and push target.
    ///
    /// - Throws: ``SubscriptionError/invalidInput(_:)`` for a bad name or settings;
    ///   ``SubscriptionError/filterCannotChange(_:)`` when the group exists with another filter or start.
    public func put(_ name: String, settings: GroupSettings) async throws -> PutOutcome {
        var issues = GroupRules.issues(settings)
        if !GroupRules.isGroupName(name) { issues.insert(FieldIssue("group", "must be 1–64 of a-z 0-9 - _ ."), at: 0) }
        guard issues.isEmpty else { throw SubscriptionError.invalidInput(issues) }
        let now = clock()
        return try await store.perform { [self] transaction in
            // Waiting polls answer with the group's new settings (a push group's new target).
            announceChange(of: name, in: transaction)
            if var existing = try rows.record(name, in: transaction) {
                guard existing.settings.keepsFilter(of: settings) else { throw SubscriptionError.filterCannotChange(name) }
                existing.settings = settings
                try rows.save(existing, in: transaction)
                return PutOutcome.updated
            }
            let start: UInt64
            switch settings.startFrom {
            case .start: start = 0
            case .end: start = try transaction.headPosition()
            case .position(let position): start = position > 0 ? position - 1 : 0
            }
            let record = GroupRecord(name: name, settings: settings, createdAt: Date(timeIntervalSince1970: Double(now) / 1000), start: start)
            try rows.save(record, in: transaction)
            return PutOutcome.created
        }.value
    }

    /// Deletes the group with its leases, marks, parked messages and consumers.
    ///
    /// - Throws: ``SubscriptionError/groupNotFound(_:)``.
    public func delete(_ name: String) async throws {
        try await store.write { [self] transaction in
            guard try rows.record(name, in: transaction) != nil else { throw SubscriptionError.groupNotFound(name) }
            try rows.deleteGroup(name, in: transaction)
            // Waiting polls answer at once that the group is gone (a push group's driver ends).
            announceChange(of: name, in: transaction)
        }
    }

    /// Marks `group` changed by `transaction`: once it commits, this process's long polls of the
    /// group wake, and on a shared store its note wakes the other servers' when they hear of it.
    func announceChange(of group: String, in transaction: any StoreTransaction) {
        if shared { transaction.note(GroupSignals.note(for: group)) }
        transaction.afterCommit { [signals] in signals.signal(group) }
    }

    /// The group `name` as the API shows it.
    ///
    /// - Throws: ``SubscriptionError/groupNotFound(_:)``.
    public func status(_ name: String) async throws -> GroupStatus {
        let now = clock()
        return try await store.read { [rows] snapshot in
            guard let record = try rows.record(name, in: snapshot) else { throw SubscriptionError.groupNotFound(name) }
            return try GroupStatus(record, rows: rows, head: try snapshot.headPosition(), now: now, in: snapshot)
        }
    }

    /// Every group, by name.
    public func list() async throws -> [GroupStatus] {
        let now = clock()
        return try await store.read { [rows] snapshot in
            let head = try snapshot.headPosition()
            return try rows.records(in: snapshot).map { try GroupStatus($0, rows: rows, head: head, now: now, in: snapshot) }
        }
    }

    /// The settings of the group `name`, or `nil` when there is none (for the server's pusher;
    /// they include the push secret).
    public func settings(_ name: String) async throws -> GroupSettings? {
        try await store.read { [rows] snapshot in try rows.record(name, in: snapshot)?.settings }
    }

    /// The settings of every push group, for the server's pusher.
    public func pushGroups() async throws -> [(name: String, settings: GroupSettings)] {
        try await store.read { [rows] snapshot in
            try rows.records(in: snapshot).filter { $0.settings.push != nil }.map { ($0.name, $0.settings) }
        }
    }

    /// A random lease token: 64 bits, hex.
    static func makeToken() -> String {
        String(UInt64.random(in: 1...UInt64.max), radix: 16)
    }
}
