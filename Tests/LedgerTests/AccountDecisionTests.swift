import Ledger
import StrataKit
import Testing

/// Given events, when a decision, then events or an error: the ledger's rules with no disk and
/// no HTTP.
@Suite struct AccountDecisionTests {
    let opened = Account.folding([AccountOpened(accountId: "a", ownerId: "ann", name: "Main"), FundsDeposited(accountId: "a", amountCents: 500)])
    let other = Account.folding([AccountOpened(accountId: "b", ownerId: "bob", name: "Other")])

    @Test func openingTrimsTheNameAndHappensOnce() throws {
        let events = try Account().open(id: "a", ownerId: "ann", name: "  Main ")
        #expect(events.map { $0 as? AccountOpened } == [AccountOpened(accountId: "a", ownerId: "ann", name: "Main")])
        #expect(throws: LedgerError.alreadyExists) { try opened.open(id: "a", ownerId: "ann", name: "Again") }
        #expect(throws: LedgerError.invalidInput([FieldIssue("name", "must be 1–100 characters")])) { try Account().open(id: "x", ownerId: "ann", name: " ") }
    }

    @Test func aBalanceNeverGoesBelowZero() throws {
        #expect(try opened.withdraw(500).map { $0 as? FundsWithdrawn } == [FundsWithdrawn(accountId: "a", amountCents: 500)])
        #expect(throws: LedgerError.insufficientFunds) { try opened.withdraw(501) }
        #expect(throws: LedgerError.insufficientFunds) { try opened.send(501, transferId: "t", to: other) }
        #expect(throws: LedgerError.self) { try opened.deposit(0) }
        #expect(throws: LedgerError.self) { try opened.deposit(1_000_000_001) }
        #expect(throws: LedgerError.notFound) { try Account().deposit(5) }
    }

    @Test func aTransferIsBothSidesOrNothing() throws {
        let (sent, received) = try opened.send(200, transferId: "t", to: other)
        #expect(sent.map { $0 as? TransferSent } == [TransferSent(accountId: "a", transferId: "t", toAccountId: "b", amountCents: 200)])
        #expect(received.map { $0 as? TransferReceived } == [TransferReceived(accountId: "b", transferId: "t", fromAccountId: "a", amountCents: 200)])
        #expect(Account.folding([AccountOpened(accountId: "a", ownerId: "ann", name: "Main"), FundsDeposited(accountId: "a", amountCents: 500)] + sent).balanceCents == 300)
        #expect(throws: LedgerError.invalidInput([FieldIssue("toAccountId", "must be another account")])) { try opened.send(1, transferId: "t", to: opened) }
        #expect(throws: LedgerError.notFound) { try opened.send(1, transferId: "t", to: Account()) }
        let closed = Account.folding([AccountOpened(accountId: "b", ownerId: "bob", name: "Other"), AccountClosed(accountId: "b")])
        #expect(throws: LedgerError.invalidState("the account is closed")) { try opened.send(1, transferId: "t", to: closed) }
    }

    @Test func onlyAnEmptyAccountCloses() throws {
        #expect(throws: LedgerError.invalidState("the balance must be 0 to close the account")) { try opened.close() }
        #expect(try other.close().map { $0 as? AccountClosed } == [AccountClosed(accountId: "b")])
        let closed = Account.folding([AccountOpened(accountId: "b", ownerId: "bob", name: "Other"), AccountClosed(accountId: "b")])
        #expect(throws: LedgerError.invalidState("the account is closed")) { try closed.close() }
        #expect(throws: LedgerError.invalidState("the account is closed")) { try closed.deposit(1) }
    }

    @Test func theOwnerActsAndAdminsOnlyWhereGranted() throws {
        try opened.require(Caller(userId: "ann", isAdmin: false), admins: false)
        try opened.require(Caller(userId: "root", isAdmin: true), admins: true)
        #expect(throws: LedgerError.notFound) { try opened.require(Caller(userId: "root", isAdmin: true), admins: false) }
        #expect(throws: LedgerError.notFound) { try opened.require(Caller(userId: "bob", isAdmin: false), admins: true) }
    }
}
