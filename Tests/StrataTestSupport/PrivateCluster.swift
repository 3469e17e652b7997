import Foundation
#if canImport(Glibc)
import Glibc
#endif
import StrataPostgres

/// A PostgreSQL cluster of a test's own (initdb in a temporary directory, a loopback port), for
/// tests that stop and start the database under a running store. Needs the binaries that
/// `tools/with_postgres.sh` names in `STRATA_TEST_POSTGRES_BIN`.
public final class PrivateCluster: Sendable {
    public let port: Int
    public let url: PostgresURL
    private let directory: String
    private let bin: String

    public init() throws {
        guard let bin = ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_BIN"] else { throw PostgresTestUnavailable() }
        self.bin = bin
        directory = TemporaryDirectory("cluster").path
        port = freeLoopbackPort()
        url = PostgresURL(host: "127.0.0.1", port: port, user: "postgres", database: "postgres")
        if getuid() == 0 { try Self.run("/bin/chown", ["postgres", directory]) }
        try run("initdb", ["-D", directory + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
        try start()
    }

    /// Starts the server and waits until it accepts connections (three tries: a busy machine can
    /// make pg_ctl give up waiting); a failure carries the end of the server's log.
    public func start() throws {
        var failure: (any Error)?
        for attempt in 0..<3 {
            if attempt > 0 { Thread.sleep(forTimeInterval: 0.5) }
            do {
                try run("pg_ctl", [
                    "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60",
                    "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=on", "start",
                ])
                return
            } catch {
                failure = error
            }
        }
        let log = String(decoding: FileManager.default.contents(atPath: directory + "/server.log") ?? Data(), as: UTF8.self)
        throw PrivateClusterError(description: "\(failure.map { "\($0)" } ?? "pg_ctl failed"); server log: \(log.suffix(600))")
    }

    /// Stops the server at once (connections are cut, as in a crash of the database host).
    public func stop() throws {
        try run("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "stop"])
    }

    /// Stops it and removes its files.
    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/" + tool] + arguments)
        } else {
            try Self.run(bin + "/" + tool, arguments)
        }
    }

    /// Spawns `executable` and waits with waitpid (Foundation's Process may not reap a child whose
    /// own child, the server, lives on). Its output goes to a file, read when it exits.
    private static func run(_ executable: String, _ arguments: [String]) throws {
        let errorsPath = NSTemporaryDirectory() + "strata-cluster-\(UUID().uuidString).err"
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw PrivateClusterError(description: "cannot start \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            let message = String(decoding: FileManager.default.contents(atPath: errorsPath) ?? Data(), as: UTF8.self)
            throw PrivateClusterError(description: "\(executable) \(arguments.first ?? ""): \(message)")
        }
    }
}

public struct PrivateClusterError: Error, CustomStringConvertible {
    public let description: String
}

/// A loopback port nothing listens on now: the kernel's pick, so it is no port in use as a
/// connection's local end either (a random one can be).
public func freeLoopbackPort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
