/// Work a higher layer runs inside the store's write transaction after each request's events are
/// written: inline projections, uniqueness checks. If it throws, that request fails as a whole
/// with the thrown error (its events and table writes vanish) and the other requests sharing the
/// commit are not affected.
public protocol AppendHook: Sendable {
    /// Called on the writer thread with the events one request just wrote, in log order.
    func didAppend(_ events: [RecordedEvent], in transaction: any StoreTransaction) throws
}
