import LMDB
import StrataStore

extension EventLog {
    /// Moves a full stream tail into the `streams` index: one entry keyed by its last version.
    func flush(streamTail tail: inout IndexTail, of streamId: String, in transaction: WriteTransaction) throws {
        try transaction.put(tables.streams, key: IndexKeys.stream(streamId, version: tail.version), value: PositionRun.encode(tail.positions))
        tail.positions.removeAll(keepingCapacity: true)
    }

    /// Adds positions to a type's tail, moving full tails into the `types` index as one entry
    /// keyed by the run's last position.
    func index(_ positions: [UInt64], ofType type: String, in transaction: WriteTransaction) throws {
        let reader = LogReader(transaction: transaction, tables: tables)
        var tail = try reader.typeTail(type) ?? IndexTail(version: 0, positions: [])
        for position in positions {
            if tail.positions.count >= IndexTail.typeCapacity, let last = tail.positions.last {
                try transaction.put(tables.types, key: IndexKeys.type(type, position: last), value: PositionRun.encode(tail.positions))
                tail.positions.removeAll(keepingCapacity: true)
            }
            tail.positions.append(position)
        }
        try transaction.put(tables.typeTails, key: Array(type.utf8), value: tail.encoded)
    }
}
