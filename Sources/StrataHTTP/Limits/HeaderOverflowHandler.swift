import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import StrataKit
import StrataStore

/// Answers a request whose headers overflow the HTTP parser — however far past the limit — with
/// 431 `headers_too_large`, as a request just over it gets from ``RequestLimitsMiddleware``;
/// without it the parser's error would be a bare 400 and a dropped connection. It then closes its
/// side, reads on (discarding) until the client closes or two seconds pass, so that the client
/// gets the answer rather than a reset for the bytes it was still sending.
public final class HeaderOverflowHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundOut = HTTPResponsePart

    private let limit: Int
    private var answered = false

    /// A handler for one connection; `limit` is the header limit the answer names.
    public init(limit: Int) {
        self.limit = limit
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        context.fireChannelRead(data)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            if !answered { context.fireErrorCaught(error) }
            return
        }
        guard !answered else { return }
        answered = true
        let problem = Problem(status: .requestHeaderFieldsTooLarge, code: "headers_too_large", detail: "the request headers are over \(limit) bytes")
        let body = (try? KitCoding.encode(problem)) ?? []
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        fields[.cacheControl] = "no-store"
        fields[.strataRequestID] = UUIDv7.makeString()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestHeaderFieldsTooLarge, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            bound.value.close(mode: .output, promise: nil)
        }
        context.eventLoop.scheduleTask(in: .seconds(2)) { bound.value.close(promise: nil) }
    }
}
