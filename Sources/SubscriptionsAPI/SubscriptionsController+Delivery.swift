import Foundation
import HTTPTypes
import Hummingbird
import StrataHTTP
import StrataKit
import StrataSubscriptions

/// Polling, acknowledging and refusing deliveries.
extension SubscriptionsController {
    struct Messages: Encodable {
        var messages: [MessageBody]
    }

    /// `POST …/poll {consumer, max?, waitSeconds?}`
    @Sendable func poll(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(in: [adminRole, serviceRole])
        let name = try context.parameters.require("group")
        var fields = try await JSONBody.object(request, context: context, allowed: ["consumer", "max", "waitSeconds"])
        let consumer = fields.string("consumer")
        let max = fields.integer("max", required: false, in: GroupRules.pollSizes) ?? 100
        let wait = fields.integer("waitSeconds", required: false, in: GroupRules.waits) ?? 0
        if let consumer { fields.add(GroupRules.consumerIssues(consumer)) }
        try fields.finish()
        guard let consumer else { throw Problem.validationFailed(fields.errors) }
        let messages = try await groups.poll(name, consumer: consumer, max: max, wait: .seconds(wait))
        return try JSONResponse.make(Messages(messages: messages.map(MessageBody.init)))
    }

    /// `POST …/ack {ackIds}`
    @Sendable func ack(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(in: [adminRole, serviceRole])
        let name = try context.parameters.require("group")
        var fields = try await JSONBody.object(request, context: context, allowed: ["ackIds"])
        let ids = ackIds(&fields)
        try fields.finish()
        try await groups.ack(name, ackIds: ids)
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    /// `POST …/nack {ackIds, action, reason?}`
    @Sendable func nack(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(in: [adminRole, serviceRole])
        let name = try context.parameters.require("group")
        var fields = try await JSONBody.object(request, context: context, allowed: ["ackIds", "action", "reason"])
        let ids = ackIds(&fields)
        let action = fields.string("action").flatMap { text -> NackAction? in
            guard let action = NackAction(rawValue: text) else {
                fields.fail("action", "must be retry, park or skip")
                return nil
            }
            return action
        }
        let reason = fields.string("reason", required: false, length: 0...1000)
        try fields.finish()
        guard let action else { throw Problem.validationFailed(fields.errors) }
        try await groups.nack(name, ackIds: ids, action: action, reason: reason)
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    /// The `ackIds` field: 1–1000 strings.
    private func ackIds(_ fields: inout JSONFields) -> [String] {
        let ids = GroupBody.strings(&fields, "ackIds", required: true) ?? []
        if fields.has("ackIds"), !(1...1000).contains(ids.count) { fields.fail("ackIds", "must have 1–1000 ids") }
        return ids
    }
}
