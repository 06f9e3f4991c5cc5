import ArgumentParser
import GWASFlow

/// `gwasflow loci`: independent loci by LD clumping (PLINK 1.9 `--clump` semantics).
struct LociCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loci",
        abstract: "Clump association results into independent loci (PLINK 1.9 --clump semantics).",
        discussion: """
            Index SNPs have p ≤ --p1, taken in increasing p; each claims the not-yet-clumped SNPs \
            within --kb whose r² with it exceeds --r2 (members: those with p < --p2). r² is \
            PLINK's haplotype-based estimate from the genotypes of --bfile. Writes PREFIX.clumped \
            (PLINK's layout) and PREFIX.loci.tsv (one row per locus).
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Association results: GEMMA .assoc.txt or a PLINK-style file with SNP and P columns.", valueName: "FILE"))
    var assoc: String

    @Option(help: ArgumentHelp("Index SNP p-value threshold (default: 0.05 / number of tested SNPs).", valueName: "P"))
    var p1: Double?

    @Option(help: ArgumentHelp("Clump member p-value threshold.", valueName: "P"))
    var p2: Double = 0.01

    @Option(help: ArgumentHelp("r² threshold for clump membership.", valueName: "R2"))
    var r2: Double = 0.1

    @Option(help: ArgumentHelp("Clump radius in kilobases.", valueName: "KB"))
    var kb: Double = 250

    @Option(help: ArgumentHelp("p-value column (default: p_wald, p_lrt, p_score or P, the first present).", valueName: "NAME"))
    var pField: String?

    @Option(help: ArgumentHelp("SNP identifier column (default: rs, SNP or ID, the first present).", valueName: "NAME"))
    var snpField: String?

    @Flag(help: "Compute r² from founders only (PLINK's default) instead of every individual.")
    var foundersOnly = false

    func validate() throws {
        if let p1, !(p1 > 0 && p1 <= 1) { throw ValidationError("--p1 must be in (0, 1], got \(p1)") }
        if !(p2 > 0 && p2 <= 1) { throw ValidationError("--p2 must be in (0, 1], got \(p2)") }
        if !(r2 >= 0 && r2 < 1) { throw ValidationError("--r2 must be in [0, 1), got \(r2)") }
        if !(kb >= 0.001) { throw ValidationError("--kb must be at least 0.001, got \(kb)") }
    }

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            let settings = LociSettings(p1: p1, p2: p2, r2: r2, kb: kb, foundersOnly: foundersOnly,
                                        idField: snpField, pField: pField)
            let result = try loci(assoc: assoc, bfile: bfile, settings: settings, out: prefix, context: context)
            print("\(result.clumps.count) loci (p1 = \(result.parameters.p1), \(result.testedSNPs) tested SNPs); wrote \(prefix).clumped and \(prefix).loci.tsv")
        }
    }
}
