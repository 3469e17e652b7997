import Logging
import StrataStore
import Tracing

/// What a command produced: the decision's value and, when it appended, where.
public struct CommandResult<Value: Sendable>: Sendable {
    /// What the decision returned.
    public var value: Value
    /// The append, or `nil` when the decision added no events.
    public var append: AppendResult?
    /// The last position the command appended, or the log head it was decided at when it
    /// appended nothing: the `Strata-Position` of its answer.
    public var position: UInt64

    /// A command's outcome.
    public init(value: Value, append: AppendResult?, position: UInt64) {
        self.value = value
        self.append = append
        self.position = position
    }
}

/// Runs commands: load the aggregates, decide (pure), append with the versions decided on.
///
/// A few optimistic attempts run the decision outside the writer and retry on a version conflict.
/// If those keep losing — a hot product under many concurrent orders — the decision runs inside
/// the writer's transaction, where nothing can overtake it. So contention costs latency, never a
/// spurious error: the only errors are the decision's own.
public struct CommandExecutor: Sendable {
    /// The store commands are decided on and appended to.
    public let log: any EventStore
    /// Encodes the decided events and decodes the streams a decision folds.
    public let registry: EventRegistry
    /// Aggregates folded by earlier commands, reused while their streams have not moved.
    public let cache: AggregateCache
    /// Hashes unique values (emails, SKUs) into their reservations' stream ids.
    public let hasher: UniqueValueHasher
    /// Where states of long streams are stored (``AggregateSnapshots``), or `nil` for none.
    public let snapshots: AggregateSnapshots?
    /// The projections the store's append hook runs, handed each command's events as decided
    /// instead (in the append's transaction), or `nil` to leave them to the hook.
    public let projections: ProjectionRunner?
    /// Optimistic attempts before deciding on the writer (by default 3, or none where the store
    /// prefers decisions on the writer).
    public var optimisticAttempts: Int

    /// An executor over `log`; a process has one, its ``StrataApp``'s.
    public init(
        log: any EventStore,
        registry: EventRegistry,
        hasher: UniqueValueHasher,
        cache: AggregateCache = AggregateCache(),
        snapshots: AggregateSnapshots? = nil,
        projections: ProjectionRunner? = nil,
        optimisticAttempts: Int? = nil
    ) {
        self.log = log
        self.registry = registry
        self.cache = cache
        self.snapshots = snapshots
        self.projections = projections
        self.hasher = hasher
        self.optimisticAttempts = optimisticAttempts ?? (log.traits.prefersDecisionsOnTheWriter ? 0 : 3)
    }

    /// Runs `decide` and appends what it added atomically. `followUp` runs inside the write
    /// transaction once the events and the inline projections are written; if it throws, nothing
    /// is appended.
    public func execute<Value: Sendable>(
        metadata: EventMetadata,
        followUp: CommandFollowUp? = nil,
        _ decide: @escaping @Sendable (CommandContext) throws -> Value
    ) async throws -> CommandResult<Value> {
        try await execute(metadata: metadata, followUp: { _ in followUp }, decide)
    }

    /// Runs `decide` and appends what it added atomically, with the follow-up that `followUp`
    /// chooses for the decided value (none: the append stands alone).
    public func execute<Value: Sendable>(
        metadata: EventMetadata,
        followUp: @escaping @Sendable (Value) -> CommandFollowUp?,
        _ decide: @escaping @Sendable (CommandContext) throws -> Value
    ) async throws -> CommandResult<Value> {
        for _ in 0..<max(0, optimisticAttempts) {
            let (value, request, head, context) = try withSpan("strata.decide") { _ in try log.withSnapshot { snapshot in
                let context = CommandContext(
                    reader: snapshot,
                    registry: registry,
                    cache: cache,
                    snapshots: snapshots,
                    cacheable: true,
                    hasher: hasher,
                    metadata: metadata
                )
                let value = try decide(context)
                return (value, try context.appendRequest(), try snapshot.headPosition(), context)
            } }
            guard let request else {
                try await awaitDurable(head)
                return CommandResult(value: value, append: nil, position: head)
            }
            let commitFollowUp = followUp(value)
            do {
                let result = try await withSpan("strata.commit") { span in
                    var request = request
                    let writerSpans = span.isRecording ? WriterSpans() : nil
                    defer { writerSpans?.emit(under: span.context) }
                    prepare(&request, decided: context, followUp: commitFollowUp, spans: writerSpans)
                    let result = try await log.append(request)
                    span.record(result)
                    return result
                }
                context.cacheDecidedStates(result)
                return CommandResult(value: value, append: result, position: result.positions?.upperBound ?? result.committedHead)
            } catch let error as EventStoreError where error.code == .conflict {
                continue
            }
        }
        let (outcome, _) = try await withSpan("strata.commit") { span in
            span.attributes["strata.decided_on_writer"] = true
            let writerSpans = span.isRecording ? WriterSpans() : nil
            defer { writerSpans?.emit(under: span.context) }
            let done = try await log.perform { [self] transaction in
                let context = CommandContext(
                    reader: transaction,
                    registry: registry,
                    cache: cache,
                    snapshots: snapshots,
                    cacheable: false,
                    hasher: hasher,
                    metadata: metadata
                )
                let value = try WriterSpans.measure("strata.decide", in: writerSpans) { try decide(context) }
                guard var request = try context.appendRequest() else {
                    return (value, AppendResult?.none, try transaction.headPosition())
                }
                prepare(&request, decided: context, followUp: followUp(value), spans: writerSpans)
                let result = try transaction.append(request)
                // Once durable, what was decided is committed: the next command starts from it.
                let decided = DecidedStates(context: context, result: result)
                transaction.afterCommit { decided.cache() }
                return (value, result, result.positions?.upperBound ?? 0)
            }
            if let result = done.value.1 { span.record(result) }
            return done
        }
        return CommandResult(value: outcome.0, append: outcome.1, position: outcome.2)
    }
}

extension CommandExecutor {
    /// Waits until the log is durable through `position`. A decision that appended nothing is
    /// answered from what its snapshot saw, and a snapshot can see a commit whose callers still
    /// wait for its sync (LMDB's group commit leaves a meta page for the next commit's sync): its
    /// answer must not come before that commit's. Only that short window waits, polling the log's
    /// durable head; if it never gets there (the sync failed), the command fails.
    func awaitDurable(_ position: UInt64) async throws {
        guard try log.headPosition() < position else { return }
        let deadline = ContinuousClock.now + .seconds(10)
        while try log.headPosition() < position {
            guard ContinuousClock.now < deadline else {
                throw EventStoreError(.storage, "the commit at position \(position) this decision read did not become durable")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// A writer-side decision's states, cached once its commit is durable. The context is touched
/// only on the writer thread: inside the job, then in its after-commit action.
private final class DecidedStates: @unchecked Sendable {
    let context: CommandContext
    let result: AppendResult

    init(context: CommandContext, result: AppendResult) {
        self.context = context
        self.result = result
    }

    func cache() {
        context.cacheDecidedStates(result)
    }
}

extension Span {
    /// The positions and the events a commit appended, as the commit span's attributes.
    func record(_ result: AppendResult) {
        guard let positions = result.positions else { return }
        attributes["strata.position.first"] = Int(positions.lowerBound)
        attributes["strata.position.last"] = Int(positions.upperBound)
        attributes["strata.events"] = positions.count
    }
}
