import StrataStore
import LMDB

extension EventLog {
    /// Checks the whole store in one snapshot: every record's checksum and encoding, positions
    /// gapless from 1, each stream's versions consecutive from 1, and the stream index, type index
    /// and stream heads agreeing exactly with the log. Reports each fault rather than stopping.
    public func verify(maximumFaults: Int = 1000) throws -> VerificationReport {
        var report = VerificationReport()
        do {
            try environment.withReadTransaction { transaction in
                try verify(in: transaction, report: &report, maximumFaults: maximumFaults)
            }
        } catch let error as LMDBError {
            report.record("the store could not be read: \(error.message)", maximum: maximumFaults)
        }
        return report
    }

    private func verify(in transaction: Transaction, report: inout VerificationReport, maximumFaults: Int) throws {
        // The heads and type tails first: the newest index entries live there.
        var streamTails: [String: IndexTail] = [:]
        try transaction.scan(tables.heads) { key, value in
            let streamId = String(decoding: key, as: UTF8.self)
            if let tail = IndexTail(value), tail.positions.count <= tail.version {
                streamTails[streamId] = tail
            } else {
                report.record("head of stream \(streamId) is malformed", maximum: maximumFaults)
            }
            return true
        }
        var typeTails: [String: Set<UInt64>] = [:]
        var typeTailEntries = 0
        try transaction.scan(tables.typeTails) { key, value in
            let type = String(decoding: key, as: UTF8.self)
            if let tail = IndexTail(value) {
                typeTails[type] = Set(tail.positions)
                typeTailEntries += tail.positions.count
            } else {
                report.record("index tail of type \(type) is malformed", maximum: maximumFaults)
            }
            return true
        }

        let reader = LogReader(transaction: transaction, tables: tables)
        var expected: UInt64 = 1
        var lastVersions: [String: UInt64] = [:]
        var streamTailEntries = 0
        try transaction.scan(tables.events) { key, value in
            guard let position = key.bigEndianUInt64 else {
                report.record("a key of the events table is not an 8-byte position", maximum: maximumFaults)
                return true
            }
            if position != expected {
                report.record("gap: expected position \(expected), found \(position)", at: position, maximum: maximumFaults)
            }
            expected = position + 1
            report.eventsChecked += 1
            let event: RecordedEvent
            do throws(EventStoreError) {
                event = try EventRecord.decode(value, position: position)
            } catch {
                report.record(error.message.replacingOccurrences(of: "position \(position): ", with: ""), at: position, maximum: maximumFaults)
                // Keep the bookkeeping going with what the damaged record still says, so one bad
                // byte is one fault and not a cascade.
                guard let parsed = try? EventRecord.decode(value, position: position, verifyingChecksum: false) else { return true }
                event = parsed
            }
            let last = lastVersions[event.streamId] ?? 0
            if event.streamVersion != last + 1 {
                report.record(
                    "stream \(event.streamId) jumps from version \(last) to \(event.streamVersion)",
                    at: position,
                    maximum: maximumFaults
                )
            }
            lastVersions[event.streamId] = event.streamVersion

            let entry = "\(event.streamId)@\(event.streamVersion)"
            let tail = streamTails[event.streamId]
            if tail?.position(ofVersion: event.streamVersion) != nil { streamTailEntries += 1 }
            switch try reader.indexedPosition(event.streamId, version: event.streamVersion, tail: tail) {
            case position?: break
            case nil: report.record("stream index entry \(entry) is missing", at: position, maximum: maximumFaults)
            case let other?: report.record("stream index entry \(entry) points at \(other)", at: position, maximum: maximumFaults)
            }
            var typeIndexed = typeTails[event.type]?.contains(position) ?? false
            if !typeIndexed {
                try reader.forEachTypeRun(event.type, from: position) { run in
                    typeIndexed = run.contains(position)
                    return false
                }
            }
            if !typeIndexed {
                report.record("type index entry for \(event.type) is missing", at: position, maximum: maximumFaults)
            }
            return true
        }
        report.streamsChecked = lastVersions.count

        let streamEntries =
            try indexedEntries(in: tables.streams, transaction: transaction, report: &report, maximumFaults: maximumFaults)
            + streamTailEntries
        if streamEntries != report.eventsChecked {
            report.record("the stream index has \(streamEntries) entries for \(report.eventsChecked) events", maximum: maximumFaults)
        }
        let typeEntries =
            try indexedEntries(in: tables.types, transaction: transaction, report: &report, maximumFaults: maximumFaults)
            + typeTailEntries
        if typeEntries != report.eventsChecked {
            report.record("the type index has \(typeEntries) entries for \(report.eventsChecked) events", maximum: maximumFaults)
        }
        for (streamId, tail) in streamTails where lastVersions[streamId] != tail.version {
            let actual = lastVersions[streamId].map(String.init) ?? "no events"
            report.record("head of stream \(streamId) says version \(tail.version), the log says \(actual)", maximum: maximumFaults)
        }
        if streamTails.count != lastVersions.count {
            report.record("\(lastVersions.count) streams in the log but \(streamTails.count) stream heads", maximum: maximumFaults)
        }
    }

    /// How many positions the runs of an index table hold.
    private func indexedEntries(in database: Database, transaction: Transaction, report: inout VerificationReport, maximumFaults: Int) throws -> Int {
        var total = 0
        try transaction.scan(database) { key, value in
            if let run = PositionRun.decode(value) {
                total += run.count
            } else {
                let name = IndexKeys.split(key).map { "\($0.name)@\($0.number)" } ?? "?"
                report.record("index entry \(name) in \(database.name ?? "?") is malformed", maximum: maximumFaults)
            }
            return true
        }
        return total
    }
}
