import Foundation
import LMDB
import StrataStore

extension EventLog {
    /// Writes events recorded elsewhere (an import) exactly as they were: ids, timestamps,
    /// positions and stream versions. Each must continue the log (position head + 1) and its
    /// stream (version + 1). No append hook runs: read models are rebuilt after an import.
    func importRecorded(_ events: [RecordedEvent], in transaction: WriteTransaction, state: BatchState) throws {
        let reader = LogReader(transaction: transaction, tables: tables)
        var tails: [String: IndexTail] = [:]
        for event in events {
            try AppendRequest.validate(name: event.streamId, as: "stream id")
            try AppendRequest.validate(name: event.type, as: "event type")
            guard event.position == state.head + 1 else {
                throw EventStoreError.invalidRequest("event at position \(event.position) does not continue the log at \(state.head)")
            }
            var tail = try tails[event.streamId] ?? reader.streamTail(event.streamId) ?? IndexTail(version: 0, positions: [])
            guard event.streamVersion == tail.version + 1 else {
                throw EventStoreError.invalidRequest(
                    "event at position \(event.position) has version \(event.streamVersion) of \(event.streamId), expected \(tail.version + 1)"
                )
            }
            if tail.positions.count >= IndexTail.streamCapacity { try flush(streamTail: &tail, of: event.streamId, in: transaction) }
            tail.version += 1
            state.head += 1
            let data = EventData(id: event.id, type: event.type, data: event.data, metadata: event.metadata)
            let record = EventRecord.encode(
                data,
                streamId: event.streamId,
                streamVersion: tail.version,
                position: state.head,
                recordedAt: event.recordedAtMicroseconds
            )
            try transaction.put(tables.events, key: [UInt8].bigEndian(state.head), value: record, flags: .append)
            tail.positions.append(state.head)
            state.typePositions[event.type, default: []].append(state.head)
            tails[event.streamId] = tail
        }
        for (streamId, tail) in tails {
            try transaction.put(tables.heads, key: Array(streamId.utf8), value: tail.encoded)
        }
    }
}
