import Foundation
import StrataPostgres
import StrataStore
import StrataTestSupport
import Testing

/// A store's connections live as long as the process: nothing of an answer may stay behind once
/// it has been handed over (a callback per query on the connection's close would keep every
/// result until the connection closes).
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct ConnectionMemoryTests {
    @Test func readingTheSameLargeEventOverAndOverDoesNotGrowTheProcess() async throws {
        try await PostgresTestServer.withDatabase { url in
            let store = try PostgresEventStore.open(url: url)
            defer { store.close() }
            let large = Array("{\"text\":\"\(String(repeating: "x", count: 512 * 1024))\"}".utf8)
            _ = try await store.append(AppendRequest(streamId: "large", expectedVersion: .noStream, events: [EventData(type: "Large", data: large)]))
            for _ in 0..<50 { #expect(try store.readStream("large").first?.data.count == large.count) }
            let before = try residentBytes()
            // 1,000 answers of half a megabyte: about 500 MiB if each one were kept.
            for _ in 0..<1_000 { _ = try store.readStream("large") }
            let grown = try residentBytes() - before
            #expect(grown < 150 << 20, "the process grew by \(grown >> 20) MiB")
        }
    }

    /// The process's resident set, from `/proc/self/statm` (pages).
    private func residentBytes() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
