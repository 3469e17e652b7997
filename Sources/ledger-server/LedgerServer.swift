import ArgumentParser
import LedgerAPI
import StrataServer

/// `ledger-server`: the ledger over HTTP, with the same users, sessions, admin routes and
/// console as every Strata server. Exits 0 after a graceful shutdown on SIGTERM or SIGINT.
@main
struct LedgerServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger-server",
        abstract: "Serve the Strata ledger over HTTP.",
        discussion: ServerFlags.environment
    )

    @OptionGroup var flags: ServerFlags

    func run() async throws {
        try await flags.serve("ledger-server", domains: [LedgerRoutes()])
    }
}
