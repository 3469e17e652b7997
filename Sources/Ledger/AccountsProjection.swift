import Foundation
import StrataKit

/// Accounts by id, each account's statement oldest first, and transfers by id: written in the
/// command's own transaction, so a command's answer and the next GET see it.
public struct AccountsProjection: Projection {
    public let name = "ledger-accounts"
    public let version = 1
    public let mode = ProjectionMode.inline
    public let eventTypes: Set<String> = [
        AccountOpened.eventType, FundsDeposited.eventType, FundsWithdrawn.eventType,
        TransferSent.eventType, TransferReceived.eventType, AccountClosed.eventType,
    ]
    public static let byId = ReadModelTable.versioned("byId")
    /// `accountId · 0 · stream version (big-endian)` → entry.
    public static let entries: ReadModelTable = "entries"
    public static let transfers: ReadModelTable = "transfers"
    public let tables: [ReadModelTable] = [byId, entries, transfers]
    /// An account's view, by account id: what a cache of its answers follows.
    public static let accountView: ViewName = "ledgerAccount"
    public let views: Set<ViewName> = [accountView]

    public init() {}

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        let at = envelope.recordedAt
        if let opened = envelope.event as? AccountOpened {
            let record = AccountRecord(
                id: opened.accountId, name: opened.name, ownerId: opened.ownerId, balanceCents: 0, status: .open,
                version: envelope.streamVersion, createdAt: at
            )
            return try save(record, store)
        }
        let entry: (account: String, EntryRecord)
        switch envelope.event {
        case let event as FundsDeposited:
            entry = (event.accountId, EntryRecord(kind: .deposit, amountCents: event.amountCents, balanceCents: 0, at: at))
        case let event as FundsWithdrawn:
            entry = (event.accountId, EntryRecord(kind: .withdrawal, amountCents: -event.amountCents, balanceCents: 0, at: at))
        case let event as TransferSent:
            entry = (event.accountId, EntryRecord(kind: .transfer_out, amountCents: -event.amountCents, balanceCents: 0, transferId: event.transferId, at: at))
            let transfer = TransferRecord(
                id: event.transferId, fromAccountId: event.accountId, toAccountId: event.toAccountId, amountCents: event.amountCents, createdAt: at
            )
            try store.put(transfer, Self.transfers, key: RowKeys.text(event.transferId))
        case let event as TransferReceived:
            entry = (event.accountId, EntryRecord(kind: .transfer_in, amountCents: event.amountCents, balanceCents: 0, transferId: event.transferId, at: at))
        case let event as AccountClosed:
            guard var record = try store.get(AccountRecord.self, Self.byId, key: RowKeys.text(event.accountId)) else { return }
            record.status = .closed
            record.version = envelope.streamVersion
            return try save(record, store)
        default: return
        }
        guard var record = try store.get(AccountRecord.self, Self.byId, key: RowKeys.text(entry.account)) else { return }
        var line = entry.1
        record.balanceCents += line.amountCents
        record.version = envelope.streamVersion
        line.amountCents = abs(line.amountCents)
        line.balanceCents = record.balanceCents
        try store.put(line, Self.entries, key: Self.entryKey(entry.account, version: envelope.streamVersion))
        try save(record, store)
    }

    /// Where an account's entry at `version` of its stream is kept.
    public static func entryKey(_ accountId: String, version: UInt64) -> [UInt8] {
        RowKeys.pair(accountId, RowKeys.oldestFirst(version))
    }

    private func save(_ record: AccountRecord, _ store: ProjectionStore) throws {
        try store.put(record, Self.byId, key: RowKeys.text(record.id))
        store.changed(Self.accountView.key(record.id))
    }
}
