import Foundation
import Logging
import StrataLog
import Synchronization

/// Why the runner refused something.
public struct ProjectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Runs projections: inline ones as the log's append hook, async ones as background followers,
/// and rebuilds of either into fresh tables that are swapped in atomically while the old ones keep
/// serving.
public final class ProjectionRunner: AppendHook, Sendable {
    public let log: EventLog
    public let registry: EventRegistry
    public let cache: ViewCache?
    let projections: [String: any Projection]
    /// Names in registration order.
    public let names: [String]
    let inline: [any Projection]
    let logger: Logger
    let batchSize: Int
    let rebuildBatchSize: Int
    let attemptsBeforeParking: Int
    private let followers = Mutex<[String: Task<Void, Never>]>([:])
    private let progress = Mutex<[String: UInt64]>([:])
    private let rebuilding = Mutex<Set<String>>([])

    static let parkedTableName = "kit.parked"

    public init(
        log: EventLog,
        registry: EventRegistry,
        projections: [any Projection],
        cache: ViewCache? = nil,
        logger: Logger = Logger(label: "strata.projections"),
        batchSize: Int = 500,
        rebuildBatchSize: Int = 10_000,
        attemptsBeforeParking: Int = 3
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
        self.cache = cache
        self.projections = byName
        self.names = projections.map(\.name)
        self.inline = projections.filter { $0.mode == .inline }
        self.logger = logger
        self.batchSize = max(1, batchSize)
        self.rebuildBatchSize = max(1, rebuildBatchSize)
        self.attemptsBeforeParking = max(1, attemptsBeforeParking)
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
    }

    /// Creates the checkpoint rows and tables of new projections, abandons interrupted rebuilds,
    /// and drops retired generations; returns the projections that need a rebuild (new on a
    /// non-empty log, or of another version). Starts nothing: `strata-replay` uses it alone.
    @discardableResult
    public func prepare() async throws -> [String] {
        let projections = names.compactMap { self.projections[$0] }
        let stale = try await log.perform { [self] transaction in
            var needRebuild: [String] = []
            let head = try transaction.headPosition()
            for projection in projections {
                if var checkpoint = try checkpoint(projection.name, in: transaction) {
                    if checkpoint.rebuildGeneration != 0 {
                        // An interrupted rebuild: start it over later if needed.
                        checkpoint.rebuildGeneration = 0
                        checkpoint.rebuildPosition = 0
                        try save(checkpoint, projection.name, in: transaction)
                    }
                    _ = try tables(of: projection, generation: checkpoint.generation, in: transaction)
                    if checkpoint.version != UInt32(projection.version) { needRebuild.append(projection.name) }
                } else {
                    let checkpoint = ProjectionCheckpoint(version: UInt32(projection.version), generation: 1, position: 0)
                    try save(checkpoint, projection.name, in: transaction)
                    _ = try tables(of: projection, generation: 1, in: transaction)
                    if head > 0 { needRebuild.append(projection.name) }
                }
            }
            _ = try transaction.table(named: Self.parkedTableName)
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
    }

    /// Drops tables of generations that neither serve nor are being rebuilt (left by swaps).
    /// Only safe while nothing reads them: at start, or offline.
    public func dropRetiredTables() async throws {
        let names = try log.tableNames()
        let live: Set<String> = try log.withSnapshot { snapshot in
            var live = Set<String>()
            for projection in projections.values {
                guard let checkpoint = try checkpoint(projection.name, in: snapshot) else { continue }
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
        _ = try await log.write { transaction in
            for name in retired { try transaction.drop(try transaction.table(named: name)) }
        }
    }

    // MARK: Inline projections

    /// Applies the inline projections to one request's events, in its transaction.
    public func didAppend(_ events: [RecordedEvent], in transaction: LogTransaction) throws {
        guard !inline.isEmpty, let last = events.last else { return }
        var decoded: [UInt64: Envelope] = [:]
        var changed: [ViewKey] = []
        for projection in inline {
            var store: ProjectionStore?
            for event in events {
                guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { continue }
                let envelope = try decoded[event.position] ?? registry.decode(event)
                decoded[event.position] = envelope
                if store == nil {
                    guard let checkpoint = try checkpoint(projection.name, in: transaction) else {
                        throw ProjectionError(message: "projection \(projection.name) was not started")
                    }
                    store = ProjectionStore(
                        transaction: transaction,
                        tables: try tables(of: projection, generation: checkpoint.generation, in: transaction),
                        registry: registry
                    )
                }
                if let store { try projection.apply(envelope, to: store) }
            }
            try store?.flush()
            changed += store?.changedKeys ?? []
        }
        if let cache, !changed.isEmpty {
            let position = last.position
            let keys = changed
            transaction.afterCommit { cache.invalidate(keys, at: position) }
        }
    }

    // MARK: Async projections

    private func follow(_ projection: any Projection) async {
        var heads = log.headPositions().makeAsyncIterator()
        while !Task.isCancelled {
            do {
                guard let checkpoint = try log.withSnapshot({ try self.checkpoint(projection.name, in: $0) }) else { return }
                progress.withLock { $0[projection.name] = checkpoint.position }
                let events = try log.readAll(after: checkpoint.position, limit: batchSize)
                if events.isEmpty {
                    var head = checkpoint.position
                    while head <= checkpoint.position {
                        guard let next = await heads.next() else { return }
                        head = next
                    }
                    continue
                }
                try await apply(events, of: projection, target: .live(generation: checkpoint.generation), from: checkpoint.position)
            } catch {
                if Task.isCancelled { return }
                logger.error("projection failed; retrying", metadata: ["projection": "\(projection.name)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Which tables a batch goes to.
    enum Target: Sendable {
        case live(generation: UInt32)
        case rebuild(generation: UInt32)
    }

    /// Applies `events` (which follow `from`) to `target` in one transaction with the checkpoint;
    /// if that fails, one event at a time, parking those that keep failing.
    private func apply(_ events: [RecordedEvent], of projection: any Projection, target: Target, from: UInt64) async throws {
        guard let last = events.last?.position else { return }
        do {
            try await applyInTransaction(events, of: projection, target: target, from: from, through: last)
        } catch let error as ProjectionError where error.message == Self.moved {
            return
        } catch {
            var position = from
            for event in events {
                try await applyOne(event, of: projection, target: target, from: position)
                position = event.position
            }
        }
    }

    private static let moved = "checkpoint moved"

    private func applyInTransaction(
        _ events: [RecordedEvent],
        of projection: any Projection,
        target: Target,
        from: UInt64,
        through last: UInt64
    )
        async throws
    {
        _ = try await log.write { [self] transaction in
            guard var checkpoint = try checkpoint(projection.name, in: transaction) else { throw ProjectionError(message: Self.moved) }
            let generation: UInt32
            switch target {
            case .live(let live):
                guard checkpoint.generation == live, checkpoint.position == from else {
                    throw ProjectionError(message: Self.moved)
                }
                generation = live
                checkpoint.position = last
            case .rebuild(let rebuilt):
                guard checkpoint.rebuildGeneration == rebuilt, checkpoint.rebuildPosition == from else {
                    throw ProjectionError(message: Self.moved)
                }
                generation = rebuilt
                checkpoint.rebuildPosition = last
            }
            let store = ProjectionStore(
                transaction: transaction,
                tables: try tables(of: projection, generation: generation, in: transaction),
                registry: registry
            )
            for event in events {
                guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { continue }
                try projection.apply(try registry.decode(event), to: store)
            }
            try store.flush()
            try save(checkpoint, projection.name, in: transaction)
            let changed = store.changedKeys
            if case .live = target {
                transaction.afterCommit { [self] in
                    progress.withLock { $0[projection.name] = last }
                    if !changed.isEmpty { cache?.invalidate(changed, at: last) }
                }
            }
        }
    }

    /// One event, retried; after `attemptsBeforeParking` failures it is parked and skipped.
    private func applyOne(_ event: RecordedEvent, of projection: any Projection, target: Target, from: UInt64) async throws {
        var lastError: (any Error)?
        for attempt in 1...attemptsBeforeParking {
            do {
                try await applyInTransaction([event], of: projection, target: target, from: from, through: event.position)
                return
            } catch let error as ProjectionError where error.message == Self.moved {
                return
            } catch {
                lastError = error
                if attempt < attemptsBeforeParking { try await Task.sleep(for: .milliseconds(20 * attempt)) }
            }
        }
        let parked = ParkedEvent(
            projection: projection.name,
            position: event.position,
            type: event.type,
            error: "\(lastError.map { "\($0)" } ?? "unknown")",
            attempts: attemptsBeforeParking
        )
        logger.warning(
            "parked an event the projection keeps failing on",
            metadata: ["projection": "\(projection.name)", "position": "\(event.position)", "error": "\(parked.error)"]
        )
        _ = try await log.write { [self] transaction in
            guard var checkpoint = try checkpoint(projection.name, in: transaction) else { return }
            switch target {
            case .live(let generation):
                guard checkpoint.generation == generation, checkpoint.position == from else { return }
                checkpoint.position = event.position
            case .rebuild(let generation):
                guard checkpoint.rebuildGeneration == generation, checkpoint.rebuildPosition == from else { return }
                checkpoint.rebuildPosition = event.position
            }
            try save(checkpoint, projection.name, in: transaction)
            try transaction.put(
                try transaction.table(named: Self.parkedTableName),
                key: Self.parkedKey(projection.name, event.position),
                value: Array(try KitCoding.encoder().encode(parked))
            )
        }
    }

    static func parkedKey(_ projection: String, _ position: UInt64) -> [UInt8] {
        var key = Array(projection.utf8) + [0]
        withUnsafeBytes(of: position.bigEndian) { key += $0 }
        return key
    }

    /// The events parked for `name`, in log order.
    public func parkedEvents(_ name: String) throws -> [ParkedEvent] {
        guard let table = try log.existingTable(named: Self.parkedTableName) else { return [] }
        let prefix = Array(name.utf8) + [0]
        return try log.withSnapshot { snapshot in
            var parked: [ParkedEvent] = []
            try snapshot.scan(table, from: prefix, direction: .forward) { key, value in
                guard key.starts(with: prefix) else { return false }
                parked.append(try KitCoding.decoder().decode(ParkedEvent.self, from: Data(value)))
                return true
            }
            return parked
        }
    }

    /// Applies the parked events of `name` again, in log order, to its live tables; those that
    /// now succeed leave the parked list. Returns how many succeeded.
    @discardableResult
    public func retryParked(_ name: String) async throws -> Int {
        guard let projection = projections[name] else { throw ProjectionError(message: "no projection \(name)") }
        var retried = 0
        for parked in try parkedEvents(name) {
            guard let event = try log.event(at: parked.position) else { continue }
            do {
                _ = try await log.write { [self] transaction in
                    guard let checkpoint = try checkpoint(name, in: transaction) else { return }
                    let store = ProjectionStore(
                        transaction: transaction,
                        tables: try tables(of: projection, generation: checkpoint.generation, in: transaction),
                        registry: registry
                    )
                    try projection.apply(try registry.decode(event), to: store)
                    try store.flush()
                    try transaction.delete(try transaction.table(named: Self.parkedTableName), key: Self.parkedKey(name, parked.position))
                    let changed = store.changedKeys
                    let position = try transaction.headPosition()
                    if let cache, !changed.isEmpty { transaction.afterCommit { cache.invalidate(changed, at: position) } }
                }
                retried += 1
            } catch {
                logger.warning("parked event still fails", metadata: ["projection": "\(name)", "position": "\(parked.position)"])
            }
        }
        return retried
    }

    // MARK: Rebuild

    /// Rebuilds `name` from position 0 into fresh tables while the live ones keep serving, then
    /// swaps them in atomically (inside the writer, after catching up with the last events).
    /// `progress` hears how far the rebuild is after each batch.
    public func rebuild(_ name: String, progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        try await rebuild([name], progress: progress)
    }

    /// Rebuilds several projections in one pass over the log: each event is read and decoded once
    /// and applied to every projection that handles it; all are swapped in together.
    public func rebuild(_ names: [String], progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        do {
            _ = try await rebuildTogether(names, swapIn: true, progress: progress)
        } catch is CombinedRebuildFailed {
            // An event fails for one of them: rebuild each alone, parking what keeps failing.
            for name in names { _ = try await rebuildTogether([name], swapIn: true, progress: progress) }
        }
    }

    /// Rebuilds `name` into scratch tables up to the log's head and compares them with the live
    /// tables, which stay as they are; the scratch tables are dropped afterwards. A consistency
    /// check: run it offline, or the live tables may move while it compares.
    public func verifyByRebuilding(_ name: String, progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws -> RebuildComparison {
        guard let comparison = try await verifyByRebuilding([name], progress: progress).first else {
            throw ProjectionError(message: "internal: the dry run produced no comparison")
        }
        return comparison
    }

    /// ``verifyByRebuilding(_:progress:)`` for several projections in one pass.
    public func verifyByRebuilding(_ names: [String], progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws -> [RebuildComparison] {
        do {
            return try await rebuildTogether(names, swapIn: false, progress: progress)
        } catch is CombinedRebuildFailed {
            var comparisons: [RebuildComparison] = []
            for name in names { comparisons += try await rebuildTogether([name], swapIn: false, progress: progress) }
            return comparisons
        }
    }

    private struct CombinedRebuildFailed: Error {}

    private func rebuildTogether(
        _ names: [String],
        swapIn: Bool,
        progress: (@Sendable (RebuildProgress) -> Void)?
    ) async throws
        -> [RebuildComparison]
    {
        let chosen = try names.map { name in
            guard let projection = projections[name] else { throw ProjectionError(message: "no projection \(name)") }
            return projection
        }
        guard
            rebuilding.withLock({ set in
                guard set.isDisjoint(with: names) else { return false }
                set.formUnion(names)
                return true
            })
        else {
            throw ProjectionError(message: "a projection of \(names.joined(separator: ", ")) is already being rebuilt")
        }
        defer { rebuilding.withLock { $0.subtract(names) } }
        let generations: [String: UInt32] = try await log.perform { [self] transaction in
            var generations: [String: UInt32] = [:]
            for projection in chosen {
                guard var checkpoint = try checkpoint(projection.name, in: transaction) else {
                    throw ProjectionError(message: "projection \(projection.name) was not started")
                }
                let generation = max(checkpoint.generation, checkpoint.rebuildGeneration) + 1
                checkpoint.rebuildGeneration = generation
                checkpoint.rebuildPosition = 0
                for table in try tables(of: projection, generation: generation, in: transaction).values { try transaction.clear(table) }
                try save(checkpoint, projection.name, in: transaction)
                generations[projection.name] = generation
            }
            return generations
        }.value
        let label = names.count == 1 ? names[0] : "all"
        var position: UInt64 = 0
        // The next batch is read and decoded on another thread while the writer applies this one.
        var upcoming = Task { [self] in try decodedBatch(after: 0, for: chosen) }
        while true {
            progress?(RebuildProgress(projection: label, position: position, head: try log.headPosition()))
            let (events, envelopes) = try await upcoming.value
            if !swapIn && events.isEmpty {
                let comparisons = try chosen.map { try compare($0, generation: generations[$0.name] ?? 0) }
                try await discard(chosen, generations)
                return comparisons
            }
            if let last = events.last?.position, events.count == rebuildBatchSize {
                upcoming = Task { [self] in try decodedBatch(after: last, for: chosen) }
            }
            do {
                if swapIn && events.count < rebuildBatchSize {
                    try await swap(chosen, generations: generations, from: position)
                    let head = try log.headPosition()
                    progress?(RebuildProgress(projection: label, position: head, head: head))
                    return []
                }
                try await applyRebuildBatch(events, envelopes, chosen, generations: generations, from: position)
            } catch let error as ProjectionError where error.message == Self.moved {
                upcoming.cancel()
                throw ProjectionError(message: "the rebuild of \(label) was superseded")
            } catch {
                guard chosen.count == 1, let projection = chosen.first, let generation = generations[projection.name] else {
                    upcoming.cancel()
                    throw CombinedRebuildFailed()
                }
                try await apply(events, of: projection, target: .rebuild(generation: generation), from: position)
            }
            if let last = events.last?.position { position = last }
            if events.count < rebuildBatchSize {
                let after = position
                upcoming = Task { [self] in try decodedBatch(after: after, for: chosen) }
            }
        }
    }

    /// A batch of events after `position` and, decoded, those any of `chosen` handles. An event
    /// that fails to decode is left out here; applying the batch then decodes it again and fails
    /// where the failure is handled.
    private func decodedBatch(after position: UInt64, for chosen: [any Projection]) throws -> ([RecordedEvent], [UInt64: Envelope]) {
        let events = try log.readAll(after: position, limit: rebuildBatchSize)
        var envelopes: [UInt64: Envelope] = [:]
        for event in events {
            guard let type = registry.currentType(of: event.type), chosen.contains(where: { $0.eventTypes.contains(type) }) else { continue }
            envelopes[event.position] = try? registry.decode(event)
        }
        return (events, envelopes)
    }

    /// Applies one batch to every chosen projection's rebuild generation, with their checkpoints.
    private func applyRebuildBatch(
        _ events: [RecordedEvent],
        _ envelopes: [UInt64: Envelope],
        _ chosen: [any Projection],
        generations: [String: UInt32],
        from: UInt64
    ) async throws {
        guard let last = events.last?.position else { return }
        _ = try await log.write { [self] transaction in
            let stores = try rebuildStores(chosen, generations: generations, from: from, in: transaction)
            for event in events { try apply(event, decoded: envelopes[event.position], to: stores.map { ($0.0, $0.1) }) }
            for (projection, store, checkpoint) in stores {
                try store.flush()
                var updated = checkpoint
                updated.rebuildPosition = last
                try save(updated, projection.name, in: transaction)
            }
        }
    }

    /// The stores of the generations being rebuilt, checking that each rebuild is still where this
    /// batch expects it (at `from`, in the same generation).
    private func rebuildStores(
        _ chosen: [any Projection],
        generations: [String: UInt32],
        from: UInt64,
        in transaction: LogTransaction
    ) throws
        -> [(any Projection, ProjectionStore, ProjectionCheckpoint)]
    {
        try chosen.map { projection in
            guard let checkpoint = try checkpoint(projection.name, in: transaction), let generation = generations[projection.name],
                checkpoint.rebuildGeneration == generation, checkpoint.rebuildPosition == from
            else { throw ProjectionError(message: Self.moved) }
            let store = ProjectionStore(
                transaction: transaction,
                tables: try tables(of: projection, generation: generation, in: transaction),
                registry: registry
            )
            return (projection, store, checkpoint)
        }
    }

    /// Applies one event to each projection that handles it, decoding it once (unless `decoded`).
    private func apply(_ event: RecordedEvent, decoded: Envelope? = nil, to stores: [(any Projection, ProjectionStore)]) throws {
        guard let type = registry.currentType(of: event.type) else { return }
        var envelope = decoded
        for (projection, store) in stores where projection.eventTypes.contains(type) {
            let decoded = try envelope ?? registry.decode(event)
            envelope = decoded
            try projection.apply(decoded, to: store)
        }
    }

    /// Compares a finished scratch generation with the live one.
    private func compare(_ projection: any Projection, generation: UInt32) throws -> RebuildComparison {
        let name = projection.name
        return try log.withSnapshot { snapshot in
            guard let checkpoint = try checkpoint(name, in: snapshot) else { throw ProjectionError(message: "projection \(name) was not started") }
            var differing: [String] = []
            for table in projection.tables {
                let live = try rows(snapshot, ProjectionCheckpoint.tableName(projection: name, generation: checkpoint.generation, table: table))
                let rebuilt = try rows(snapshot, ProjectionCheckpoint.tableName(projection: name, generation: generation, table: table))
                if live != rebuilt { differing.append(table) }
            }
            let livePosition = projection.mode == .inline ? try snapshot.headPosition() : checkpoint.position
            return RebuildComparison(
                projection: name,
                differingTables: differing,
                livePosition: livePosition,
                rebuiltPosition: checkpoint.rebuildPosition
            )
        }
    }

    /// Drops the scratch generations of a dry run.
    private func discard(_ chosen: [any Projection], _ generations: [String: UInt32]) async throws {
        _ = try await log.write { [self] transaction in
            for projection in chosen {
                guard var checkpoint = try checkpoint(projection.name, in: transaction), let generation = generations[projection.name],
                    checkpoint.rebuildGeneration == generation
                else { continue }
                for table in try tables(of: projection, generation: generation, in: transaction).values { try transaction.drop(table) }
                checkpoint.rebuildGeneration = 0
                checkpoint.rebuildPosition = 0
                try save(checkpoint, projection.name, in: transaction)
            }
        }
    }

    private func rows(_ snapshot: LogSnapshot, _ tableName: String) throws -> [[UInt8]: [UInt8]] {
        guard let table = try log.existingTable(named: tableName) else { return [:] }
        var rows: [[UInt8]: [UInt8]] = [:]
        try snapshot.scan(table) { key, value in
            rows[Array(key)] = Array(value)
            return true
        }
        return rows
    }

    /// Applies the events since the rebuild's position and makes the rebuilt generations live, all
    /// in one transaction on the writer: no event can slip between the two.
    private func swap(_ chosen: [any Projection], generations: [String: UInt32], from: UInt64) async throws {
        _ = try await log.write { [self] transaction in
            let stores = try rebuildStores(chosen, generations: generations, from: from, in: transaction)
            var applied = from
            var failure: (any Error)?
            try transaction.forEachEvent(after: from) { event in
                do {
                    try apply(event, to: stores.map { ($0.0, $0.1) })
                } catch {
                    failure = error
                    return false
                }
                applied = event.position
                return true
            }
            if let failure { throw failure }
            for (projection, store, checkpoint) in stores {
                try store.flush()
                var swapped = checkpoint
                let old = checkpoint.generation
                swapped.generation = checkpoint.rebuildGeneration
                swapped.position = applied
                swapped.version = UInt32(projection.version)
                swapped.rebuildGeneration = 0
                swapped.rebuildPosition = 0
                try save(swapped, projection.name, in: transaction)
                // Emptied now, dropped at the next start: a reader may still hold the old handles.
                if old != swapped.generation {
                    for table in try tables(of: projection, generation: old, in: transaction).values { try transaction.clear(table) }
                }
            }
            let names = chosen.map(\.name)
            let views = chosen.flatMap(\.views)
            let swappedAt = applied
            transaction.afterCommit { [self] in
                progress.withLock { progress in for name in names { progress[name] = swappedAt } }
                for view in views { cache?.invalidate(view: view, at: swappedAt) }
            }
        }
    }

    // MARK: Reading

    /// Runs `body` with a consistent read of `name`'s live tables.
    public func read<T>(_ name: String, _ body: (ReadModelReader) throws -> T) throws -> T {
        guard let projection = projections[name] else { throw ProjectionError(message: "no projection \(name)") }
        return try log.withSnapshot { snapshot in
            guard let checkpoint = try checkpoint(name, in: snapshot) else {
                throw ProjectionError(message: "projection \(name) was not started")
            }
            var tables: [String: Table] = [:]
            for table in projection.tables {
                let physical = ProjectionCheckpoint.tableName(projection: name, generation: checkpoint.generation, table: table)
                if let found = try log.existingTable(named: physical) {
                    tables[table] = found
                } else if !log.isReadOnly {
                    // A writing log knows the tables it opened; prepare() opens every live one.
                    throw ProjectionError(message: "projection \(name) is not prepared: call prepare() or start() first")
                }
            }
            let position = projection.mode == .inline ? try snapshot.headPosition() : checkpoint.position
            return try body(ReadModelReader(snapshot: snapshot, tables: tables, registry: registry, position: position))
        }
    }

    /// Every row of `name`'s live tables, as raw bytes by table: for comparing a rebuild with the
    /// live read model.
    public func rows(of name: String) throws -> [String: [[UInt8]: [UInt8]]] {
        guard let projection = projections[name] else { throw ProjectionError(message: "no projection \(name)") }
        return try read(name) { reader in
            var rows: [String: [[UInt8]: [UInt8]]] = [:]
            for table in projection.tables {
                var entries: [[UInt8]: [UInt8]] = [:]
                try reader.scan(table) { key, value in
                    entries[Array(key)] = Array(value)
                    return true
                }
                rows[table] = entries
            }
            return rows
        }
    }

    /// The log position `name`'s live tables reflect.
    public func position(of name: String) throws -> UInt64 {
        try read(name) { $0.position }
    }

    /// Whether `name` is inline or async; `nil` for an unknown name.
    public func mode(of name: String) -> ProjectionMode? {
        projections[name]?.mode
    }

    /// Waits until `name` has applied `position`, at most `timeout`; returns whether it has.
    public func waitUntil(_ name: String, reaches position: UInt64, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let current = try? self.position(of: name), current >= position { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Every projection's state.
    public func status() throws -> [ProjectionStatus] {
        let head = try log.headPosition()
        return try names.compactMap { name in
            guard let projection = projections[name] else { return nil }
            let checkpoint = try log.withSnapshot { try self.checkpoint(name, in: $0) }
            let position = projection.mode == .inline ? head : (checkpoint?.position ?? 0)
            let rebuildingNow = (checkpoint?.rebuildGeneration ?? 0) != 0
            let state: String
            if checkpoint == nil {
                state = "stopped"
            } else if rebuildingNow {
                state = "rebuilding"
            } else {
                state = position < head ? "catching_up" : "live"
            }
            return ProjectionStatus(
                name: name,
                version: projection.version,
                mode: projection.mode,
                position: position,
                lag: head - min(head, position),
                status: state,
                parked: try parkedEvents(name).count,
                rebuildPosition: rebuildingNow ? checkpoint?.rebuildPosition : nil
            )
        }
    }

    // MARK: Checkpoints and tables

    func checkpoint(_ name: String, in reader: some TableReading) throws -> ProjectionCheckpoint? {
        guard let bytes = try reader.get(log.checkpointsTable, key: ProjectionCheckpoint.key(name)) else { return nil }
        guard let checkpoint = ProjectionCheckpoint(bytes) else { throw ProjectionError(message: "checkpoint of \(name) is malformed") }
        return checkpoint
    }

    func save(_ checkpoint: ProjectionCheckpoint, _ name: String, in transaction: LogTransaction) throws {
        try transaction.put(log.checkpointsTable, key: ProjectionCheckpoint.key(name), value: checkpoint.encoded)
    }

    func tables(of projection: any Projection, generation: UInt32, in transaction: LogTransaction) throws -> [String: Table] {
        var tables: [String: Table] = [:]
        for table in projection.tables {
            tables[table] = try transaction.table(
                named: ProjectionCheckpoint.tableName(projection: projection.name, generation: generation, table: table)
            )
        }
        return tables
    }
}
