import Foundation
import StrataTestSupport
import Identity
import Shop
import ShopTestSupport
import StrataKit
import StrataLog
import StrataStore



/// What a finished tool run printed.
struct ToolRun {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs one of the built tools to completion.
@discardableResult
func runTool(_ name: String, _ arguments: [String], input: String? = nil) throws -> ToolRun {
    let process = Process()
    process.executableURL = builtProductsDirectory(containing: "strata-admin").appendingPathComponent(name)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self))
}

let meta = EventMetadata(correlationId: "tools-test")

/// Fills `directory` with a little of everything the shop does, then closes it.
func populate(_ directory: String) async throws {
    let log = try EventLog.open(directory: directory)
    let keys = try KeyStore(directory: directory + "/keys")
    let services = try await ShopServices.start(log: log, keys: keys)
    let shop = services.shop
    for index in 0..<5 {
        _ = try await services.users.registerUser(
            id: "u\(index)",
            name: "User \(index)",
            email: "user\(index)@example.com",
            role: .customer,
            passwordHash: "$2b$04$x",
            metadata: meta
        )
    }
    for index in 0..<8 {
        _ = try await shop.createProduct(
            id: "p\(index)",
            sku: "SKU-\(index)",
            name: "Product \(index)",
            description: "Thing \(index)",
            priceCents: 100 * (index + 1),
            stock: 100,
            metadata: meta
        )
    }
    for index in 0..<40 {
        _ = try await shop.placeOrder(
            id: "o\(index)",
            userId: "u\(index % 5)",
            items: [Order.Item(productId: "p\(index % 8)", quantity: 1 + index % 3)],
            metadata: meta
        )
        if index % 2 == 0 { _ = try await shop.payOrder(id: "o\(index)", by: "u\(index % 5)", metadata: meta) }
        if index % 7 == 0 { _ = try await shop.cancelOrder(id: "o\(index)", by: "admin", isAdmin: true, metadata: meta) }
    }
    _ = await shop.app.runner.waitUntil("sales", reaches: try log.headPosition(), timeout: .seconds(10))
    await services.stop()
    log.close()
    keys.close()
}
