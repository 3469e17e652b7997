import StrataStore

extension ProjectionRunner {
    /// Drops what other processes sharing the store changed (``EventStore/onForeignCommits(_:)``),
    /// before this process can read past their commits: the views their notes name, at the
    /// positions they name, exactly as their own caches dropped them — or every view of every
    /// projection when the notes are not known. A request with its `Strata-Min-Position` so never
    /// gets an older view, and without one a view outlives another server's write only as long as
    /// the store takes to hear of it (a notification, or a poll).
    func invalidateOnForeignCommits() {
        guard let invalidations else { return }
        let views = Set(projections.values.flatMap { $0.views.map(\.name) })
        log.onForeignCommits { commits in
            // Notes that are not views' (a consumer group's) are other layers' to read.
            guard let noted = commits.notes.map({ notes in notes.compactMap(ViewInvalidation.init(note:)) }) else {
                for view in views { invalidations.publish(.view(view, position: commits.head)) }
                return
            }
            var keys: [UInt64: [ViewKey]] = [:]
            for invalidation in noted {
                switch invalidation {
                case .keys(let changed, let position): keys[position, default: []] += changed
                case .view: invalidations.publish(invalidation)
                }
            }
            for (position, changed) in keys { invalidations.publish(.keys(changed, position: position)) }
        }
    }
}
