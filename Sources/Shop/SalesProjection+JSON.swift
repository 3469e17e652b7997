import StrataKit

// The sales projection's rows write and read their own JSON (the bytes Codable writes, tested in
// JSONCodingTests against Foundation's coders): every order placed writes a summary and the totals.

extension SalesProjection.Totals: JSONSelfEncoding, JSONSelfDecoding {
    func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("ordersCancelled", first: true, to: &bytes)
        JSONText.appendInteger(ordersCancelled, to: &bytes)
        JSONText.appendMember("ordersPaid", to: &bytes)
        JSONText.appendInteger(ordersPaid, to: &bytes)
        JSONText.appendMember("ordersPlaced", to: &bytes)
        JSONText.appendInteger(ordersPlaced, to: &bytes)
        JSONText.appendMember("ordersShipped", to: &bytes)
        JSONText.appendInteger(ordersShipped, to: &bytes)
        JSONText.appendMember("revenueCents", to: &bytes)
        JSONText.appendInteger(revenueCents, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    init?(json: JSONValue) {
        guard case .object(let members) = json, let ordersPlaced = members["ordersPlaced"]?.asInteger(Int.self),
            let ordersPaid = members["ordersPaid"]?.asInteger(Int.self), let ordersCancelled = members["ordersCancelled"]?.asInteger(Int.self),
            let ordersShipped = members["ordersShipped"]?.asInteger(Int.self), let revenueCents = members["revenueCents"]?.asInteger(Int.self)
        else { return nil }
        self.init(
            ordersPlaced: ordersPlaced, ordersPaid: ordersPaid, ordersCancelled: ordersCancelled, ordersShipped: ordersShipped,
            revenueCents: revenueCents
        )
    }
}

extension SalesProjection.OrderSummary: JSONSelfEncoding, JSONSelfDecoding {
    func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("lines", first: true, to: &bytes)
        JSONText.appendArray(lines, to: &bytes) { line, bytes in line.appendJSON(to: &bytes) }
        JSONText.appendMember("status", to: &bytes)
        JSONText.appendString(status.rawValue, to: &bytes)
        JSONText.appendMember("totalCents", to: &bytes)
        JSONText.appendInteger(totalCents, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    init?(json: JSONValue) {
        guard case .object(let members) = json, let status = members["status"]?.asCase(OrderStatus.self),
            let lines = members["lines"]?.asArray(OrderLine.init(json:)), let totalCents = members["totalCents"]?.asInteger(Int.self)
        else { return nil }
        self.init(status: status, lines: lines, totalCents: totalCents)
    }
}
