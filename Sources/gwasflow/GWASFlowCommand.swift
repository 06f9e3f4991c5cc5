import ArgumentParser
import Foundation
import GWASFlow

/// The `gwasflow` command: relatedness-corrected normalizing flows for multivariate GWAS.
///
/// # Adding a command
/// One file per subcommand, `Sources/gwasflow/XxxCommand.swift`; the work itself is a public
/// function in `Sources/GWASFlow/Xxx.swift` that takes a `RunContext` (tests call it directly).
/// Then add `XxxCommand.self` to `subcommands:` below. A command that writes files looks like:
///
///     struct GRMCommand: ParsableCommand {
///         static let configuration = CommandConfiguration(
///             commandName: "grm", abstract: "Build the genomic relatedness matrix.")
///
///         @OptionGroup var genotypes: GenotypeOptions   // --bfile (default from gwasflow.toml)
///         @OptionGroup var output: OutputOptions        // --out PREFIX (default from gwasflow.toml)
///         @OptionGroup var options: RunOptions          // --threads --seed --quiet
///         @Option(help: "Relatedness matrix kind: centered or standardized.") var kind = "centered"
///
///         func run() throws {
///             try options.execute(output: output) { context, prefix in
///                 let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
///                 try grm(bfile: bfile, kind: kind, out: prefix, context: context)
///             }
///         }
///     }
///
/// `execute(output:)` reads `gwasflow.toml`, sets the BLAS threads, creates the output folder,
/// and writes `PREFIX.log` when the body returns or throws. Inside the verb:
/// - `context.input("pheno", path)` / `context.path(flag, or: .covar)` record inputs;
/// - `context.figure("individuals", n)` records a result figure in the log;
/// - `context.step("GRM", total: m, unit: "SNPs") { progress in … progress.advance(by: k) … }`
///   times a step and shows progress on stderr (bar on a terminal, lines otherwise, none with --quiet);
/// - `try context.write(text, to: prefix + ".cXX.txt")` writes atomically and lists the output;
/// - `context.warn("…")` shows and logs a warning; `context.seed` seeds `SeededGenerator`.
/// Throw `FormatError`, `UsageError` or `ValidationError` (from `validate()`) for bad input:
/// the user sees exactly one line `gwasflow: error: <message>` and the exit status is 2.
/// Print results meant for the user (not progress) on stdout. A command without outputs uses
/// `options.execute { context in … }` (no log).
@main
struct GWASFlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gwasflow",
        abstract: "Relatedness-corrected normalizing flows for multivariate GWAS.",
        version: GWASFlowVersion.string,
        // Alphabetical, one per line: branches that add different commands then merge cleanly.
        subcommands: [
            AssocCommand.self,
            CompareCommand.self,
            DecodeBenchmarkCommand.self,
            DensityCommand.self,
            EigenCommand.self,
            GRMCommand.self,
            GRMMergeCommand.self,
            InfoCommand.self,
            InitCommand.self,
            LociCommand.self,
            NormalizeCommand.self,
            QCCommand.self,
            ReportCommand.self,
            SimulateCommand.self,
            TransformCommand.self,
        ]
    )

    /// Parses and runs the command line; any failure is one line on stderr and exit status 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exitWithOneLine(error)
        }
    }

    /// `--help` and `--version` print and exit 0; every other error becomes
    /// `gwasflow: error: <message>` on stderr with exit status 2 (usage mistakes included, so
    /// scripts can rely on a single convention).
    private static func exitWithOneLine(_ error: Error) -> Never {
        let code = exitCode(for: error)
        if code == .success { exit(withError: error) }
        let text = code == .validationFailure ? message(for: error) : oneLineMessage(error)
        let line = text.split(whereSeparator: { $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        FileHandle.standardError.write(Data("gwasflow: error: \(line)\n".utf8))
        Foundation.exit(2)
    }
}
