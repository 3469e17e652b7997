import Foundation
import HTTPTypes
import Hummingbird
import StrataKit
import StrataStore

/// The handlers of routes that run a command, and `Idempotency-Key` on their POSTs: the same key
/// from the same caller with the same request (method, path, body) within the store's lifetime
/// gets the first answer again, with `Idempotent-Replayed: true`, and appends nothing; the same key
/// with another request is 422 `idempotency_key_reused`.
///
/// A wrapped handler gets the request's ``CommandOptions`` as an argument: here the earlier answers
/// are looked up, and a fresh key becomes the options' claim, which the handler's command stores
/// with the request's hash and its answer in its own write transaction
/// (``CommandOptions/answer(on:render:_:)``). So there is no second write, two requests racing
/// with one key append once (the loser gets the winner's answer), and a retry after a crash at any
/// moment gets the command's one effect and its answer. Only answers of commands that appended are
/// stored: a refused request changed nothing and may be retried. Callers without a token are told
/// apart by client address.
public struct CommandRoutes: Sendable {
    let store: IdempotencyStore
    let log: any EventStore

    public init(store: IdempotencyStore, log: any EventStore) {
        self.store = store
        self.log = log
    }

    /// `handler` as a route's handler, called with the request's command options.
    public func handler<Context: StrataRequestContextProtocol>(
        _ handler: @escaping @Sendable (Request, Context, CommandOptions) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { [self] request, context in try await handle(request, context: context, handler) }
    }

    private func handle<Context: StrataRequestContextProtocol>(
        _ request: Request,
        context: Context,
        _ handler: (Request, Context, CommandOptions) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else { return try await handler(request, context, CommandOptions()) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw Problem.validationFailed([FieldError(field: "Idempotency-Key", message: "must be 1–255 printable ASCII characters")])
        }
        let user = context.identity.map { "user \($0.userId)" } ?? "anonymous \(context.clientAddress)"
        var request = request
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        request.body = .init(buffer: body)
        let requestHash = IdempotencyStore.requestHash(
            user: user,
            key: key,
            parts: [Array(request.method.rawValue.utf8), Array(request.uri.path.utf8), Array((request.uri.query ?? "").utf8), Array(buffer: body)]
        )
        if let record = try await log.read({ try store.lookup(user: user, key: key, in: $0) }) {
            return try Self.answer(from: record, for: requestHash)
        }
        let claim = IdempotencyClaim(store: store, user: user, key: key, requestHash: requestHash)
        do {
            return try await handler(request, context, CommandOptions(idempotency: claim))
        } catch IdempotencyError.keyInUse {
            // A request with the same key committed while this one was deciding: its answer stands.
            guard let record = try await log.read({ try store.lookup(user: user, key: key, in: $0) }) else {
                throw Problem(status: .conflict, code: "conflict", detail: "a request with this Idempotency-Key is in progress; retry shortly")
            }
            return try Self.answer(from: record, for: requestHash)
        }
    }

    /// The stored answer again, or 422 when the key was used for another request.
    static func answer(from record: IdempotencyRecord, for requestHash: String) throws -> Response {
        guard record.requestHash == requestHash else {
            throw Problem(
                status: .unprocessableContent,
                code: "idempotency_key_reused",
                detail: "this Idempotency-Key was used for another request; use a new key"
            )
        }
        var response = try StoredAnswer(decoding: record.answer).response
        response.headers[.idempotentReplayed] = "true"
        return response
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`: makes a POST safe to retry.
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// `Idempotent-Replayed: true` marks a stored answer given again.
    public static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
