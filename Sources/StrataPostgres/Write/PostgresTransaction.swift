import Foundation
import PostgresNIO
import StrataStore

/// The writer's transaction as an append hook or a write job sees it. Reads see the database as
/// committed when the batch took the head lock, with this batch's own writes on top; writes go
/// to the ``WriteSet`` and reach PostgreSQL in one statement at commit. Valid only inside the
/// hook or job.
final class PostgresTransaction: StoreTransaction {
    let reader: PostgresLogReader
    let set: WriteSet
    let cache: WriterCache
    private let store: PostgresEventStore
    private let hook: (any AppendHook)?
    /// Whether a stream expected absent is checked by the flush rather than read first.
    private let checksAbsenceAtFlush: Bool

    init(
        store: PostgresEventStore,
        connection: BlockingConnection,
        set: WriteSet,
        cache: WriterCache,
        hook: (any AppendHook)?,
        checksAbsenceAtFlush: Bool
    ) {
        self.store = store
        self.checksAbsenceAtFlush = checksAbsenceAtFlush
        self.reader = PostgresLogReader(connection: connection)
        self.set = set
        self.cache = cache
        self.hook = hook
    }

    // MARK: Appending

    @discardableResult
    func append(_ request: AppendRequest) throws -> AppendResult {
        _ = try request.validated()
        return try checkedAppend(request)
    }

    /// Appends a validated request in a layer of its own: its expectations, events, the hook and
    /// the request's own work stand or fall together.
    func checkedAppend(_ request: AppendRequest) throws -> AppendResult {
        set.push()
        do {
            let (result, recorded) = try write(request)
            if request.runsAppendHook { try hook?.didAppend(recorded, in: self) }
            try request.inTransaction?(result, recorded, self)
            set.pop(keep: true)
            return result
        } catch {
            set.pop(keep: false)
            throw error
        }
    }

    private func write(_ request: AppendRequest) throws -> (AppendResult, [RecordedEvent]) {
        var current: [UInt64] = []
        for stream in request.streams {
            let version = try expectedAbsent(stream) ? 0 : streamVersion(stream.streamId)
            guard stream.expectedVersion.isSatisfied(by: version) else {
                throw EventStoreError.conflict(AppendConflict(streamId: stream.streamId, expected: stream.expectedVersion, actual: version))
            }
            current.append(version)
        }
        let micros = RecordedEvent.microseconds(Date())
        let recordedAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        var head = set.head
        let first = head + 1
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(request.eventCount)
        var results: [AppendResult.StreamResult] = []
        for (stream, version) in zip(request.streams, current) {
            var next = version
            for event in stream.events {
                next += 1
                head += 1
                recorded.append(
                    RecordedEvent(
                        position: head,
                        streamId: stream.streamId,
                        streamVersion: next,
                        id: event.id,
                        type: event.type,
                        recordedAt: recordedAt,
                        metadata: event.metadata,
                        data: event.data
                    )
                )
            }
            if next != version {
                set.top.streams[stream.streamId] = next
                if version == 0 { set.top.newStreams += 1 }
            }
            results.append(AppendResult.StreamResult(streamId: stream.streamId, version: next, firstVersion: next == version ? nil : version + 1))
        }
        set.top.events += recorded
        let positions: ClosedRange<UInt64>? = head >= first ? first...head : nil
        return (AppendResult(streams: results, positions: positions, committedHead: head), recorded)
    }

    /// Whether `stream` is expected not to exist and nothing known says otherwise: its version is
    /// then taken as 0 without a read, because the flush's insert of its first event violates the
    /// log's unique (stream, version) key if it does exist, failing the batch, whose jobs are then
    /// retried one by one with reads (``checksAbsenceAtFlush`` off).
    private func expectedAbsent(_ stream: StreamAppend) -> Bool {
        guard checksAbsenceAtFlush, !stream.events.isEmpty else { return false }
        switch stream.expectedVersion {
        case .noStream, .exact(0): break
        default: return false
        }
        return set.streamVersion(stream.streamId) == nil && cache.streamVersion(stream.streamId) == nil
    }

    func importRecorded(_ events: [RecordedEvent]) throws {
        set.push()
        do {
            var head = set.head
            var versions: [String: UInt64] = [:]
            for event in events {
                try AppendRequest.validate(name: event.streamId, as: "stream id")
                try AppendRequest.validate(name: event.type, as: "event type")
                guard event.position == head + 1 else {
                    throw EventStoreError.invalidRequest("event at position \(event.position) does not continue the log at \(head)")
                }
                let version: UInt64
                if let known = versions[event.streamId] { version = known } else { version = try streamVersion(event.streamId) }
                guard event.streamVersion == version + 1 else {
                    throw EventStoreError.invalidRequest(
                        "event at position \(event.position) has version \(event.streamVersion) of \(event.streamId), which is at \(version)"
                    )
                }
                if version == 0 { set.top.newStreams += 1 }
                versions[event.streamId] = event.streamVersion
                set.top.streams[event.streamId] = event.streamVersion
                set.top.events.append(event)
                head += 1
            }
            set.pop(keep: true)
        } catch {
            set.pop(keep: false)
            throw error
        }
    }

    // MARK: Tables

    func table(named name: String) throws -> Table {
        guard !PostgresEventStore.reservedTables.contains(name) else {
            throw EventStoreError.invalidRequest("table \(name) belongs to the log and cannot be written")
        }
        if let id = set.createdTable(named: name), !set.isDropped(id) { return Table(name: name, rowsId: id) }
        if let table = try store.existingTable(named: name, using: reader), !set.isDropped(table.rowsId) { return table }
        var binds = PostgresBindings()
        binds.append(name)
        let rows = try reader.connection.query(
            "INSERT INTO strata_tables (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            binds
        )
        guard let row = rows.first(where: { _ in true }) else { throw EventStoreError(.storage, "creating table \(name) returned no id") }
        let id = try row.decode(Int32.self)
        set.top.created[name] = id
        return Table(name: name, rowsId: id)
    }

    func put(_ table: Table, key: [UInt8], value: [UInt8]) throws {
        set.put(try id(table), key: key, value: value)
    }

    @discardableResult
    func delete(_ table: Table, key: [UInt8]) throws -> Bool {
        let id = try id(table)
        let existed = try get(table, key: key) != nil
        set.delete(id, key: key)
        return existed
    }

    func clear(_ table: Table) throws {
        set.clear(try id(table))
    }

    func drop(_ table: Table) throws {
        set.drop(try id(table))
    }

    func afterCommit(_ action: @escaping @Sendable () -> Void) {
        set.top.afterCommit.append(action)
    }

    func note(_ text: String) {
        set.top.notes.append(text)
    }

    private func id(_ table: Table) throws -> Int32 {
        guard !PostgresEventStore.reservedTables.contains(table.name) else {
            throw EventStoreError.invalidRequest("table \(table.name) belongs to the log and cannot be written")
        }
        return table.rowsId
    }
}
