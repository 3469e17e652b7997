import Foundation
import HTTPTypes
import Hummingbird
import StrataKit
import StrataStore

/// `Idempotency-Key` on POST: the same key from the same caller with the same request (method,
/// path, body) within the store's lifetime gets the first answer again, with
/// `Idempotent-Replayed: true`, and appends nothing; the same key with another request is 422
/// `idempotency_key_reused`.
///
/// The key is claimed inside the command's own write transaction (``IdempotencyClaim``), so two
/// requests racing with one key can never both append: the loser is a 409 `conflict` (retry to
/// get the answer). The answer itself is stored after the handler made it; if the process dies
/// in between, the claim stays and later retries get a 409 naming the position the command
/// reached. Only 2xx answers are stored: a refused request changed nothing and may be retried.
/// Callers without a token are told apart by client address.
public struct IdempotencyMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let store: IdempotencyStore
    let log: any EventStore

    public init(store: IdempotencyStore, log: any EventStore) {
        self.store = store
        self.log = log
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else { return try await next(request, context) }
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
        if let record = try log.withSnapshot({ try store.lookup(user: user, key: key, in: $0) }) {
            return try Self.answer(from: record, for: requestHash)
        }
        let claim = IdempotencyClaim(store: store, user: user, key: key, requestHash: requestHash)
        let response: Response
        do {
            response = try await IdempotencyClaim.$current.withValue(claim) { try await next(request, context) }
        } catch IdempotencyError.keyInUse {
            guard let record = try log.withSnapshot({ try store.lookup(user: user, key: key, in: $0) }) else { throw Self.inProgress(nil) }
            return try Self.answer(from: record, for: requestHash)
        }
        guard (200..<300).contains(response.status.code) else { return response }
        let collector = BodyCollector()
        var answer = response
        try await answer.body.write(CollectingBodyWriter(collector: collector))
        let bytes = collector.bytes
        var headers: [String: String] = [:]
        for field in response.headers where field.name != .strataRequestID { headers[field.name.rawName] = field.value }
        let position = try response.headers[.strataPosition].flatMap(UInt64.init) ?? log.headPosition()
        try await store.complete(
            store.record(requestHash: requestHash, status: response.status.code, headers: headers, body: bytes, position: position),
            user: user,
            key: key
        )
        answer.body = .init(byteBuffer: ByteBuffer(bytes: bytes))
        return answer
    }

    /// The stored answer again, or why not.
    static func answer(from record: IdempotencyRecord, for requestHash: String) throws -> Response {
        guard record.requestHash == requestHash else {
            throw Problem(
                status: .unprocessableContent,
                code: "idempotency_key_reused",
                detail: "this Idempotency-Key was used for another request; use a new key"
            )
        }
        guard !record.isClaim else { throw inProgress(record.position) }
        var headers = HTTPFields()
        for (name, value) in record.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.idempotentReplayed] = "true"
        return Response(status: .init(code: record.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: record.body)))
    }

    static func inProgress(_ position: UInt64?) -> Problem {
        Problem(
            status: .conflict,
            code: "conflict",
            detail: position.map {
                "a request with this Idempotency-Key reached log position \($0) but its answer is not stored yet; retry shortly"
            } ?? "a request with this Idempotency-Key is in progress; retry shortly"
        )
    }
}

/// Gathers a response body's bytes.
final class BodyCollector: @unchecked Sendable {
    // Written by one writer, read after it finished.
    var bytes: [UInt8] = []
}

struct CollectingBodyWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws {
        collector.bytes.append(contentsOf: buffer.readableBytesView)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension HTTPField.Name {
    /// `Idempotency-Key`: makes a POST safe to retry.
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// `Idempotent-Replayed: true` marks a stored answer given again.
    public static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
