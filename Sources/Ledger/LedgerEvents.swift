import StrataKit

/// An account was opened for `ownerId`.
public struct AccountOpened: Event, Hashable {
    public static let eventType = "LedgerAccountOpened"
    public var accountId: String
    public var ownerId: String
    public var name: String
    public init(accountId: String, ownerId: String, name: String) { (self.accountId, self.ownerId, self.name) = (accountId, ownerId, name) }
}

/// Money was paid into an account.
public struct FundsDeposited: Event, Hashable {
    public static let eventType = "LedgerFundsDeposited"
    public var accountId: String
    public var amountCents: Int
    public init(accountId: String, amountCents: Int) { (self.accountId, self.amountCents) = (accountId, amountCents) }
}

/// Money was taken out of an account.
public struct FundsWithdrawn: Event, Hashable {
    public static let eventType = "LedgerFundsWithdrawn"
    public var accountId: String
    public var amountCents: Int
    public init(accountId: String, amountCents: Int) { (self.accountId, self.amountCents) = (accountId, amountCents) }
}

/// One side of a transfer: money left `accountId` for `toAccountId`.
public struct TransferSent: Event, Hashable {
    public static let eventType = "LedgerTransferSent"
    public var accountId: String
    public var transferId: String
    public var toAccountId: String
    public var amountCents: Int
    public init(accountId: String, transferId: String, toAccountId: String, amountCents: Int) { (self.accountId, self.transferId, self.toAccountId, self.amountCents) = (accountId, transferId, toAccountId, amountCents) }
}

/// The other side, appended with it: money reached `accountId` from `fromAccountId`.
public struct TransferReceived: Event, Hashable {
    public static let eventType = "LedgerTransferReceived"
    public var accountId: String
    public var transferId: String
    public var fromAccountId: String
    public var amountCents: Int
    public init(accountId: String, transferId: String, fromAccountId: String, amountCents: Int) { (self.accountId, self.transferId, self.fromAccountId, self.amountCents) = (accountId, transferId, fromAccountId, amountCents) }
}

/// An account with nothing in it was closed.
public struct AccountClosed: Event, Hashable {
    public static let eventType = "LedgerAccountClosed"
    public var accountId: String
    public init(accountId: String) { self.accountId = accountId }
}
