import ArgumentParser
import Dependence
import Formats
import GWASFlow

/// `gwasflow compare`: Single vs Baseline flow vs Alternating flow, each followed by loci (the paper's Table 3).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run the three arms (Single, Baseline flow + mvLMM, Alternating flow + mvLMM) and count loci.",
        discussion: """
            Single: covariates projected out, per-trait rank-INT, univariate LMM score test per trait, \
            p = min(1, d × min p). Baseline and Alternating: gwasflow normalize with that schedule, then \
            the multivariate LMM score test. Each arm is clumped into loci (PLINK 1.9 --clump \
            semantics, p1 = 0.05 / tested SNPs, r² 0.1, 250 kb by default). Writes PREFIX.compare.tsv \
            and each arm's files (PREFIX.single.*, PREFIX.baseline.*, PREFIX.alternating.*); prints \
            a table like the paper's Table 3. With --truth (gwasflow simulate's truth file) it also \
            counts true loci found and false loci per arm.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @OptionGroup var phenotypes: PhenotypeOptions

    @Option(help: ArgumentHelp("Relatedness matrix, GEMMA text over the .fam (default: grm in gwasflow.toml).", valueName: "FILE"))
    var grm: String?

    @Option(help: ArgumentHelp("Eigendecomposition prefix from gwasflow eigen (with --grm: reused when it applies; alone: the relatedness).", valueName: "PREFIX"))
    var eigen: String?

    @OptionGroup var pc: PCOptions

    @Option(help: ArgumentHelp("Truth file of gwasflow simulate (chr, ps of each causal SNP).", valueName: "FILE"))
    var truth: String?

    @OptionGroup var schedule: ScheduleOptions

    @Option(help: ArgumentHelp("Coupling layers of the flows.", valueName: "N"))
    var layers = 16

    @Option(help: ArgumentHelp("Index p-value threshold of the loci (default 0.05 / tested SNPs).", valueName: "P"))
    var p1: Double?

    func validate() throws {
        for (name, v) in schedule.counts + [("--layers", layers)] where v < 1 {
            throw ValidationError("\(name) must be at least 1, got \(v)")
        }
        if let p1, !(p1 > 0 && p1 <= 1) { throw ValidationError("--p1 must be in (0, 1], got \(p1)") }
        if pc.pcs != nil && (grm != nil || eigen != nil) { throw ValidationError("give --grm [--eigen] or --pcs, not both") }
    }

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            var settings = CompareSettings(pheno: phenotypes.pheno)
            settings.columns = try phenotypes.columnSelection()
            settings.covar = phenotypes.covariates(context)
            if let pcs = pc.source {
                settings.pcs = pcs
            } else {
                settings.grm = eigen == nil ? try context.requiredPath(grm, or: .grm) : context.path(grm, or: .grm)
                settings.eigen = eigen
            }
            settings.truth = truth
            schedule.apply(to: &settings.schedule)
            settings.schedule.architecture.layers = layers
            settings.loci.p1 = p1
            settings.schedule.seed = options.seed
            let arms = try compare(bfile: bfile, settings: settings, out: prefix, context: context)
            print(compareTable(arms))
        }
    }
}
