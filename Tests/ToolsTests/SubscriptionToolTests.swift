import Foundation
import StrataLog
import StrataStore
import StrataSubscriptions
import StrataTestSupport
import Testing

/// `strata-admin subscriptions`: groups, one group, and its parked messages, beside a store.
@Suite(.serialized) struct SubscriptionToolTests {
    @Test func theToolListsGroupsShowsOneAndItsParkedMessages() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        let path = scratch.sub("data")
        do {
            let log = try EventLog.open(directory: path)
            defer { log.close() }
            for stream in ["order-1", "order-2"] {
                _ = try await log.append(AppendRequest(streamId: stream, expectedVersion: .noStream, events: [EventData(type: "OrderPlaced", data: Array("{}".utf8))]))
            }
            let groups = ConsumerGroups(store: log)
            _ = try await groups.put("mailer", settings: GroupSettings(eventTypes: ["OrderPlaced"], streamPrefix: "order-"))
            let messages = try await groups.poll("mailer", consumer: "mailer-1", max: 10)
            try await groups.nack("mailer", ackIds: [messages[0].ackId], action: .park, reason: "no address")
        }
        let list = try runTool("strata-admin", ["subscriptions", "--data-dir", path])
        #expect(list.status == 0)
        #expect(list.output.contains("mailer") && list.output.contains("OrderPlaced in order-*"), "\(list.output)")
        let show = try runTool("strata-admin", ["subscriptions", "show", "mailer", "--json", "--data-dir", path])
        let status = try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any]
        #expect(status?["parked"] as? Int == 1 && status?["inFlight"] as? Int == 1 && status?["head"] as? Int == 2)
        let parked = try runTool("strata-admin", ["subscriptions", "parked", "mailer", "--data-dir", path])
        #expect(parked.output.contains("no address"), "\(parked.output)")
        let missing = try runTool("strata-admin", ["subscriptions", "show", "nobody", "--data-dir", path])
        #expect(missing.status != 0 && missing.errors.contains("no consumer group nobody"), "\(missing.errors)")
    }
}
