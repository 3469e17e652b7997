import StrataStore

extension ProjectionRunner {
    /// Invalidates every view of every projection whenever another process sharing the store
    /// commits (``EventStore/onForeignCommits(_:)``): the response and status caches drop what
    /// they hold before this process can read past that commit, so a request with its
    /// `Strata-Min-Position` never gets an older view, and without one a view outlives another
    /// server's write only as long as the store takes to hear of it (a notification, or a poll).
    func invalidateOnForeignCommits() {
        guard let invalidations else { return }
        let views = Set(projections.values.flatMap { $0.views.map(\.name) })
        log.onForeignCommits { position in
            for view in views { invalidations.publish(.view(view, position: position)) }
        }
    }
}
