import StrataKit

/// An account as its decisions need it: owner, balance, whether it is closed.
public struct Account: Aggregate, Hashable {
    public static let category = "account"
    public var id: String?
    public var ownerId: String?
    public var balanceCents = 0
    public var isClosed = false

    public init() {}

    public mutating func apply(_ event: any Event) {
        switch event {
        case let event as AccountOpened: (id, ownerId) = (event.accountId, event.ownerId)
        case let event as FundsDeposited: balanceCents += event.amountCents
        case let event as FundsWithdrawn: balanceCents -= event.amountCents
        case let event as TransferSent: balanceCents -= event.amountCents
        case let event as TransferReceived: balanceCents += event.amountCents
        case is AccountClosed: isClosed = true
        default: break
        }
    }

    /// Opens a new account for `ownerId`.
    public func open(id: String, ownerId: String, name: String) throws(LedgerError) -> [any Event] {
        guard self.id == nil else { throw .alreadyExists }
        try LedgerRules.require(LedgerRules.issues(name: name))
        return [AccountOpened(accountId: id, ownerId: ownerId, name: name.trimmingCharacters(in: .whitespacesAndNewlines))]
    }

    /// Checks that `caller` may act on it (its owner, or an admin where `admins`); anyone else
    /// finds nothing, as if it did not exist.
    public func require(_ caller: Caller, admins: Bool) throws(LedgerError) {
        guard let ownerId, ownerId == caller.userId || (admins && caller.isAdmin) else { throw .notFound }
    }

    /// Pays in `amount`.
    public func deposit(_ amount: Int) throws(LedgerError) -> [any Event] {
        try receivable(amount)
        return [FundsDeposited(accountId: id ?? "", amountCents: amount)]
    }

    /// Takes out `amount`; never below zero.
    public func withdraw(_ amount: Int) throws(LedgerError) -> [any Event] {
        try payable(amount)
        return [FundsWithdrawn(accountId: id ?? "", amountCents: amount)]
    }

    /// The sending side of transfer `transferId` to `to`, whose receiving side is checked too.
    public func send(_ amount: Int, transferId: String, to: Account) throws(LedgerError) -> (sent: [any Event], received: [any Event]) {
        guard let from = id, let toId = to.id else { throw .notFound }
        try LedgerRules.require(LedgerRules.issues(from: from, to: toId))
        try payable(amount)
        try to.receivable(amount)
        return (
            [TransferSent(accountId: from, transferId: transferId, toAccountId: toId, amountCents: amount)],
            [TransferReceived(accountId: toId, transferId: transferId, fromAccountId: from, amountCents: amount)]
        )
    }

    /// Closes the account once it is empty.
    public func close() throws(LedgerError) -> [any Event] {
        guard let id else { throw .notFound }
        guard !isClosed else { throw .invalidState("the account is closed") }
        guard balanceCents == 0 else { throw .invalidState("the balance must be 0 to close the account") }
        return [AccountClosed(accountId: id)]
    }

    private func payable(_ amount: Int) throws(LedgerError) {
        try usable(amount)
        guard amount <= balanceCents else { throw .insufficientFunds }
    }

    private func receivable(_ amount: Int) throws(LedgerError) {
        try usable(amount)
        guard balanceCents <= LedgerRules.maximumBalance - amount else {
            throw .invalidInput([FieldIssue("amountCents", "would take the balance past \(LedgerRules.maximumBalance)")])
        }
    }

    private func usable(_ amount: Int) throws(LedgerError) {
        guard id != nil else { throw .notFound }
        guard !isClosed else { throw .invalidState("the account is closed") }
        try LedgerRules.require(LedgerRules.issues(amountCents: amount))
    }
}
