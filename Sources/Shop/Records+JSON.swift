import StrataKit

// The JSON of the rows and events every order writes, by hand (the bytes Codable writes, tested
// in JSONCodingTests against Foundation's encoder): members by their names' UTF-8 order.

extension ProductRecord: JSONSelfEncoding {
    public func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("createdAt", first: true, to: &bytes)
        JSONText.appendDate(createdAt, to: &bytes)
        JSONText.appendMember("description", to: &bytes)
        JSONText.appendString(description, to: &bytes)
        JSONText.appendMember("id", to: &bytes)
        JSONText.appendString(id, to: &bytes)
        JSONText.appendMember("name", to: &bytes)
        JSONText.appendString(name, to: &bytes)
        JSONText.appendMember("priceCents", to: &bytes)
        JSONText.appendInteger(priceCents, to: &bytes)
        JSONText.appendMember("sku", to: &bytes)
        JSONText.appendString(sku, to: &bytes)
        JSONText.appendMember("status", to: &bytes)
        JSONText.appendString(status.rawValue, to: &bytes)
        JSONText.appendMember("stock", to: &bytes)
        JSONText.appendInteger(stock, to: &bytes)
        JSONText.appendMember("updatedAt", to: &bytes)
        JSONText.appendDate(updatedAt, to: &bytes)
        JSONText.appendMember("version", to: &bytes)
        JSONText.appendInteger(version, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}

extension OrderItemRecord: JSONSelfEncoding {
    public func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("lineTotalCents", first: true, to: &bytes)
        JSONText.appendInteger(lineTotalCents, to: &bytes)
        OrderLine.appendMembers(name: name, productId: productId, quantity: quantity, sku: sku, unitPriceCents: unitPriceCents, first: false, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}

extension OrderRecord: JSONSelfEncoding {
    public func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("createdAt", first: true, to: &bytes)
        JSONText.appendDate(createdAt, to: &bytes)
        JSONText.appendMember("id", to: &bytes)
        JSONText.appendString(id, to: &bytes)
        JSONText.appendMember("items", to: &bytes)
        JSONText.appendArray(items, to: &bytes) { item, bytes in item.appendJSON(to: &bytes) }
        JSONText.appendMember("status", to: &bytes)
        JSONText.appendString(status.rawValue, to: &bytes)
        JSONText.appendMember("totalCents", to: &bytes)
        JSONText.appendInteger(totalCents, to: &bytes)
        JSONText.appendMember("updatedAt", to: &bytes)
        JSONText.appendDate(updatedAt, to: &bytes)
        JSONText.appendMember("userId", to: &bytes)
        JSONText.appendString(userId, to: &bytes)
        JSONText.appendMember("version", to: &bytes)
        JSONText.appendInteger(version, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}

extension OrderLine: JSONSelfEncoding {
    public func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        Self.appendMembers(name: name, productId: productId, quantity: quantity, sku: sku, unitPriceCents: unitPriceCents, first: true, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// The members a line and an order's item share, in their names' order.
    static func appendMembers(name: String, productId: String, quantity: Int, sku: String, unitPriceCents: Int, first: Bool, to bytes: inout [UInt8]) {
        JSONText.appendMember("name", first: first, to: &bytes)
        JSONText.appendString(name, to: &bytes)
        JSONText.appendMember("productId", to: &bytes)
        JSONText.appendString(productId, to: &bytes)
        JSONText.appendMember("quantity", to: &bytes)
        JSONText.appendInteger(quantity, to: &bytes)
        JSONText.appendMember("sku", to: &bytes)
        JSONText.appendString(sku, to: &bytes)
        JSONText.appendMember("unitPriceCents", to: &bytes)
        JSONText.appendInteger(unitPriceCents, to: &bytes)
    }
}

extension OrderPlaced: JSONSelfEncoding {
    public func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("lines", first: true, to: &bytes)
        JSONText.appendArray(lines, to: &bytes) { line, bytes in line.appendJSON(to: &bytes) }
        JSONText.appendMember("orderId", to: &bytes)
        JSONText.appendString(orderId, to: &bytes)
        JSONText.appendMember("totalCents", to: &bytes)
        JSONText.appendInteger(totalCents, to: &bytes)
        JSONText.appendMember("userId", to: &bytes)
        JSONText.appendString(userId, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}

extension StockReserved: JSONSelfEncoding {
    public func appendJSON(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        JSONText.appendMember("orderId", first: true, to: &bytes)
        JSONText.appendString(orderId, to: &bytes)
        JSONText.appendMember("productId", to: &bytes)
        JSONText.appendString(productId, to: &bytes)
        JSONText.appendMember("quantity", to: &bytes)
        JSONText.appendInteger(quantity, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}

// Reading them back by hand, falling back to `init(from:)` (and its error) whenever unsure.

extension ProductRecord: JSONSelfDecoding {
    public init?(json: JSONValue) {
        guard case .object(let members) = json, let id = members["id"]?.asString, let sku = members["sku"]?.asString,
            let name = members["name"]?.asString, let description = members["description"]?.asString,
            let priceCents = members["priceCents"]?.asInteger(Int.self), let stock = members["stock"]?.asInteger(Int.self),
            let status = members["status"]?.asCase(ProductStatus.self), let version = members["version"]?.asInteger(UInt64.self),
            let createdAt = members["createdAt"]?.asDate, let updatedAt = members["updatedAt"]?.asDate
        else { return nil }
        self.init(
            id: id, sku: sku, name: name, description: description, priceCents: priceCents, stock: stock, status: status, version: version,
            createdAt: createdAt, updatedAt: updatedAt
        )
    }
}

extension OrderItemRecord: JSONSelfDecoding {
    public init?(json: JSONValue) {
        guard case .object(let members) = json, let productId = members["productId"]?.asString, let sku = members["sku"]?.asString,
            let name = members["name"]?.asString, let quantity = members["quantity"]?.asInteger(Int.self),
            let unitPriceCents = members["unitPriceCents"]?.asInteger(Int.self), let lineTotalCents = members["lineTotalCents"]?.asInteger(Int.self)
        else { return nil }
        self.init(productId: productId, sku: sku, name: name, quantity: quantity, unitPriceCents: unitPriceCents, lineTotalCents: lineTotalCents)
    }
}

extension OrderRecord: JSONSelfDecoding {
    public init?(json: JSONValue) {
        guard case .object(let members) = json, let id = members["id"]?.asString, let userId = members["userId"]?.asString,
            let status = members["status"]?.asCase(OrderStatus.self), let items = members["items"]?.asArray(OrderItemRecord.init(json:)),
            let totalCents = members["totalCents"]?.asInteger(Int.self), let version = members["version"]?.asInteger(UInt64.self),
            let createdAt = members["createdAt"]?.asDate, let updatedAt = members["updatedAt"]?.asDate
        else { return nil }
        self.init(id: id, userId: userId, status: status, items: items, totalCents: totalCents, version: version, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension OrderLine: JSONSelfDecoding {
    public init?(json: JSONValue) {
        guard case .object(let members) = json, let productId = members["productId"]?.asString, let sku = members["sku"]?.asString,
            let name = members["name"]?.asString, let quantity = members["quantity"]?.asInteger(Int.self),
            let unitPriceCents = members["unitPriceCents"]?.asInteger(Int.self)
        else { return nil }
        self.init(productId: productId, sku: sku, name: name, quantity: quantity, unitPriceCents: unitPriceCents)
    }
}

extension OrderPlaced: JSONSelfDecoding {
    public init?(json: JSONValue) {
        guard case .object(let members) = json, let orderId = members["orderId"]?.asString, let userId = members["userId"]?.asString,
            let lines = members["lines"]?.asArray(OrderLine.init(json:)), let totalCents = members["totalCents"]?.asInteger(Int.self)
        else { return nil }
        self.init(orderId: orderId, userId: userId, lines: lines, totalCents: totalCents)
    }
}

extension StockReserved: JSONSelfDecoding {
    public init?(json: JSONValue) {
        guard case .object(let members) = json, let productId = members["productId"]?.asString, let orderId = members["orderId"]?.asString,
            let quantity = members["quantity"]?.asInteger(Int.self)
        else { return nil }
        self.init(productId: productId, orderId: orderId, quantity: quantity)
    }
}
