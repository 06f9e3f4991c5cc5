import ArgumentParser
import GWASFlow

/// `gwasflow grm-merge`: adds the parts of `gwasflow grm --part I/N` into the whole GRM.
struct GRMMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grm-merge",
        abstract: "Add the partial sums of gwasflow grm --part I/N into the GRM the one-shot run gives.",
        discussion: "Arguments are part files or their prefixes (Q.part* works: the parts' logs are recognised and skipped).")

    @Argument(help: ArgumentHelp("Part files (PREFIX.partIofN.grmpart) or their prefixes.", valueName: "PART"))
    var parts: [String] = []

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Output format: gemma (text) or gcta (binary).", valueName: "FORMAT"))
    var format: String = GRMFileFormat.gemma.rawValue

    func validate() throws {
        guard GRMFileFormat(rawValue: format) != nil else { throw ValidationError("--format must be gemma or gcta, got \(format)") }
        if parts.isEmpty { throw ValidationError("give the part files, e.g. gwasflow grm-merge Q.part* --out Q") }
    }

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let summary = try grmMerge(parts: parts, format: GRMFileFormat(rawValue: format)!, out: prefix, context: context)
            print("\(summary.individuals) individuals, \(summary.snpsUsed) SNPs; wrote \(summary.outputs.joined(separator: " "))")
        }
    }
}
