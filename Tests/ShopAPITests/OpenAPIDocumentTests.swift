import Foundation
import Hummingbird
import Logging
import Shop
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// The routes `docs/openapi.yaml` describes, as "METHOD /path" with `{name}` captures, read
/// from its `paths:` block (two-space path keys, four-space method keys).
func documentedRoutes() throws -> Set<String> {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
    var routes = Set<String>()
    var inPaths = false
    var path: String?
    let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line == "paths:" {
            inPaths = true
            continue
        }
        guard inPaths else { continue }
        if !line.hasPrefix(" "), !line.isEmpty { break }
        if line.hasPrefix("  /"), line.hasSuffix(":") {
            path = String(line.dropFirst(2).dropLast())
        } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
            let key = line.trimmingCharacters(in: .whitespaces).dropLast()
            if methods.contains(String(key)), let path { routes.insert("\(key.uppercased()) \(path)") }
        }
    }
    return routes
}

@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentDescribesExactlyTheRoutesTheRouterServes() async throws {
        let place = TestStorePlace(label: "openapi")
        defer { place.remove() }
        let log = try place.open()
        let keys = try place.openKeys(for: log)
        let services = try await ShopServices.start(log: log, keys: keys)
        let router = try ServerRouter.build(
            app: services.app,
            identity: IdentityRoutes(users: services.users, credentials: Credentials(bcryptCost: 4)),
            tokens: try await TokenService(secret: String(repeating: "k", count: 32)),
            domains: [ShopRoutes()],
            logger: Logger(label: "test")
        )
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        await services.stop()
        log.close()
        keys.close()
        let documented = try documentedRoutes()
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.count >= 30)
    }
}
