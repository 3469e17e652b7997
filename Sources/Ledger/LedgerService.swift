import Foundation
import StrataKit
import StrataStore

/// The ledger's commands, run through the app's executor, and its queries. A transfer is one
/// atomic append to both accounts' streams, decided on both states: no overdraft under any
/// concurrency, and money is conserved.
public struct LedgerService: Sendable {
    public let app: StrataApp
    private var runner: ProjectionRunner { app.runner }

    /// The ledger over an app that has the ``LedgerModule``.
    public init(app: StrataApp) throws {
        guard app.module(LedgerModule.self) != nil else { throw AppError("the app has no ledger module") }
        self.app = app
    }

    /// A new id for an account or transfer: a time-ordered UUID in lower case.
    public static func newId() -> String { UUIDv7.makeString() }

    public func open(id: String, ownerId: String, name: String, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await app.executor.execute(metadata: metadata, followUp: followUp) { context in
            try context.append(try context.startNew(Account.self, id: id).open(id: id, ownerId: ownerId, name: name), to: Account.self, id: id)
        }
    }

    /// Deposits (owner or admin), withdrawals (owner) and closing (owner or admin) of one account;
    /// `expectedVersion` is an `If-Match`.
    public func change(
        _ id: String,
        by caller: Caller,
        admins: Bool,
        expectedVersion: UInt64?,
        metadata: EventMetadata,
        followUp: CommandFollowUp? = nil,
        _ decide: @escaping @Sendable (Account) throws -> [any Event]
    ) async throws -> CommandResult<Void> {
        try await app.executor.execute(metadata: metadata, followUp: followUp) { context in
            let account = try context.load(Account.self, id: id)
            try account.require(caller, admins: admins)
            let current = try context.version(of: Account.self, id: id)
            if let expectedVersion, expectedVersion != current { throw LedgerError.versionMismatch(current: current) }
            try context.append(try decide(account), to: Account.self, id: id)
        }
    }

    /// Moves `amountCents` from the caller's account `from` to account `to`, atomically.
    public func transfer(
        id: String, from: String, to: String, amountCents: Int, by caller: Caller, metadata: EventMetadata, followUp: CommandFollowUp? = nil
    ) async throws -> CommandResult<Void> {
        try await app.executor.execute(metadata: metadata, followUp: followUp) { context in
            let source = try context.load(Account.self, id: from)
            try source.require(caller, admins: false)
            let (sent, received) = try source.send(amountCents, transferId: id, to: try context.load(Account.self, id: to))
            try context.append(sent, to: Account.self, id: from)
            try context.append(received, to: Account.self, id: to)
        }
    }

    /// An account's stored JSON and version, if `caller` may see it (owner or admin; `nil`: a
    /// command's answer, whose decision checked the caller).
    public func accountJSON(_ id: String, for caller: Caller?, in reader: (any StoreReading)? = nil) throws -> (json: [UInt8], version: UInt64, position: UInt64)? {
        try runner.read("ledger-accounts", in: reader) { reader in
            // One read of the row: its JSON is what is sent, and says who owns it.
            guard let (json, version) = try reader.versioned(AccountsProjection.byId, key: RowKeys.text(id)) else { return nil }
            let owner = { try json.withUnsafeBytes { try reader.decode(AccountRecord.self, from: $0) }.ownerId }
            if let caller, !caller.isAdmin, try owner() != caller.userId { return nil }
            return (json, version, reader.position)
        }
    }

    /// A transfer as recorded.
    public func transfer(_ id: String, in reader: (any StoreReading)? = nil) throws -> TransferRecord? {
        try runner.read("ledger-accounts", in: reader) { try $0.get(TransferRecord.self, AccountsProjection.transfers, key: RowKeys.text(id)) }
    }

    /// A page of an account's statement, oldest first; `nil` when `caller` may not see it.
    public func statement(_ id: String, for caller: Caller, limit: Int, after: String?) throws -> Page<EntryRecord>? {
        try runner.read("ledger-accounts") { reader in
            guard try visible(id, to: caller, in: reader) else { return nil }
            return try reader.page(AccountsProjection.entries, prefix: RowKeys.pair(id, []), after: after, limit: limit) { _, value in
                try reader.decode(EntryRecord.self, from: value)
            }
        }
    }

    /// The daily totals of days `from` through `to` (`YYYY-MM-DD`), and the position they reflect.
    public func dailyTotals(from: String, to: String) throws -> (days: [DailyTotals], position: UInt64) {
        try runner.read("ledger-daily") { reader in
            var days: [DailyTotals] = []
            try reader.scan(DailyTotalsProjection.days, from: RowKeys.text(from)) { key, value in
                guard key.lexicographicallyPrecedes(RowKeys.text(to)) || key.elementsEqual(RowKeys.text(to)) else { return false }
                days.append(try reader.decode(DailyTotals.self, from: value))
                return true
            }
            return (days, reader.position)
        }
    }

    /// Runs `queries` where they may wait for the store.
    public func reading<T: Sendable>(_ queries: @escaping @Sendable (LedgerService) throws -> T) async throws -> T {
        try await app.store.offload { [self] in try queries(self) }
    }

    /// Whether account `id` exists and `caller` may see it: its owner, or an admin.
    private func visible(_ id: String, to caller: Caller, in reader: ReadModelReader) throws -> Bool {
        guard let owner = try reader.get(AccountRecord.self, AccountsProjection.byId, key: RowKeys.text(id))?.ownerId else { return false }
        return owner == caller.userId || caller.isAdmin
    }
}
