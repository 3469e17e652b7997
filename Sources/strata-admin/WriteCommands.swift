import ArgumentParser
import Foundation
import Identity
import StrataLog
import StrataStore
import StrataTools

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import an export into an empty data directory or PostgreSQL database.",
        discussion: "Every line is checked first; at the first bad line it stops, naming the line, and leaves the store empty. Refused while a server uses the store."
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "The JSON Lines file.") var file: String

    func run() async throws {
        await reporting {
            do {
                let count = try await Importer.importFile(file, into: options.directory, reporter: ProgressReporter())
                print("imported \(count) events into \(options.directory)")
            } catch let error as EventStoreError where error.code == .locked {
                fail(error.message)
            }
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "A consistent copy of the store and its keys, while servers run.",
        discussion: "LMDB: a compacted copy of the data directory. PostgreSQL: pg_dump's custom format in DESTINATION/strata.dump, restorable with pg_restore."
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "An empty or new directory.") var destination: String

    func run() async throws {
        await reporting {
            if let file = try Backup.run(options.directory, to: destination), let url = options.directory.postgresURL {
                print(Backup.explanation(url, file: file))
            } else {
                print("backed up \(options.directory) to \(destination)")
            }
        }
    }
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage users offline.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user; the password is read from standard input.",
            discussion: "Takes the store for itself: run it while servers are stopped (or set STRATA_ADMIN_EMAIL/PASSWORD for the first admin)."
        )
        @OptionGroup var options: CommonOptions
        @Option(help: "The email address.") var email: String
        @Option(help: "The display name.") var name: String
        @Option(help: "admin, customer or service.") var role: String = "customer"
        @Option(help: "bcrypt cost (default: $STRATA_BCRYPT_COST or 12).") var bcryptCost: UInt8?

        func run() async throws {
            await reporting {
                guard let role = Role(rawValue: role) else { fail("--role must be admin, customer or service") }
                guard let line = readLine(strippingNewline: true) else { fail("no password on standard input") }
                let cost = bcryptCost ?? UInt8(ProcessInfo.processInfo.environment["STRATA_BCRYPT_COST"] ?? "") ?? 12
                do {
                    let id = try await AdminUsers.create(
                        in: options.directory,
                        name: name,
                        email: email,
                        role: role,
                        password: line,
                        bcryptCost: cost
                    )
                    print(options.json ? try AdminReports.json(["id": id]) : "created \(role.rawValue) \(id)")
                } catch let error as EventStoreError where error.code == .locked {
                    fail(error.message)
                }
            }
        }
    }
}
