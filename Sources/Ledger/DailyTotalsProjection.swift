import Foundation
import StrataKit

/// What moved through the ledger each day (UTC): accounts opened, deposits, withdrawals and
/// transfers, counted and summed. Async: it never slows a command, and `Strata-Min-Position`
/// waits for it.
public struct DailyTotalsProjection: Projection {
    public let name = "ledger-daily"
    public let version = 1
    public let mode = ProjectionMode.async
    public let eventTypes: Set<String> = [AccountOpened.eventType, FundsDeposited.eventType, FundsWithdrawn.eventType, TransferSent.eventType]
    /// `YYYY-MM-DD` → totals.
    public static let days: ReadModelTable = "days"
    public let tables: [ReadModelTable] = [days]
    public let views: Set<ViewName> = []

    public init() {}

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        let day = Self.day(of: envelope.recordedAt)
        var totals = try store.get(DailyTotals.self, Self.days, key: RowKeys.text(day)) ?? DailyTotals(day: day)
        switch envelope.event {
        case is AccountOpened: totals.accountsOpened += 1
        case let event as FundsDeposited: (totals.deposits, totals.depositedCents) = (totals.deposits + 1, totals.depositedCents + event.amountCents)
        case let event as FundsWithdrawn: (totals.withdrawals, totals.withdrawnCents) = (totals.withdrawals + 1, totals.withdrawnCents + event.amountCents)
        case let event as TransferSent: (totals.transfers, totals.transferredCents) = (totals.transfers + 1, totals.transferredCents + event.amountCents)
        default: return
        }
        try store.put(totals, Self.days, key: RowKeys.text(day))
    }

    /// The UTC day of `date`, as `YYYY-MM-DD`.
    public static func day(of date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }
}
