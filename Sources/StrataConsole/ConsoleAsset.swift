import Crypto

/// One file of the console: its bytes, media type and a strong ETag (from a SHA-256 of the bytes,
/// so it changes exactly when the file does).
public struct ConsoleAsset: Sendable {
    public let path: String
    public let contentType: String
    public let bytes: [UInt8]
    public let etag: String

    init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        self.contentType = Self.contentType(of: path)
        let digest = SHA256.hash(data: bytes).prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }
        self.etag = "\"\(digest.joined())\""
    }

    static func contentType(of path: String) -> String {
        if path.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if path.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if path.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        return "application/octet-stream"
    }
}

/// Every file of the console by the path it is served at, below `/admin/`.
public enum ConsoleAssets {
    /// The page itself, served at `/admin`.
    public static let page = ConsoleAsset(path: "index.html", bytes: PackageResources.index_html)

    /// The style sheet and scripts the page loads, by their name below `/admin/` (`/admin/app.js`).
    public static let files: [String: ConsoleAsset] = {
        let files = [
            ConsoleAsset(path: "console.css", bytes: PackageResources.console_css),
            ConsoleAsset(path: "app.js", bytes: PackageResources.app_js),
            ConsoleAsset(path: "api.js", bytes: PackageResources.api_js),
            ConsoleAsset(path: "dom.js", bytes: PackageResources.dom_js),
            ConsoleAsset(path: "dashboard.js", bytes: PackageResources.dashboard_js),
            ConsoleAsset(path: "events.js", bytes: PackageResources.events_js),
            ConsoleAsset(path: "event.js", bytes: PackageResources.event_js),
            ConsoleAsset(path: "tail.js", bytes: PackageResources.tail_js),
            ConsoleAsset(path: "projections.js", bytes: PackageResources.projections_js),
            ConsoleAsset(path: "users.js", bytes: PackageResources.users_js),
            ConsoleAsset(path: "subscriptions.js", bytes: PackageResources.subscriptions_js),
        ]
        return Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) })
    }()
}
