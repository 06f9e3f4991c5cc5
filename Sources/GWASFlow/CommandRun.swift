import Formats
import Foundation
import Numerics

/// The settings every command shares, as given on the command line (`--threads`, `--seed`, `--quiet`).
public struct RunSettings: Equatable, Sendable {
    /// OpenBLAS threads; nil leaves OpenBLAS's own choice (all cores, or `OPENBLAS_NUM_THREADS`).
    public var threads: Int?
    /// Seed for every random choice of the run.
    public var seed: UInt64
    /// No progress and no warnings on stderr (the log still records everything).
    public var quiet: Bool

    /// Settings as parsed; the defaults are those of a plain command line.
    public init(threads: Int? = nil, seed: UInt64 = 1, quiet: Bool = false) {
        self.threads = threads
        self.seed = seed
        self.quiet = quiet
    }
}

/// The frame around one command run, shared by every `gwasflow` subcommand so that they all
/// behave alike: project defaults from `gwasflow.toml`, BLAS threads, progress style, and a
/// `PREFIX.log` written atomically when the run ends, whether it completed or failed.
///
/// The executable calls these with the parsed options; tests call them directly.
public enum CommandRun {
    /// Runs a command that writes outputs under a prefix.
    ///
    /// The prefix is `out`, else `out` from `gwasflow.toml` in `directory`, else a `UsageError`.
    /// Its folder is created when missing. `body` receives the context and the prefix; the log
    /// `PREFIX.log` is written after `body` returns, or with the error when it throws (the error is
    /// then rethrown for the caller to print).
    public static func execute<T>(settings: RunSettings, out: String?, directory: String = ".",
                                  commandLine: [String] = CommandLine.arguments,
                                  _ body: (RunContext, String) throws -> T) throws -> T
    {
        let defaults = try ProjectDefaults.load(directory: directory)
        let prefix = try defaults.require(out, .out)
        try createFolder(of: prefix)
        let context = makeContext(settings: settings, defaults: defaults, logPath: prefix + ".log",
                                  commandLine: commandLine)
        _ = context.path(prefix, or: .out)
        do {
            let result = try body(context, prefix)
            try context.finish()
            return result
        } catch {
            context.fail(error)
            throw error
        }
    }

    /// Runs a command that writes no files (such as `info`): the same frame without a log.
    public static func execute<T>(settings: RunSettings, directory: String = ".",
                                  commandLine: [String] = CommandLine.arguments,
                                  _ body: (RunContext) throws -> T) throws -> T
    {
        let defaults = try ProjectDefaults.load(directory: directory)
        let context = makeContext(settings: settings, defaults: defaults, logPath: nil, commandLine: commandLine)
        return try body(context)
    }

    private static func makeContext(settings: RunSettings, defaults: ProjectDefaults, logPath: String?,
                                    commandLine: [String]) -> RunContext
    {
        if let threads = settings.threads { BLAS.setThreads(threads) }
        let context = RunContext(seed: settings.seed, defaults: defaults,
                                 progress: .automatic(quiet: settings.quiet),
                                 logPath: logPath, commandLine: commandLine)
        context.setting("BLAS threads", BLAS.threads)
        context.setting("BLAS kernel", BLASCoreType.loaded)
        return context
    }

    /// Creates the folder that will hold `prefix.*` (for `--out results/run1`, `results/`).
    private static func createFolder(of prefix: String) throws {
        let folder = URL(fileURLWithPath: prefix).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw FormatError(path: folder, "cannot write outputs here: it is a file, not a folder (check --out)")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FormatError(path: folder, "cannot create the output folder: \(oneLineMessage(error))")
        }
    }
}
