import ArgumentParser
import GWASFlow

/// `gwasflow qc`: PLINK 1.9 variant filters and LD pruning; writes the kept SNP list.
struct QCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qc",
        abstract: "Filter SNPs (--maf, --geno, --hwe) and LD-prune them (--indep-pairwise) with PLINK 1.9 semantics.",
        discussion: """
            Writes PREFIX.snplist (kept SNPs) and PREFIX.qc.tsv (statistics and status per SNP). \
            Missingness counts every individual; frequencies, the exact HWE test and LD use every \
            individual too, or founders only with --founders-only (PLINK's default).
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Drop SNPs with minor allele frequency below this.", valueName: "FREQ"))
    var maf: Double?

    @Option(help: ArgumentHelp("Drop SNPs with a missing-call rate above this.", valueName: "RATE"))
    var geno: Double?

    @Option(help: ArgumentHelp("Drop SNPs whose exact Hardy–Weinberg p-value is below this.", valueName: "P"))
    var hwe: Double?

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("LD pruning: window (e.g. 500kb, or a SNP count), step, r² threshold.",
                               valueName: "WINDOW STEP R2"))
    var indepPairwise: [String] = []

    @Flag(help: "Use founders only for frequencies, HWE and LD (PLINK's default).")
    var foundersOnly = false

    func validate() throws {
        if let maf, !(maf >= 0 && maf <= 0.5) { throw ValidationError("--maf must be in [0, 0.5], got \(maf)") }
        if let geno, !(geno >= 0 && geno <= 1) { throw ValidationError("--geno must be in [0, 1], got \(geno)") }
        if let hwe, !(hwe >= 0 && hwe <= 1) { throw ValidationError("--hwe must be in [0, 1], got \(hwe)") }
        _ = try pruning()
    }

    /// The parsed `--indep-pairwise` values.
    func pruning() throws -> QCSettings.Pruning? {
        if indepPairwise.isEmpty { return nil }
        do { return try QCSettings.Pruning(plinkArguments: indepPairwise) } catch let e as UsageError { throw ValidationError(e.description) }
    }

    func run() throws {
        let settings = QCSettings(maf: maf, geno: geno, hwe: hwe, pruning: try pruning(), foundersOnly: foundersOnly)
        try options.execute(output: output) { context, prefix in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            let kept = try qc(bfile: bfile, settings: settings, out: prefix, context: context)
            print("kept \(kept.count) SNPs; wrote \(prefix).snplist and \(prefix).qc.tsv")
        }
    }
}
