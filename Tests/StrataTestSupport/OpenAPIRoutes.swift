import Foundation

/// The routes an OpenAPI document of the repository describes, as "METHOD /path" with `{name}`
/// captures, read from its `paths:` block (two-space path keys, four-space method keys).
public func documentedRoutes(_ document: String) throws -> Set<String> {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
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
