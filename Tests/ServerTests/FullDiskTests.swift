import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs, mounted for one test (mounting needs root; CI runs as root).
struct Tmpfs {
    let directory: TemporaryDirectory

    /// Whether this process may mount one: tried once with a tiny tmpfs.
    static let canMount: Bool = {
        guard getuid() == 0, let probe = try? Tmpfs(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        directory = TemporaryDirectory("tmpfs")
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.path]) == 0 else {
            directory.remove()
            throw LiveServerError("cannot mount a tmpfs at \(directory.path)")
        }
    }

    /// Bytes still free.
    var freeBytes: Int {
        ((try? FileManager.default.attributesOfFileSystem(forPath: directory.path))?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    }

    func unmount() {
        _ = Self.run("/bin/umount", ["-l", directory.path])
        directory.remove()
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// When the disk itself fills (not only the configured map size): 507 `store_full` for writes,
/// nothing acknowledged lost, reads go on, health and metrics say so, and writes resume by
/// themselves once space is freed, with no restart.
@Suite(.serialized) struct FullDiskTests {
    @Test(.enabled(if: Tmpfs.canMount, "skipped: mounting a tmpfs needs root (CI runs as root)"))
    func aFullDiskIs507AndWritesResumeOnceThereIsRoom() throws {
        let tmpfs = try Tmpfs(megabytes: 24)
        defer { tmpfs.unmount() }
        let data = tmpfs.directory.sub("data")
        let server = try LiveServer(directory: data, store: .lmdb)
        try server.waitUntilReady()
        let signIn = try server.request("POST", "/v1/sessions", body: #"{"email":"admin@example.com","password":"admin password"}"#)
        let token = try #require(try signIn.json()["accessToken"] as? String)
        let auth = ["Authorization": "Bearer \(token)"]

        // Leave about 2 MiB free, then write products until the disk refuses.
        let filler = tmpfs.directory.sub("filler")
        _ = FileManager.default.createFile(atPath: filler, contents: Data(count: max(0, tmpfs.freeBytes - (2 << 20))))
        let description = String(repeating: "d", count: 1900)
        var acknowledged: [String] = []
        var refusal: HTTPAnswer?
        for index in 0..<5000 {
            let answer = try server.request(
                "POST",
                "/v1/products",
                headers: auth,
                body: #"{"sku":"FULL-\#(index)","name":"Full \#(index)","description":"\#(description)","priceCents":1,"stock":1}"#
            )
            guard answer.status == 201 else {
                refusal = answer
                break
            }
            acknowledged.append(try #require(try answer.json()["id"] as? String))
        }
        let refused = try #require(refusal)
        #expect(refused.status == 507 && refused.body.contains(#""code":"store_full""#), "\(refused.status) \(refused.body)")
        #expect(acknowledged.count > 10)

        // Full: reads go on, other writes are 507 too (a sign-up writes the key store first), and
        // health and metrics say so.
        for id in acknowledged.suffix(5) { #expect(try server.request("GET", "/v1/products/\(id)").status == 200) }
        let signUp = try server.request("POST", "/v1/users", body: #"{"name":"Late","email":"late@example.com","password":"late password"}"#)
        #expect(signUp.status == 507, "\(signUp.status) \(signUp.body)")
        let ready = try server.request("GET", "/health/ready")
        #expect(ready.status == 200 && ready.body.contains(#""store":"full""#), "\(ready.body)")
        #expect(try server.request("GET", "/metrics").body.contains("strata_store_full 1"))

        // Room again: writes resume by themselves.
        try FileManager.default.removeItem(atPath: filler)
        let after = try server.request("POST", "/v1/products", headers: auth, body: #"{"sku":"AFTER","name":"After","priceCents":1,"stock":1}"#)
        #expect(after.status == 201, "\(after.status) \(after.body)")
        #expect(try server.request("GET", "/health/ready").body.contains(#""store":"writable""#))
        #expect(try server.request("GET", "/metrics").body.contains("strata_store_full 0"))
        #expect(try server.request("POST", "/v1/users", body: #"{"name":"Late","email":"late@example.com","password":"late password"}"#).status == 201)
        #expect(try server.stop() == 0)

        // Nothing acknowledged was lost, and the store verifies.
        let restarted = try LiveServer(directory: data, store: .lmdb)
        defer { _ = try? restarted.stop() }
        try restarted.waitUntilReady()
        for id in acknowledged { #expect(try restarted.request("GET", "/v1/products/\(id)").status == 200, "\(id)") }
        let verify = Process()
        verify.executableURL = builtProductsDirectory().appendingPathComponent("strata-admin")
        verify.arguments = ["--data-dir", data, "verify"]
        verify.standardOutput = FileHandle.nullDevice
        try verify.run()
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0)
    }
}
