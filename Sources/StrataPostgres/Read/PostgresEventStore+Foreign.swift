import PostgresNIO
import StrataStore

/// How this process hears of other servers' commits. Every write transaction counts itself on the
/// head row and leaves its notes in `strata_changes`; whoever here first sees a count beyond the
/// one accounted for — the writer locking the head, or the listener (a notification, a poll) —
/// tells the foreign observers what those commits noted, and only then lets readers see the head.
extension PostgresEventStore {
    /// Tells the foreign observers of the commits up to `commits` (the head then at `head`) that
    /// this process has not accounted for, with their `notes` (`nil`: unknown), then records the head.
    func observeForeign(through commits: Int64, head seen: UInt64, notes: [String]?) {
        if commits > accountedCommits.load(ordering: .acquiring) {
            tellForeignObservers(ForeignCommits(head: seen, notes: notes))
            raiseAccounted(to: commits)
        }
        observe(head: seen)
    }

    /// Tells every `onForeignCommits` observer of `report`.
    func tellForeignObservers(_ report: ForeignCommits) {
        for observer in foreignObservers.withLock({ $0 }) { observer(report) }
    }

    /// Counts the commits up to `commits` as accounted for (this process's own before it sends
    /// it, so that its notification is not taken for another server's).
    func raiseAccounted(to commits: Int64) {
        var accounted = accountedCommits.load(ordering: .acquiring)
        while commits > accounted {
            let (exchanged, actual) = accountedCommits.compareExchange(expected: accounted, desired: commits, ordering: .acquiringAndReleasing)
            if exchanged { return }
            accounted = actual
        }
    }

    /// The notes of the commits after `accounted` up to `commits`, read on the listener's
    /// connection; `nil` when `strata_changes` no longer holds every one of them.
    static func notes(after accounted: Int64, through commits: Int64, on connection: PostgresConnection, logger: Logger) async throws -> [String]? {
        guard commits - accounted <= WriterCache.catchUpLimit else { return nil }
        let query: PostgresQuery = """
            SELECT (SELECT count(*) FROM strata_changes WHERE commits > \(accounted) AND commits <= \(commits)),
                ARRAY(SELECT n.note FROM strata_changes c, unnest(c.notes) WITH ORDINALITY AS n(note, i)
                      WHERE c.commits > \(accounted) AND c.commits <= \(commits) ORDER BY c.commits, n.i)
            """
        for try await (count, notes) in try await connection.query(query, logger: logger).decode((Int64, [String]).self) {
            return count == commits - accounted ? notes : nil
        }
        return nil
    }

    /// Records a head: this process's own commit (`local`), or one seen in the database after its
    /// foreign observers have heard of it. Readers see it from then on.
    func observe(head seen: UInt64, local: Bool = false) {
        // This process's commit, seen early: `finish` publishes it after its own invalidations.
        if !local && seen <= committingHead.load(ordering: .acquiring) { return }
        var current = head.load(ordering: .acquiring)
        while seen > current {
            let (exchanged, actual) = head.compareExchange(expected: current, desired: seen, ordering: .acquiringAndReleasing)
            if exchanged {
                notifier.publish(seen)
                return
            }
            current = actual
        }
    }
}
