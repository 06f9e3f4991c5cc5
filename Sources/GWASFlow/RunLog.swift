import Foundation

/// The record of one command run, written as `PREFIX.log` beside the outputs (as PLINK and GEMMA do):
/// the command line, version, dates, inputs and options, the figures the verb chose to report,
/// warnings, the wall-clock time of each step, the outputs, and how the run ended.
///
/// Every line after the header comment is `key: value`; section comments start with `#`, so the
/// file is easy to grep (`grep '^individuals:' run.log`) and to diff between runs.
public struct RunLog: Sendable {
    /// One `key: value` line.
    public struct Entry: Equatable, Sendable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The command line as typed (argument 0 included).
    public var commandLine: [String]
    /// When the run started.
    public var started: Date
    /// Run-wide settings: seed, threads, working directory.
    public var settings: [Entry] = []
    /// Input files and options resolved from flags or `gwasflow.toml`.
    public var inputs: [Entry] = []
    /// Results worth reading without opening the outputs (counts, λ per stage, loci, …).
    public var figures: [Entry] = []
    /// Warnings shown to the user during the run.
    public var warnings: [String] = []
    /// Wall-clock seconds per step, in the order the steps ran.
    public var steps: [Entry] = []
    /// Files written.
    public var outputs: [String] = []

    /// An empty record for a run started now with `commandLine`.
    public init(commandLine: [String], started: Date = Date()) {
        self.commandLine = commandLine
        self.started = started
    }

    /// The command line with arguments quoted where a shell would need it, so it can be re-run by pasting.
    public var quotedCommandLine: String {
        commandLine.map { arg in
            let plain = !arg.isEmpty && arg.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            return plain ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// The log text for a run that ended at `finished`; `failure` is the one-line error when it failed.
    public func rendered(finished: Date, failure: String?) -> String {
        let time = ISO8601DateFormatter()
        var lines = ["# gwasflow run log"]
        lines.append("command: \(quotedCommandLine)")
        lines.append("version: \(GWASFlowVersion.string)")
        lines.append("started: \(time.string(from: started))")
        lines.append("finished: \(time.string(from: finished))")
        lines.append("elapsed: \(RunLog.seconds(finished.timeIntervalSince(started))) s")
        lines.append("status: \(failure == nil ? "completed" : "failed")")
        if let failure { lines.append("error: \(failure)") }
        func section(_ title: String, _ entries: [Entry]) {
            guard !entries.isEmpty else { return }
            lines.append("")
            lines.append("# \(title)")
            lines += entries.map { "\($0.key): \($0.value)" }
        }
        section("settings", settings)
        section("inputs", inputs)
        section("figures", figures)
        section("warnings", warnings.map { Entry("warning", $0) })
        section("steps (wall-clock seconds)", steps)
        section("outputs", outputs.map { Entry("output", $0) })
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds with a precision that suits their size (0.012, 1.23, 12.3, 1234).
    public static func seconds(_ s: Double) -> String {
        if s < 1 { return String(format: "%.3f", s) }
        if s < 10 { return String(format: "%.2f", s) }
        if s < 1000 { return String(format: "%.1f", s) }
        return String(format: "%.0f", s)
    }
}
