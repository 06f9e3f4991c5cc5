import ArgumentParser
import GWASFlow

/// `--threads`, `--seed`, `--quiet`: the options every command has.
struct RunOptions: ParsableArguments {
    @Option(help: "Number of BLAS threads (default: OpenBLAS's choice, usually all cores).")
    var threads: Int?

    @Option(help: "Seed for every random choice; the same seed gives bit-identical outputs.")
    var seed: UInt64 = 1

    @Flag(help: "Show no progress or warnings on stderr (the log still records them).")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// The parsed values, as the library takes them.
    var settings: RunSettings { RunSettings(threads: threads, seed: seed, quiet: quiet) }

    /// Runs a command that writes files under `PREFIX` (from `--out` or `gwasflow.toml`) and
    /// `PREFIX.log`; see `CommandRun.execute(settings:out:_:)`.
    func execute(output: OutputOptions, _ body: (RunContext, String) throws -> Void) throws {
        try CommandRun.execute(settings: settings, out: output.out, body)
    }

    /// Runs a command that writes no files (no log).
    func execute(_ body: (RunContext) throws -> Void) throws {
        try CommandRun.execute(settings: settings, body)
    }
}
