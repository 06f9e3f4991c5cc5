import Formats
import Foundation

/// What a verb (one pipeline function per `gwasflow` subcommand) receives from the command frame:
/// the seed, the project defaults, progress reporting, and the run log it adds to.
///
/// A verb in this module is written as
///
///     public func grm(bfile: String, out: String, context: RunContext) throws -> GRMResult {
///         context.input("bfile", bfile)
///         let data = try context.step("read genotypes") { try PlinkDataset(prefix: bfile) }
///         let k = try context.step("GRM", total: data.bed.snps, unit: "SNPs") { progress in
///             ... progress.advance(by: block.count) ...
///         }
///         context.figure("individuals", data.fam.count)
///         try context.write(text, to: out + ".cXX.txt")
///         return ...
///     }
///
/// and throws on bad input (`FormatError`, `UsageError`, or any error whose `description` is one
/// line). The command frame logs the failure, prints `gwasflow: error: <message>` and exits with status 2.
/// Tests pass `RunContext()`, which shows nothing and writes no log.
///
/// All methods may be called from several threads.
public final class RunContext: @unchecked Sendable {
    /// Seed for every random choice of the run; split it (`SeededGenerator(seed:).split()`) per component.
    public let seed: UInt64
    /// Defaults from `gwasflow.toml`, already applied by `path(_:or:)` and `requiredPath(_:or:)`.
    public let defaults: ProjectDefaults
    /// How progress is shown on stderr.
    public let progressStyle: ProgressStyle
    /// Where the log is written by `finish()` / `fail(_:)`; nil writes no log.
    public let logPath: String?

    private let lock = NSLock()
    private var log: RunLog
    private let warningSink: (String) -> Void

    /// A context for one run. The defaults suit library use and tests: seed 1, no project
    /// defaults, silent, no log file.
    public init(seed: UInt64 = 1, defaults: ProjectDefaults = .none, progress: ProgressStyle = .silent,
                logPath: String? = nil, commandLine: [String] = CommandLine.arguments)
    {
        self.seed = seed
        self.defaults = defaults
        self.progressStyle = progress
        self.logPath = logPath
        self.log = RunLog(commandLine: commandLine)
        self.warningSink = progress == .silent ? { _ in } : { fputs("gwasflow: warning: \($0)\n", stderr) }
        setting("seed", seed)
        setting("working directory", FileManager.default.currentDirectoryPath)
        if let source = defaults.source { setting("project defaults", source) }
    }

    /// A snapshot of the record so far (for tests and for verbs that summarise it).
    public var record: RunLog {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    // MARK: Recording

    /// Records a run-wide setting (threads, seed, …) in the log.
    public func setting(_ key: String, _ value: CustomStringConvertible) {
        lock.lock(); defer { lock.unlock() }
        log.settings.append(.init(key, value.description))
    }

    /// Records an input file or option in the log. A key already recorded with the same value (a
    /// path resolved by `path(_:or:)` and later named again by the verb that reads it) is kept once.
    public func input(_ key: String, _ value: CustomStringConvertible) {
        lock.lock(); defer { lock.unlock() }
        let text = value.description
        let fromProject = "\(text) (from \(ProjectDefaults.fileName))"
        guard !log.inputs.contains(where: { $0.key == key && ($0.value == text || $0.value == fromProject) }) else { return }
        log.inputs.append(.init(key, text))
    }

    /// Records a result figure (`individuals: 600`, `lambda after stage 2: 0.83`) in the log.
    /// Doubles are written with full precision so a log can be compared with other tools' output.
    public func figure(_ key: String, _ value: CustomStringConvertible) {
        lock.lock(); defer { lock.unlock() }
        log.figures.append(.init(key, value.description))
    }

    /// Shows `message` as `gwasflow: warning: …` on stderr (unless quiet) and records it in the log.
    public func warn(_ message: String) {
        lock.lock()
        log.warnings.append(message)
        lock.unlock()
        warningSink(message)
    }

    /// Writes `text` to `path` atomically and records it as an output.
    public func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes `bytes` to `path` atomically (gzip for a `.gz` name) and records it as an output.
    public func write(_ bytes: [UInt8], to path: String) throws {
        try AtomicFile.write(bytes, to: path)
        lock.lock(); defer { lock.unlock() }
        log.outputs.append(path)
    }

    /// Writes `path` atomically from `body`, which hands the bytes to the sink piece by piece (no
    /// whole-file buffer), and records it as an output.
    public func write(to path: String, _ body: (AtomicFileSink) throws -> Void) throws {
        try AtomicFile.write(to: path, body)
        lock.lock(); defer { lock.unlock() }
        log.outputs.append(path)
    }

    // MARK: Steps

    /// Runs `body` as a named step: its wall-clock time goes in the log, and `body` reports its
    /// progress through the `StepProgress` it receives (shown only when the step takes over ~2 s).
    public func step<T>(_ name: String, total: Int? = nil, unit: String = "",
                        _ body: (StepProgress) throws -> T) rethrows -> T
    {
        let progress = StepProgress(step: name, total: total, unit: unit, style: progressStyle)
        let start = StepProgress.monotonicSeconds()
        defer {
            progress.finish()
            let seconds = StepProgress.monotonicSeconds() - start
            lock.lock()
            log.steps.append(.init(name, RunLog.seconds(seconds)))
            lock.unlock()
        }
        return try body(progress)
    }

    /// Runs `body` as a named, timed step with no progress display.
    public func step<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        try step(name, total: nil, unit: "") { _ in try body() }
    }

    // MARK: Options with project defaults

    /// The flag's value, else the project default for `key`, else nil; a value used is recorded
    /// as an input (marked when it came from `gwasflow.toml`).
    public func path(_ explicit: String?, or key: ProjectDefaults.Key) -> String? {
        guard let resolved = defaults.resolve(explicit, key) else { return nil }
        input(key.rawValue, resolved.fromProject ? "\(resolved.value) (from \(ProjectDefaults.fileName))" : resolved.value)
        return resolved.value
    }

    /// Like `path(_:or:)`, but a missing value is a `UsageError` that says what to type.
    public func requiredPath(_ explicit: String?, or key: ProjectDefaults.Key) throws -> String {
        let value = try defaults.require(explicit, key)
        _ = path(value, or: key)
        return value
    }

    // MARK: Ending

    /// Writes the log (status completed), when there is a log path.
    public func finish() throws {
        guard let logPath else { return }
        let text = record.rendered(finished: Date(), failure: nil)
        try AtomicFile.write(text, to: logPath)
    }

    /// Writes the log with status failed and the one-line reason, when there is a log path.
    /// Best effort: a log that cannot be written (e.g. the output folder is missing) is skipped,
    /// since the reason is printed on stderr anyway.
    public func fail(_ error: Error) {
        guard let logPath else { return }
        let text = record.rendered(finished: Date(), failure: oneLineMessage(error))
        try? AtomicFile.write(text, to: logPath)
    }
}

/// The one-line message shown for `error`: Foundation's localized description for system errors,
/// else `errorDescription` of a `LocalizedError`, else `String(describing:)`, which is the
/// `description` of gwasflow's own errors (`FormatError`, `UsageError`, …); with
/// line breaks folded into spaces so the output is always exactly one line.
public func oneLineMessage(_ error: Error) -> String {
    let text: String
    if let cocoa = error as? CocoaError {
        text = cocoa.localizedDescription
    } else if let localized = error as? LocalizedError, let message = localized.errorDescription {
        text = message
    } else {
        text = String(describing: error)
    }
    let folded = text.split(whereSeparator: { $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
    return folded.filter { !$0.isEmpty }.joined(separator: " ")
}
