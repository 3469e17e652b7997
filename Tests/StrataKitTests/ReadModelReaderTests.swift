import Foundation
import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// The reader and the writer of a projection's tables agree on names: a declared table never
/// written reads as empty, an undeclared one is refused by both.
@Suite struct ReadModelReaderTests {
    @Test func anUndeclaredTableIsRefusedAndAnUnwrittenOneIsEmpty() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [TotalsProjection(mode: .inline)])
        try await runner.start()
        let (row, count) = try runner.read("totals") { reader in (try reader.get("totals", key: Array("a".utf8)), try reader.count("totals")) }
        #expect(row == nil && count == 0)
        #expect(throws: ProjectionError.self) { try runner.read("totals") { try $0.get("misspelt", key: Array("a".utf8)) } }
        #expect(throws: ProjectionError.self) { try runner.read("totals") { try $0.scan("misspelt") { _, _ in true } } }
        _ = try await add(CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher, projections: runner), "a", 2)
        #expect(try total(runner, "a") == 2)
        await runner.stop()
    }
}
