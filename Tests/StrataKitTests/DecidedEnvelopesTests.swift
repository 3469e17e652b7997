import Foundation
@testable import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// The events this process committed reach its async projections without being decoded again,
/// and nothing else passes for them.
@Suite struct DecidedEnvelopesTests {
    @Test func anEnvelopeIsFoundOnlyForTheSameEventAtTheSamePosition() throws {
        let registry = try kitRegistry()
        let envelopes = DecidedEnvelopes(capacity: 4)
        func recorded(_ position: UInt64, id: UUID = UUIDv7.make()) throws -> (RecordedEvent, Envelope) {
            let decided = Added(counter: "c", amount: Int(position))
            let data = try registry.encode(decided, metadata: EventMetadata(userId: "u"), id: id)
            let event = RecordedEvent(
                position: position, streamId: "counter-c", streamVersion: position, id: data.id, type: data.type, recordedAt: Date(),
                metadata: data.metadata, data: data.data
            )
            return (event, try #require(try CommandExecutor.envelopes([event], [decided], EventMetadata(userId: "u")).first))
        }
        let (first, firstEnvelope) = try recorded(1)
        let (second, secondEnvelope) = try recorded(2)
        envelopes.remember([firstEnvelope, secondEnvelope])
        #expect((envelopes.envelope(of: first)?.event as? Added)?.amount == 1)
        #expect(envelopes.envelope(of: second)?.metadata.userId == "u")
        // Read back from the store, the same position and id find it.
        let stored = RecordedEvent(
            position: 2, streamId: second.streamId, streamVersion: 2, id: second.id, type: second.type, recordedAt: second.recordedAt,
            metadata: second.metadata, data: second.data
        )
        #expect(envelopes.envelope(of: stored)?.eventId == second.id)
        // A command's events are handed over one for one, or not at all.
        #expect(throws: ProjectionError.self) { _ = try CommandExecutor.envelopes([first, second], [Added(counter: "c", amount: 1)], EventMetadata()) }
        // Another event at that position (another process's, say) is not taken for it.
        let (other, _) = try recorded(2)
        #expect(envelopes.envelope(of: other) == nil)
        // Position 6 takes position 2's slot: 2 is decoded again, never answered with 6.
        let (sixth, sixthEnvelope) = try recorded(6)
        envelopes.remember([sixthEnvelope])
        #expect(envelopes.envelope(of: second) == nil)
        #expect(envelopes.envelope(of: sixth)?.position == 6)
        #expect(envelopes.envelope(of: first)?.position == 1)
    }
}
