import Synchronization

/// How many live feeds (SSE) may be open at once, per user and in all. A feed holds a connection
/// and a task for as long as the client listens, so an unbounded number is a way to exhaust the
/// server: beyond the user's share a new feed is 429 `rate_limited`, beyond the total 503
/// `unavailable`, each with `Retry-After`.
public final class LiveFeedLimiter: Sendable {
    /// Feeds one user may hold open at once.
    public let perUser: Int
    /// Feeds all users together may hold open at once.
    public let total: Int
    private let open = Mutex<(total: Int, byUser: [String: Int])>((0, [:]))

    public init(perUser: Int = 4, total: Int = 256) {
        self.perUser = max(1, perUser)
        self.total = max(1, total)
    }

    /// Takes a slot for `user`, or throws the problem that says why not.
    public func acquire(for user: String) throws -> LiveFeedSlot {
        try open.withLock { open in
            guard open.total < total else {
                throw Problem(
                    status: .serviceUnavailable,
                    code: "unavailable",
                    detail: "the server holds as many live feeds as it allows (\(total)); retry later",
                    headers: ["Retry-After": "5"]
                )
            }
            guard open.byUser[user, default: 0] < perUser else {
                throw Problem(
                    status: .tooManyRequests,
                    code: "rate_limited",
                    detail: "at most \(perUser) live feeds per user may be open at once",
                    headers: ["Retry-After": "5"]
                )
            }
            open.total += 1
            open.byUser[user, default: 0] += 1
        }
        return LiveFeedSlot(limiter: self, user: user)
    }

    fileprivate func release(_ user: String) {
        open.withLock { open in
            open.total -= 1
            let left = open.byUser[user, default: 1] - 1
            open.byUser[user] = left > 0 ? left : nil
        }
    }

    /// Feeds open now (for metrics and tests).
    public var openFeeds: Int { open.withLock { $0.total } }
}

/// One open feed's place; given back once, when the feed ends.
public final class LiveFeedSlot: Sendable {
    private let limiter: LiveFeedLimiter
    private let user: String
    private let released = Atomic<Bool>(false)

    fileprivate init(limiter: LiveFeedLimiter, user: String) {
        self.limiter = limiter
        self.user = user
    }

    /// Gives the place back (only the first call counts).
    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        limiter.release(user)
    }

    deinit { release() }
}
