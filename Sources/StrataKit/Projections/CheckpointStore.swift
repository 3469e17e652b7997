import StrataStore

/// The kit's `checkpoints` table: one ``ProjectionCheckpoint`` per projection, read on every
/// append by the inline hook and written with each async batch and rebuild step.
struct CheckpointStore: Sendable {
    static let table = KitTable(name: "checkpoints")
    let store: any EventReading

    /// The checkpoint of projection `name`, or `nil` before it was first prepared.
    func checkpoint(_ name: String, in reader: any StoreReading) throws -> ProjectionCheckpoint? {
        guard let bytes = try Self.table.get(ProjectionCheckpoint.key(name), from: reader, in: store) else { return nil }
        guard let checkpoint = ProjectionCheckpoint(bytes) else { throw ProjectionError(message: "checkpoint of \(name) is malformed") }
        return checkpoint
    }

    /// Writes the checkpoint of projection `name` in `transaction`.
    func save(_ checkpoint: ProjectionCheckpoint, _ name: String, in transaction: any StoreTransaction) throws {
        try transaction.put(try Self.table.open(in: transaction), key: ProjectionCheckpoint.key(name), value: checkpoint.encoded)
    }

    /// The tables of one generation of `projection`, by logical name, created if needed.
    func tables(of projection: any Projection, generation: UInt32, in transaction: any StoreTransaction) throws -> [String: Table] {
        var tables: [String: Table] = [:]
        for table in projection.tables {
            tables[table.name] = try transaction.table(
                named: ProjectionCheckpoint.tableName(projection: projection.name, generation: generation, table: table)
            )
        }
        return tables
    }
}
