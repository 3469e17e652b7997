import Foundation
import StrataTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A `strata-server` (or another Strata server's) process on a loopback port, started from the
/// built executable.
final class LiveServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    let directory: String
    private let errors = Pipe()

    /// Starts a server on `directory`'s store: LMDB there, or (for `.postgres`) a database of the
    /// test cluster named after the directory, so a server restarted on it finds its data.
    init(directory: String, environment: [String: String] = [:], store: TestStoreKind = .current, executable: String = "strata-server") throws {
        self.directory = directory
        port = freeLoopbackPort()
        process.executableURL = builtProductsDirectory(containing: executable).appendingPathComponent(executable)
        process.arguments = ["--data-dir", directory, "--port", String(port)]
        var env = ProcessInfo.processInfo.environment
        env["STRATA_BCRYPT_COST"] = "4"
        env["STRATA_LOG_LEVEL"] = "warning"
        env["STRATA_ADMIN_EMAIL"] = "admin@example.com"
        env["STRATA_ADMIN_PASSWORD"] = "admin password"
        if store == .postgres {
            let name = "strata_server_" + Self.databaseSuffix(directory)
            env["STRATA_POSTGRES_URL"] = try PostgresTestServer.database(named: name).text
            env["STRATA_JWT_SECRET"] = String(repeating: "s", count: 32)
        }
        for (name, value) in environment { env[name] = value }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
    }

    /// The name of `directory`'s database in the test cluster, after `strata_server_`.
    static func databaseSuffix(_ directory: String) -> String {
        String(directory.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 16)
    }

    /// An access token of the first admin (`STRATA_ADMIN_EMAIL`), signed in now.
    func adminToken() throws -> String {
        let signIn = try request("POST", "/v1/sessions", body: #"{"email":"admin@example.com","password":"admin password"}"#)
        guard signIn.status == 200, let token = try signIn.json()["accessToken"] as? String else {
            throw LiveServerError("sign-in: \(signIn.status) \(signIn.body)")
        }
        return token
    }

    /// `Authorization` with ``adminToken()``.
    func adminHeaders() throws -> [String: String] {
        ["Authorization": "Bearer \(try adminToken())"]
    }

    /// Waits until `/health/ready` answers 200.
    func waitUntilReady(timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let response = try? request("GET", "/health/ready"), response.status == 200 { return }
            guard process.isRunning else { throw LiveServerError("the server exited: \(stderrText())") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw LiveServerError("the server did not become ready")
    }

    func stderrText() -> String {
        String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
    }

    /// Sends a signal and waits for the exit status.
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 20) throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            throw LiveServerError("the server did not stop within \(timeout) s")
        }
        return process.terminationStatus
    }

    /// One HTTP/1.1 request on a fresh connection, read to the end.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) throws -> HTTPAnswer {
        let connection = try Connection(port: port)
        defer { connection.close() }
        try connection.send(Self.requestText(method, path, headers: headers, body: body))
        return try HTTPAnswer(parsing: connection.readAll(timeout: 10))
    }

    static func requestText(_ method: String, _ path: String, headers: [String: String], body: String?) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return text
    }
}

struct LiveServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A parsed HTTP answer.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: String

    init(parsing data: [UInt8]) throws {
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw LiveServerError("no header end in: \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        guard let first = lines.first, first.split(separator: " ").count >= 2, let status = Int(first.split(separator: " ")[1]) else {
            throw LiveServerError("bad status line: \(lines.first ?? "")")
        }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = Self.unchunk(body) }
        self.body = body
    }

    static func unchunk(_ text: String) -> String {
        var rest = Substring(text)
        var result = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            result += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return result
    }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { throw LiveServerError("not an object: \(body)") }
        return object
    }
}

/// A blocking TCP connection to 127.0.0.1.
final class Connection: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw LiveServerError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw LiveServerError("connect failed")
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw LiveServerError("send failed") }
            sent += count
        }
    }

    /// Reads what arrives within `timeout` seconds, stopping early once `until` holds.
    func read(timeout: TimeInterval, until done: ([UInt8]) -> Bool = { _ in false }) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let left = max(1, Int32(deadline.timeIntervalSinceNow * 1000))
            guard poll(&descriptorSet, 1, min(left, 100)) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received += buffer[0..<count]
            if done(received) { return (received, false) }
        }
        return (received, false)
    }

    /// Reads until the peer closes (or the timeout).
    func readAll(timeout: TimeInterval) throws -> [UInt8] {
        let (bytes, closed) = read(timeout: timeout)
        guard closed else { throw LiveServerError("the server did not finish its answer") }
        return bytes
    }

    func close() { Glibc.close(descriptor) }
}

