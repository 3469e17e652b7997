import Foundation
import Hummingbird

/// The baseline of `make bench-http`: the least a Hummingbird server does for the same kind of
/// requests — a GET answering ~100 bytes of JSON, and a POST decoding a small JSON body and
/// answering 201. No storage, no auth, no middleware.
struct Item: Codable {
    var productId: String
    var quantity: Int
}

struct Order: Codable {
    var items: [Item]
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let body = ByteBuffer(string: #"{"id":"01a2110e-f8ab-705f-8563-2ef7841fc851","sku":"BASE-1","name":"Baseline","priceCents":1200}"#)
let router = Router()
router.get("/item") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
}
router.post("/orders") { request, context in
    let order = try await request.decode(as: Order.self, context: context)
    let answer = ByteBuffer(string: #"{"lines":\#(order.items.count)}"#)
    return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
