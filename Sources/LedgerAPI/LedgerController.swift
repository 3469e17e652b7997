import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import StrataHTTP
import StrataKit
import StrataStore

/// `/v1/ledger`: accounts, deposits, withdrawals, transfers, statements and daily totals.
struct LedgerController<Context: StrataRequestContextProtocol>: Sendable {
    let ledger: LedgerService
    let commands: CommandRoutes
    let consistency: ConsistencyWait
    let adminRole: String

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("accounts", use: commands.handler(open))
        group.get("accounts/:id", use: show)
        group.post("accounts/:id/deposits", use: commands.handler { try await change($0, $1, $2, field: true, admins: true) { try $0.deposit($1) } })
        group.post("accounts/:id/withdrawals", use: commands.handler { try await change($0, $1, $2, field: true, admins: false) { try $0.withdraw($1) } })
        group.post("accounts/:id/close", use: commands.handler { try await change($0, $1, $2, field: false, admins: true) { account, _ in try account.close() } })
        group.get("accounts/:id/statement", use: statement)
        group.post("transfers", use: commands.handler(transfer))
        group.get("daily", use: daily)
    }

    private func caller(_ context: Context) throws -> Caller {
        let identity = try context.requireIdentity()
        return Caller(userId: identity.userId, isAdmin: identity.role == adminRole)
    }

    @Sendable func open(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let caller = try caller(context)
        var fields = try await JSONBody.object(request, context: context, allowed: ["name"])
        let name = fields.string("name")
        fields.add(LedgerRules.issues(name: name))
        try fields.finish()
        guard let name else { throw Problem.validationFailed(fields.errors) }
        let id = LedgerService.newId()
        return try await options.answer(on: ledger.app.store, render: account(id, status: .created, location: "/v1/ledger/accounts/\(id)")) { followUp in
            try await ledger.open(id: id, ownerId: caller.userId, name: name, metadata: context.eventMetadata(userId: caller.userId), followUp: followUp)
        }
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let caller = try caller(context)
        let id = try context.parameters.require("id")
        guard let (json, version, position) = try await ledger.reading({ try $0.accountJSON(id, for: caller) }) else { throw Problem.notFound("no account \(id)") }
        return ConditionalGET.response(CachedView(body: json, etag: ConditionalGET.etag(version), position: position), request: request, cacheControl: ConditionalGET.privateCache)
    }

    /// A deposit, withdrawal or closing: `{amountCents}` when `field`, `If-Match` honoured.
    private func change(
        _ request: Request, _ context: Context, _ options: CommandOptions, field: Bool, admins: Bool,
        _ decide: @escaping @Sendable (Account, Int) throws -> [any Event]
    ) async throws -> Response {
        let caller = try caller(context)
        let id = try context.parameters.require("id")
        var amount = 0
        if field {
            var fields = try await JSONBody.object(request, context: context, allowed: ["amountCents"])
            let given = fields.integer("amountCents")
            fields.add(LedgerRules.issues(amountCents: given))
            try fields.finish()
            guard let given else { throw Problem.validationFailed(fields.errors) }
            amount = given
        }
        let expected = try Responses.expectedVersion(request)
        return try await options.answer(on: ledger.app.store, render: account(id, status: .ok)) { [amount] followUp in
            try await ledger.change(id, by: caller, admins: admins, expectedVersion: expected, metadata: context.eventMetadata(userId: caller.userId), followUp: followUp) {
                try decide($0, amount)
            }
        }
    }

    @Sendable func transfer(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let caller = try caller(context)
        var fields = try await JSONBody.object(request, context: context, allowed: ["fromAccountId", "toAccountId", "amountCents"])
        let from = fields.string("fromAccountId", length: 1...64)
        let to = fields.string("toAccountId", length: 1...64)
        let amount = fields.integer("amountCents")
        fields.add(LedgerRules.issues(amountCents: amount, from: from, to: to))
        try fields.finish()
        guard let from, let to, let amount else { throw Problem.validationFailed(fields.errors) }
        let id = LedgerService.newId()
        let render: @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer = { [ledger] position, reader in
            guard let record = try ledger.transfer(id, in: reader) else { throw Problem.notFound("no transfer \(id)") }
            return try Responses.command(record, status: .created, position: position)
        }
        return try await options.answer(on: ledger.app.store, render: render) { followUp in
            try await ledger.transfer(id: id, from: from, to: to, amountCents: amount, by: caller, metadata: context.eventMetadata(userId: caller.userId), followUp: followUp)
        }
    }

    @Sendable func statement(_ request: Request, context: Context) async throws -> Response {
        let caller = try caller(context)
        let id = try context.parameters.require("id")
        let limit = try QueryParameter.integer(request, "limit", in: 1...100, default: 20)
        let after = request.uri.queryParameters.get("after").map { String($0) }
        guard let page = try await ledger.reading({ try $0.statement(id, for: caller, limit: limit, after: after) }) else { throw Problem.notFound("no account \(id)") }
        let etag = "\"\(page.position)-\(String(StableHash.fnv1a(request.uri.query ?? ""), radix: 16))\""
        let body = try KitCoding.encode(Listing(items: page.items, next: page.next))
        return ConditionalGET.response(CachedView(body: body, etag: etag, position: page.position), request: request, cacheControl: ConditionalGET.privateCache)
    }

    /// `GET /v1/ledger/daily?from=&to=` (admin): the daily totals of those days (`YYYY-MM-DD`).
    @Sendable func daily(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let bounds = try ["from", "to"].map { (name: String) throws -> String? in
            guard let day = request.uri.queryParameters.get(name) else { return nil }
            guard day.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else { throw Problem.invalidParameter(name, "must be a day, YYYY-MM-DD") }
            return String(day)
        }
        try await consistency.wait(for: request, projections: [DailyTotalsProjection().name])
        let (days, position) = try await ledger.reading { try $0.dailyTotals(from: bounds[0] ?? "0000-00-00", to: bounds[1] ?? "9999-99-99") }
        let view = CachedView(body: try KitCoding.encode(Listing(items: days, next: nil)), etag: ConditionalGET.etag(position), position: position)
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.privateCache)
    }

    /// Renders the account as the command left it: its row's bytes, sent as they are.
    private func account(_ id: String, status: HTTPResponse.Status, location: String? = nil) -> @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer {
        { [ledger] position, reader in
            guard let (json, version, _) = try ledger.accountJSON(id, for: nil, in: reader) else { throw Problem.notFound("no account \(id)") }
            return Responses.command(json: json, status: status, position: position, etag: ConditionalGET.etag(version), location: location)
        }
    }
}
