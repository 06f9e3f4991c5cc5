import ArgumentParser
import Association
import Formats
import GWASFlow
import Relatedness

/// `gwasflow assoc`: LMM score tests as GEMMA 0.98.5's `-lmm 3` (univariate) and `-lmm 3 -n 1 2 …` (multivariate).
struct AssocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assoc",
        abstract: "LMM score tests matching GEMMA -lmm 3: univariate, multivariate, or per trait.",
        discussion: """
            One selected column: the univariate score test, PREFIX.assoc.txt. Several columns: the \
            multivariate score test (null Vg/Ve by REML then ML, EM then Newton, as GEMMA), \
            PREFIX.assoc.txt; with --per-trait the univariate test on each, PREFIX.NAME.assoc.txt. \
            Individuals missing any selected trait or covariate are dropped. SNP filters are \
            GEMMA's (--miss 0.05, --maf 0.01, --r2 0.9999) over the analysed individuals; missing \
            genotypes are set to the SNP mean. Output columns are GEMMA's.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @OptionGroup var phenotypes: PhenotypeOptions

    @Option(help: ArgumentHelp("Relatedness matrix, GEMMA text (.cXX.txt/.sXX.txt) over the .fam individuals (default: grm in gwasflow.toml).", valueName: "FILE"))
    var grm: String?

    @Option(help: ArgumentHelp("GEMMA eigen files PREFIX.eigenD.txt/PREFIX.eigenU.txt (instead of --grm): over the .fam individuals (then, when some lack a trait or covariate, K is recomposed on the analysed ones and decomposed again in this run) or over exactly the analysed ones, in .fam order (GEMMA's -d/-u).", valueName: "PREFIX"))
    var eigen: String?

    @OptionGroup var pc: PCOptions

    @Option(help: ArgumentHelp("Only SNPs on this chromosome.", valueName: "CHR"))
    var chr: String?

    @Option(help: ArgumentHelp("Only .bim rows FROM-TO (1-based, inclusive), e.g. to split a run into jobs.", valueName: "FROM-TO"))
    var snps: String?

    @Flag(help: "Test each selected column alone (univariate) instead of jointly.")
    var perTrait = false

    @Option(help: ArgumentHelp("Drop SNPs with allele frequency below this or above 1 minus it (GEMMA -maf).", valueName: "FREQ"))
    var maf: Double = 0.01

    @Option(help: ArgumentHelp("Drop SNPs missing in more than this fraction of analysed individuals (GEMMA -miss).", valueName: "FRACTION"))
    var miss: Double = 0.05

    @Option(help: ArgumentHelp("Drop SNPs whose r² on the covariates exceeds this (GEMMA -r2).", valueName: "R2"))
    var r2: Double = 0.9999

    @Option(help: ArgumentHelp("Arithmetic of the genotype rotation: float (fast) or double.", valueName: "KIND"))
    var precision: String = "float"

    func validate() throws {
        if [grm != nil, eigen != nil, pc.pcs != nil].filter({ $0 }).count > 1 { throw ValidationError("give one of --grm, --eigen, --pcs, not several") }
        if !(maf >= 0 && maf <= 0.5) { throw ValidationError("--maf must be in [0, 0.5], got \(maf)") }
        if !(miss >= 0 && miss <= 1) { throw ValidationError("--miss must be in [0, 1], got \(miss)") }
        if !(r2 > 0 && r2 <= 1) { throw ValidationError("--r2 must be in (0, 1], got \(r2)") }
        if RotationPrecision(rawValue: precision) == nil { throw ValidationError("--precision must be float or double, got \(precision)") }
        _ = try snpRange()
    }

    func snpRange() throws -> ClosedRange<Int>? {
        guard let snps else { return nil }
        let ends = snps.split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a >= 1, a <= b else {
            throw ValidationError("--snps expects FROM-TO with 1 ≤ FROM ≤ TO (1-based .bim rows), got '\(snps)'")
        }
        return a...b
    }

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            let relatedness: RelatednessSource
            if let eigen {
                relatedness = .eigen(eigen)
            } else if let pcs = pc.source {
                relatedness = .pcs(path: pcs.path, count: pcs.count)
            } else {
                relatedness = .grm(try context.requiredPath(grm, or: .grm))
            }
            let settings = AssocSettings(
                relatedness: relatedness, columns: try phenotypes.columnSelection(), covar: phenotypes.covariates(context),
                chromosome: chr, snpRange: try snpRange(), perTrait: perTrait,
                filter: AssociationSNPFilter(filter: SNPFilter(minAlleleFrequency: maf, maxMissingFraction: miss), maxCovariateR2: r2),
                precision: RotationPrecision(rawValue: precision)!)
            let result = try assoc(bfile: bfile, pheno: phenotypes.pheno, settings: settings, out: prefix, context: context)
            for table in result.tables {
                let lambda = table.lambdaGC.map { String(format: "%.4f", $0) } ?? "NA"
                print("\(table.name): \(table.snps.count) SNPs tested on \(result.analysed) individuals, lambda_GC \(lambda); wrote \(table.path)")
            }
        }
    }
}
