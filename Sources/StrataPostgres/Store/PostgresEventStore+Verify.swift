import PostgresNIO
import StrataStore

extension PostgresEventStore {
    /// Checks the whole store in one snapshot: positions gapless from 1 up to the head, each
    /// stream's versions consecutive from 1 and equal to its recorded version, each type's count
    /// and last position, and the stream count. Reports each fault rather than stopping.
    public func verify(maximumFaults: Int = 1000) throws -> VerificationReport {
        var report = VerificationReport()
        try reads.withConnection { connection in
            try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            defer { connection.send("COMMIT") }
            let totals = try connection.query(
                """
                SELECT count(*), coalesce(min(position), 0), coalesce(max(position), 0),
                    (SELECT position FROM strata_head WHERE id = 1), (SELECT streams FROM strata_head WHERE id = 1),
                    (SELECT count(*) FROM strata_streams)
                FROM strata_events
                """
            )
            for row in totals {
                let (count, first, last, head, streams, streamRows) = try row.decode((Int64, Int64, Int64, Int64, Int64, Int64).self)
                report.eventsChecked = Int(count)
                report.streamsChecked = Int(streamRows)
                if count > 0 && (first != 1 || last != count) {
                    report.record("positions are not gapless: \(count) events between \(first) and \(last)", maximum: maximumFaults)
                    let gaps = try connection.query(
                        """
                        SELECT e.position + 1 FROM strata_events e
                        WHERE e.position < (SELECT max(position) FROM strata_events)
                          AND NOT EXISTS (SELECT 1 FROM strata_events n WHERE n.position = e.position + 1)
                        ORDER BY 1 LIMIT 100
                        """
                    )
                    for gap in gaps { report.record("no event", at: UInt64(try gap.decode(Int64.self)), maximum: maximumFaults) }
                }
                if head != last { report.record("the head is \(head) but the last event is at \(last)", maximum: maximumFaults) }
                if streams != streamRows { report.record("the head counts \(streams) streams but \(streamRows) are recorded", maximum: maximumFaults) }
            }
            let streams = try connection.query(
                """
                SELECT coalesce(e.stream_id, s.stream_id), coalesce(e.n, 0), coalesce(e.low, 0), coalesce(e.high, 0), coalesce(s.version, 0)
                FROM (SELECT stream_id, count(*) AS n, min(stream_version) AS low, max(stream_version) AS high
                      FROM strata_events GROUP BY stream_id) e
                FULL JOIN strata_streams s ON s.stream_id = e.stream_id
                WHERE e.n IS NULL OR s.version IS NULL OR e.low <> 1 OR e.high <> e.n OR e.high <> s.version
                ORDER BY 1 LIMIT 1000
                """
            )
            for row in streams {
                let (id, count, low, high, version) = try row.decode((String, Int64, Int64, Int64, Int64).self)
                report.record("stream \(id): \(count) events, versions \(low)–\(high), recorded at version \(version)", maximum: maximumFaults)
            }
            let types = try connection.query(
                """
                SELECT coalesce(e.type, t.type), coalesce(e.n, 0), coalesce(e.last, 0), coalesce(t.count, 0), coalesce(t.last_position, 0)
                FROM (SELECT type, count(*) AS n, max(position) AS last FROM strata_events GROUP BY type) e
                FULL JOIN strata_types t ON t.type = e.type
                WHERE e.n IS NULL OR t.count IS NULL OR e.n <> t.count OR e.last <> t.last_position
                ORDER BY 1 LIMIT 1000
                """
            )
            for row in types {
                let (type, count, last, recorded, recordedLast) = try row.decode((String, Int64, Int64, Int64, Int64).self)
                report.record(
                    "type \(type): \(count) events up to \(last), recorded as \(recorded) up to \(recordedLast)",
                    maximum: maximumFaults
                )
            }
        }
        return report
    }
}
