import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/subscriptions` through the real router on a real store: who may do what, the bodies'
/// rules, and a group's messages from poll to ack, nack, parking and replay.
struct SubscriptionRoutesTests {
    @Test func adminsMakeGroupsWithinTheRulesAndTheFilterStays() async throws {
        try await SubscriptionsFixture.run { fixture, client in
            let made = try await client.send(.put, "/v1/subscriptions/users", fixture.admin, #"{"streamPrefix":"user-","ackTimeoutSeconds":5}"#)
            #expect(made.status == .created)
            #expect(made.headers[.location] == "/v1/subscriptions/users")
            let body = try object(made)
            #expect(body["group"] as? String == "users")
            #expect(body["startFrom"] as? String == "start")
            #expect(body["maxDeliveries"] as? Int == 5)
            #expect(body["position"] as? Int == 0)
            #expect(body["push"] is NSNull)
            #expect((body["head"] as? Int ?? 0) > 0)
            #expect(try await client.send(.put, "/v1/subscriptions/users", fixture.admin, #"{"streamPrefix":"user-","ackTimeoutSeconds":9}"#).status == .ok)
            let changed = try await client.send(.put, "/v1/subscriptions/users", fixture.admin, #"{"streamPrefix":"order-"}"#)
            #expect(changed.status == .conflict)
            #expect(try object(changed)["code"] as? String == "conflict")
            let invalid = try await client.send(.put, "/v1/subscriptions/Bad!", fixture.admin, #"{"ackTimeoutSeconds":0,"maxDeliveries":101,"push":{"url":"ftp://x","secret":"short"},"startFrom":"middle","extra":1}"#)
            #expect(invalid.status == .unprocessableContent)
            let fields = Set((try object(invalid)["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["group", "ackTimeoutSeconds", "maxDeliveries", "push.url", "push.secret", "startFrom", "extra"])
            let nullStart = try await client.send(.put, "/v1/subscriptions/nulls", fixture.admin, #"{"startFrom":null}"#)
            #expect(nullStart.status == .unprocessableContent, "startFrom is \"start\", \"end\" or a position, or absent")
            let listed = try object(try await client.send(.get, "/v1/subscriptions", fixture.service))["items"] as? [[String: Any]]
            #expect(listed?.map { $0["group"] as? String } == ["users"])
            #expect(try await client.send(.delete, "/v1/subscriptions/users", fixture.admin).status == .noContent)
            #expect(try await client.send(.get, "/v1/subscriptions/users", fixture.admin).status == .notFound)
            #expect(try await client.send(.delete, "/v1/subscriptions/users", fixture.admin).status == .notFound)
        }
    }

    @Test func servicesMayOnlyUseGroupsAndCustomersNotAtAll() async throws {
        try await SubscriptionsFixture.run { fixture, client in
            _ = try await client.send(.put, "/v1/subscriptions/users", fixture.admin, #"{"streamPrefix":"user-"}"#)
            #expect(try await client.send(.put, "/v1/subscriptions/other", fixture.service, "{}").status == .forbidden)
            #expect(try await client.send(.delete, "/v1/subscriptions/users", fixture.service).status == .forbidden)
            #expect(try await client.send(.get, "/v1/subscriptions/users/parked", fixture.service).status == .forbidden)
            #expect(try await client.send(.get, "/v1/users/me", fixture.service).status == .forbidden)
            #expect(try await client.send(.get, "/v1/admin/events", fixture.service).status == .forbidden)
            #expect(try await client.send(.get, "/v1/subscriptions/users", fixture.service).status == .ok)
            #expect(try await client.send(.post, "/v1/subscriptions/users/poll", fixture.customer, #"{"consumer":"c"}"#).status == .forbidden)
            #expect(try await client.send(.get, "/v1/subscriptions", nil).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/users/me", fixture.customer).status == .ok)
        }
    }

    @Test func messagesArePolledAcknowledgedRefusedParkedAndReplayed() async throws {
        try await SubscriptionsFixture.run { fixture, client in
            _ = try await client.send(.put, "/v1/subscriptions/users", fixture.admin, #"{"streamPrefix":"user-"}"#)
            let messages = try await client.poll("users", fixture.service)
            #expect(messages.count == 3)
            let event = messages.first?["event"] as? [String: Any]
            #expect(event?["type"] as? String == "UserRegistered")
            #expect((event?["streamId"] as? String)?.hasPrefix("user-") == true)
            #expect(messages.first?["deliveries"] as? Int == 1)
            let ids = messages.compactMap { $0["ackId"] as? String }
            let acked = try await client.send(.post, "/v1/subscriptions/users/ack", fixture.service, #"{"ackIds":["\#(ids[0])","9-nope"]}"#)
            #expect(acked.status == .conflict)
            #expect((try object(acked)["detail"] as? String)?.contains("9-nope") == true)
            #expect(try await client.send(.post, "/v1/subscriptions/users/nack", fixture.service, #"{"ackIds":["\#(ids[1])"],"action":"later"}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/subscriptions/users/nack", fixture.service, #"{"ackIds":["\#(ids[1])"],"action":"park","reason":"no mailbox"}"#).status == .noContent)
            #expect(try await client.send(.post, "/v1/subscriptions/users/ack", fixture.service, #"{"ackIds":["\#(ids[2])"]}"#).status == .noContent)
            let group = try object(try await client.send(.get, "/v1/subscriptions/users", fixture.service))
            #expect(group["parked"] as? Int == 1)
            #expect(group["inFlight"] as? Int == 0)
            #expect((group["consumers"] as? [[String: Any]])?.first?["consumer"] as? String == "c1")
            let parked = try object(try await client.send(.get, "/v1/subscriptions/users/parked", fixture.admin))["items"] as? [[String: Any]] ?? []
            #expect(parked.map { $0["reason"] as? String } == ["no mailbox"])
            let position = parked.first?["position"] as? Int ?? 0
            #expect(try await client.send(.post, "/v1/subscriptions/users/parked/\(position)/replay", fixture.admin).status == .noContent)
            #expect(try await client.send(.post, "/v1/subscriptions/users/parked/\(position)/replay", fixture.admin).status == .notFound)
            let again = try await client.poll("users", fixture.service)
            #expect(again.compactMap { ($0["event"] as? [String: Any])?["position"] as? Int } == [position])
            let replayedId = again.first?["ackId"] as? String ?? ""
            #expect(try await client.send(.post, "/v1/subscriptions/users/nack", fixture.service, #"{"ackIds":["\#(replayedId)"],"action":"park"}"#).status == .noContent)
            #expect(try await client.send(.post, "/v1/subscriptions/users/parked/\(position)/skip", fixture.service).status == .forbidden)
            #expect(try await client.send(.post, "/v1/subscriptions/users/parked/\(position)/skip", fixture.admin).status == .noContent)
            #expect(try await client.send(.post, "/v1/subscriptions/users/parked/\(position)/skip", fixture.admin).status == .notFound)
            #expect(try object(try await client.send(.get, "/v1/subscriptions/users", fixture.admin))["parked"] as? Int == 0)
            #expect(try await client.send(.post, "/v1/subscriptions/users/poll", fixture.service, #"{"max":0,"waitSeconds":31}"#).status == .unprocessableContent)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            for line in [
                #"strata_subscription_deliveries_total{group="users"} 4"#, #"strata_subscription_acks_total{group="users"} 2"#,
                #"strata_subscription_in_flight{group="users"} 0"#, #"strata_subscription_parked{group="users"} 0"#,
            ] {
                #expect(metrics.contains(line), "\(line)")
            }
            // A deleted group's series leave /metrics with it.
            #expect(try await client.send(.delete, "/v1/subscriptions/users", fixture.admin).status == .noContent)
            let after = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(!after.contains(#"group="users""#), "a deleted group's series stay")
            // One made again under its name counts from nothing.
            _ = try await client.send(.put, "/v1/subscriptions/users", fixture.admin, #"{"streamPrefix":"user-"}"#)
            #expect(try await client.poll("users", fixture.service, max: 1).count == 1)
            let remade = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(remade.contains(#"strata_subscription_deliveries_total{group="users"} 1"#))
            #expect(remade.contains(#"strata_subscription_acks_total{group="users"} 0"#))
        }
    }

    @Test func aPushGroupIsNotPolled() async throws {
        try await SubscriptionsFixture.run { fixture, client in
            let made = try await client.send(.put, "/v1/subscriptions/hook", fixture.admin, #"{"push":{"url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef"}}"#)
            #expect(made.status == .created)
            let push = try object(made)["push"] as? [String: Any]
            #expect(push?["url"] as? String == "http://127.0.0.1:9/hook")
            #expect(push?["secret"] == nil)
            #expect(try await client.send(.post, "/v1/subscriptions/hook/poll", fixture.service, #"{"consumer":"c"}"#).status == .conflict)
        }
    }

    @Test func aCommandsTraceContextTravelsWithItsEventsToTheConsumer() async throws {
        try await SubscriptionsFixture.run { fixture, client in
            _ = try await client.send(.put, "/v1/subscriptions/signups", fixture.admin, #"{"eventTypes":["UserRegistered"],"startFrom":"end"}"#)
            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let made = try await client.execute(
                uri: "/v1/users", method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("traceparent")!: traceparent],
                body: ByteBuffer(string: #"{"name":"Zoe","email":"zoe@example.com","password":"a long password"}"#)
            )
            #expect(made.status == .created)
            _ = try await client.execute(
                uri: "/v1/users", method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("traceparent")!: "not-a-trace"],
                body: ByteBuffer(string: #"{"name":"Yan","email":"yan@example.com","password":"a long password"}"#)
            )
            let messages = try await client.poll("signups", fixture.service)
            let metadata = messages.map { ($0["event"] as? [String: Any])?["metadata"] as? [String: Any] }
            #expect(metadata.count == 2)
            #expect(metadata.first??["traceparent"] as? String == traceparent)
            #expect(metadata.last??["traceparent"] == nil)
        }
    }
}
