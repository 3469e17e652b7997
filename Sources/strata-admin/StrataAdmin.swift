import ArgumentParser
import Foundation
import StrataPostgres
import StrataStore
import StrataTools

/// Inspects and maintains a Strata data directory, beside a running server.
@main
struct StrataAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-admin",
        abstract: "Inspect and maintain a Strata store: a data directory, or a PostgreSQL database.",
        discussion: "Opens the store read-only, beside running servers, except import and users create, which take it for themselves.",
        subcommands: [
            Stats.self, Streams.self, Events.self, Show.self, Tail.self, Verify.self, Export.self, Import.self, BackupCommand.self, Users.self,
            Subscriptions.self,
        ]
    )

    /// Accepts the common options before the subcommand too, as the contract writes it
    /// (`strata-admin --data-dir D verify`), by moving them after it.
    static func main() async {
        await main(Self.movingCommonOptions(Array(CommandLine.arguments.dropFirst())))
    }

    static func movingCommonOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--data-dir" || argument == "--postgres-url", index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if argument.hasPrefix("--data-dir=") || argument.hasPrefix("--postgres-url=") || argument == "--json" {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        return Array(arguments[index...]) + leading
    }
}

/// Options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The data directory (default: $STRATA_DATA_DIR or ./data).")
    var dataDirectory: String?

    @Option(name: .customLong("postgres-url"), help: "The PostgreSQL database instead (default: $STRATA_POSTGRES_URL).")
    var postgresURL: String?

    @Flag(help: "Machine-readable JSON instead of a table.")
    var json = false

    /// The store: the PostgreSQL database when a URL is given, else the data directory.
    var directory: StoreLocation {
        let environment = ProcessInfo.processInfo.environment
        let path = dataDirectory ?? environment["STRATA_DATA_DIR"] ?? "./data"
        guard let text = postgresURL ?? environment["STRATA_POSTGRES_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else { return StoreLocation(path) }
        do {
            return StoreLocation(path, postgresURL: try PostgresURL(text))
        } catch {
            fail("\(postgresURL == nil ? "STRATA_POSTGRES_URL" : "--postgres-url"): \(error)", code: 2)
        }
    }
}

/// Prints one line to standard error and exits with `code`.
func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("strata-admin: \(message)\n".utf8))
    exit(code)
}

/// Runs `body`, turning any error into one line and exit status 1 (2 when the store cannot be reached).
func reporting<T>(_ body: () async throws -> T) async -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        exit(error.rawValue)
    } catch let error as EventStoreError where error.code == .unavailable {
        fail(error.message, code: 2)
    } catch {
        fail("\(error)")
    }
}
