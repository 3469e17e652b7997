import Foundation
import Logging
import StrataStore
import Synchronization

/// Why the runner refused something.
public struct ProjectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Runs projections: inline ones as the store's append hook (`ProjectionRunner+Inline`), async
/// ones as background followers with parking (`+Follow`, `ParkedEvents`), and rebuilds of either
/// into fresh tables that are swapped in atomically while the old ones keep serving (`+Rebuild`,
/// `+Verify`). Reads and status are in `+Reading`; checkpoints in `CheckpointStore`.
public final class ProjectionRunner: AppendHook, Sendable {
    /// The store whose events the projections follow and whose tables they write.
    public let log: any EventStore
    /// Decodes the events the projections apply.
    public let registry: EventRegistry
    /// Where the views that commits changed are reported.
    public let invalidations: ViewInvalidations?
    let projections: [String: any Projection]
    /// Names in registration order.
    public let names: [String]
    let inline: [any Projection]
    let checkpoints: CheckpointStore
    let parked: ParkedEvents
    let logger: Logger
    let batchSize: Int
    let rebuildBatchSize: Int
    let attemptsBeforeParking: Int
    let followers = Mutex<[String: Task<Void, Never>]>([:])
    let progress = Mutex<[String: UInt64]>([:])
    let rebuilding = Mutex<Set<String>>([])
    /// Decoded rows of every projection's tables, checked against their bytes on each read.
    let rows = RowCache()
    /// Each inline projection's tables of its live generation, by logical name, as the append
    /// hook last opened them: the tables exist from ``prepare()`` on, and a rebuild's swap
    /// changes the generation, so an entry is used only for the generation it was made for.
    let inlineTables = Mutex<[String: (generation: UInt32, tables: [String: Table])]>([:])
    /// The events this process committed, for its async projections (`DecidedEnvelopes`);
    /// `nil` when it runs none.
    let decided: DecidedEnvelopes?
    /// Who applies each async projection when the store is shared by several processes.
    let leases: WorkLeases?
    /// The least time between an async projection's batches once it has caught up.
    let followInterval: Duration

    /// A runner of `projections` over `log`; a process has one, its ``StrataApp``'s. Names must be 1–64 of `[a-z0-9_-]` and distinct.
    public init(
        log: any EventStore,
        registry: EventRegistry,
        projections: [any Projection],
        invalidations: ViewInvalidations? = nil,
        logger: Logger = Logger(label: "strata.projections"),
        batchSize: Int = 500,
        rebuildBatchSize: Int = 10_000,
        attemptsBeforeParking: Int = 3,
        leaseDuration: TimeInterval = 5,
        followInterval: Duration? = nil
    ) throws {
        var byName: [String: any Projection] = [:]
        for projection in projections {
            guard projection.name.range(of: "^[a-z0-9_-]{1,64}$", options: .regularExpression) != nil else {
                throw ProjectionError(message: "projection name \(projection.name) must be 1–64 of [a-z0-9_-]")
            }
            guard byName.updateValue(projection, forKey: projection.name) == nil else {
                throw ProjectionError(message: "projection \(projection.name) is registered twice")
            }
        }
        self.log = log
        self.registry = registry
        self.invalidations = invalidations
        self.projections = byName
        self.names = projections.map(\.name)
        self.inline = projections.filter { $0.mode == .inline }
        self.decided = projections.contains { $0.mode == .async } ? DecidedEnvelopes(capacity: 16_384) : nil
        self.checkpoints = CheckpointStore(store: log)
        self.parked = ParkedEvents(store: log)
        self.logger = logger
        self.batchSize = max(1, batchSize)
        self.rebuildBatchSize = max(1, rebuildBatchSize)
        self.attemptsBeforeParking = max(1, attemptsBeforeParking)
        self.leases = log.traits.isShared ? WorkLeases(owner: UUID().uuidString, duration: max(1, leaseDuration)) : nil
        self.followInterval = followInterval ?? (log.traits.isShared ? Self.sharedFollowInterval : .zero)
    }

    /// The default `followInterval` on a store several processes share: each batch there is a
    /// commit under the database's head lock, which every server's writer waits for, so an async
    /// projection that keeps up commits at most ten times a second. Locally its batches ride in
    /// the writer's group commits and follow the log at once.
    public static let sharedFollowInterval: Duration = .milliseconds(100)

    /// The projection called `name`.
    func projection(_ name: String) throws -> any Projection {
        guard let projection = projections[name] else { throw ProjectionError(message: "no projection \(name)") }
        return projection
    }

    // MARK: Start and stop

    /// Prepares every projection and starts the async ones. A projection that is new on a non-empty
    /// log, or whose version changed, is rebuilt first (before this returns).
    public func start() async throws {
        let stale = try await prepare()
        log.setAppendHook(self)
        if !stale.isEmpty {
            logger.info("rebuilding projections", metadata: ["projections": "\(stale.joined(separator: ", "))"])
            try await rebuild(stale)
        }
        // Nothing reads yet: the generations those rebuilds retired can go now.
        if !stale.isEmpty { try await dropRetiredTables() }
        for projection in names.compactMap({ projections[$0] }) where projection.mode == .async {
            let task = Task { [self] in await follow(projection) }
            followers.withLock { $0[projection.name] = task }
        }
        invalidateOnForeignCommits()
    }

    /// Creates the checkpoint rows and tables of new projections, abandons interrupted rebuilds,
    /// and drops retired generations; returns the projections that need a rebuild (new on a
    /// non-empty log, or of another version). Starts nothing: `strata-replay` uses it alone.
    @discardableResult
    public func prepare() async throws -> [String] {
        let projections = names.compactMap { self.projections[$0] }
        let stale = try await log.perform { [checkpoints, parked] transaction in
            var needRebuild: [String] = []
            let head = try transaction.headPosition()
            for projection in projections {
                if var checkpoint = try checkpoints.checkpoint(projection.name, in: transaction) {
                    if checkpoint.rebuildGeneration != 0 {
                        // An interrupted rebuild: start it over later if needed.
                        checkpoint.rebuildGeneration = 0
                        checkpoint.rebuildPosition = 0
                        try checkpoints.save(checkpoint, projection.name, in: transaction)
                    }
                    _ = try checkpoints.tables(of: projection, generation: checkpoint.generation, in: transaction)
                    if checkpoint.version != UInt32(projection.version) { needRebuild.append(projection.name) }
                } else {
                    let checkpoint = ProjectionCheckpoint(version: UInt32(projection.version), generation: 1, position: 0)
                    try checkpoints.save(checkpoint, projection.name, in: transaction)
                    _ = try checkpoints.tables(of: projection, generation: 1, in: transaction)
                    if head > 0 { needRebuild.append(projection.name) }
                }
            }
            try parked.prepare(in: transaction)
            return needRebuild
        }.value
        try await dropRetiredTables()
        return stale
    }

    /// Stops the async followers and waits for them.
    public func stop() async {
        let tasks = followers.withLock { followers in
            defer { followers.removeAll() }
            return Array(followers.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await releaseLeases()
    }

    /// Drops tables of generations that neither serve nor are being rebuilt (left by swaps).
    /// Only safe while nothing reads them: at start, or offline.
    public func dropRetiredTables() async throws {
        let names = try log.tableNames()
        let live: Set<String> = try log.withSnapshot { snapshot in
            var live = Set<String>()
            for projection in projections.values {
                guard let checkpoint = try checkpoints.checkpoint(projection.name, in: snapshot) else { continue }
                for generation in [checkpoint.generation, checkpoint.rebuildGeneration] where generation != 0 {
                    for table in projection.tables {
                        live.insert(ProjectionCheckpoint.tableName(projection: projection.name, generation: generation, table: table))
                    }
                }
            }
            return live
        }
        let retired = names.filter { name in
            guard name.hasPrefix("rm."), !live.contains(name) else { return false }
            let projection = name.split(separator: ".").dropFirst().first.map(String.init) ?? ""
            return projections[projection] != nil
        }
        guard !retired.isEmpty else { return }
        try await log.write { transaction in
            for name in retired { try transaction.drop(try transaction.table(named: name)) }
        }
    }
}
