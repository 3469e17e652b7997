import StrataKit

/// The ledger as a module: accounts, deposits, withdrawals and transfers, its accounts and
/// statements read model, and the daily totals.
public struct LedgerModule: StrataModule {
    public let name = "ledger"
    public let eventTypes: [any Event.Type] = [
        AccountOpened.self, FundsDeposited.self, FundsWithdrawn.self, TransferSent.self, TransferReceived.self, AccountClosed.self,
    ]

    public init() {}

    public func projections(_ context: ModuleContext) -> [any Projection] { [AccountsProjection(), DailyTotalsProjection()] }
}
