/// Events for one stream within an ``AppendRequest``, with the version the writer expects.
public struct StreamAppend: Sendable {
    /// The stream id (1–255 UTF-8 bytes, no NUL).
    public var streamId: String
    /// The optimistic concurrency check for this stream.
    public var expectedVersion: ExpectedVersion
    /// The events, in order. May be empty: then the stream is only checked.
    public var events: [EventData]

    public init(streamId: String, expectedVersion: ExpectedVersion, events: [EventData]) {
        self.streamId = streamId
        self.expectedVersion = expectedVersion
        self.events = events
    }
}

/// One atomic append: events for one or more distinct streams. Either every stream's expectation
/// holds and every event is appended (with contiguous positions), or nothing is.
public struct AppendRequest: Sendable {
    /// The streams, in the order their events get positions.
    public var streams: [StreamAppend]
    /// Work to run inside the write transaction after this request's events are written, such as
    /// storing an idempotency record. If it throws, the request fails as a whole with that error
    /// and the other requests of the batch are not affected.
    public var inTransaction: (@Sendable (_ result: AppendResult, _ events: [RecordedEvent], _ transaction: any StoreTransaction) throws -> Void)?
    /// Whether the store's ``AppendHook`` runs for this request. A caller that does the hook's
    /// work itself in ``inTransaction`` sets it to `false`: the kit's command executor hands the
    /// inline projections the events it decided, typed, instead of letting the hook decode them.
    public var runsAppendHook: Bool

    public init(
        streams: [StreamAppend],
        inTransaction: (@Sendable (_ result: AppendResult, _ events: [RecordedEvent], _ transaction: any StoreTransaction) throws -> Void)? = nil,
        runsAppendHook: Bool = true
    ) {
        self.streams = streams
        self.inTransaction = inTransaction
        self.runsAppendHook = runsAppendHook
    }

    /// A request for a single stream.
    public init(streamId: String, expectedVersion: ExpectedVersion, events: [EventData]) {
        self.init(streams: [StreamAppend(streamId: streamId, expectedVersion: expectedVersion, events: events)])
    }

    /// How many events the request appends.
    public var eventCount: Int { streams.reduce(0) { $0 + $1.events.count } }
}

/// What a durable append wrote.
public struct AppendResult: Sendable, Hashable {
    /// Each stream of the request with the version it is at now.
    public var streams: [StreamResult]
    /// The positions given to the request's events (contiguous); `nil` when it had no events.
    public var positions: ClosedRange<UInt64>?
    /// The head of the log after the commit that made this append durable (at least the last
    /// position of this request; later when other requests shared the commit).
    public var committedHead: UInt64

    public init(streams: [StreamResult], positions: ClosedRange<UInt64>?, committedHead: UInt64) {
        self.streams = streams
        self.positions = positions
        self.committedHead = committedHead
    }

    /// A stream's outcome.
    public struct StreamResult: Sendable, Hashable {
        public var streamId: String
        /// The stream's version after the append.
        public var version: UInt64
        /// The version of its first appended event; `nil` when none were appended to it.
        public var firstVersion: UInt64?

        public init(streamId: String, version: UInt64, firstVersion: UInt64?) {
            self.streamId = streamId
            self.version = version
            self.firstVersion = firstVersion
        }
    }
}
