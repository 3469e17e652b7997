import Foundation
import StrataLog

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "log") {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("strata-\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Opens a log in a fresh temporary directory, runs `body`, then closes and removes it.
func withTemporaryLog<T>(
    configuration: EventLogConfiguration = EventLogConfiguration(),
    _ body: (EventLog, TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let log = try EventLog.open(directory: directory.path, configuration: configuration)
    defer { log.close() }
    return try await body(log, directory)
}

func event(_ type: String = "Happened", _ json: String = "{}") -> EventData {
    EventData(type: type, data: Array(json.utf8))
}

/// The directory holding the built executables (beside the test bundle).
func builtProductsDirectory() -> URL {
    var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("strata-log-torture").path) { return candidate }
        candidate.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
}

/// The outcome of an async throwing call as a value.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
