import Foundation
import StrataKit

/// An account as the API shows it.
public struct AccountRecord: Codable, Sendable, Hashable, VersionedRecord {
    public enum Status: String, Codable, Sendable { case open, closed }
    public var id: String
    public var name: String
    public var ownerId: String
    public var balanceCents: Int
    public var status: Status
    public var version: UInt64
    public var createdAt: Date
}

/// One line of an account's statement, with the balance after it.
public struct EntryRecord: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case deposit, withdrawal, transfer_in, transfer_out }
    public var kind: Kind
    public var amountCents: Int
    public var balanceCents: Int
    public var transferId: String?
    public var at: Date
}

/// A transfer as the API shows it.
public struct TransferRecord: Codable, Sendable, Hashable {
    public var id: String
    public var fromAccountId: String
    public var toAccountId: String
    public var amountCents: Int
    public var createdAt: Date
}

/// What moved through the ledger on one day (UTC).
public struct DailyTotals: Codable, Sendable, Hashable {
    public var day: String
    public var accountsOpened = 0
    public var deposits = 0
    public var depositedCents = 0
    public var withdrawals = 0
    public var withdrawnCents = 0
    public var transfers = 0
    public var transferredCents = 0
}
