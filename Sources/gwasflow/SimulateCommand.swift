import ArgumentParser
import GWASFlow
import Simulation

/// `gwasflow simulate`: a realistic test cohort with known truth.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate genotypes in families with population structure, non-Gaussian traits with known causal SNPs, covariates and PCs.",
        discussion: """
            Writes PREFIX.bed/.bim/.fam, a phenotype table (PLINK 2 style, default PREFIX.pheno.tsv), \
            a covariate table (age, sex, batch; default PREFIX.covar.tsv), principal components \
            (PLINK 2 .eigenvec and .eigenval; default PREFIX.eigenvec), the causal SNPs \
            (default PREFIX.truth.tsv) and the true variance split beside them (.variance.tsv). \
            The same --seed gives byte-identical files.
            """)

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(name: .customLong("n"), help: "Number of individuals.")
    var individuals = 600

    @Option(help: "Number of SNPs.")
    var snps = 5_000

    @Option(help: "Number of chromosomes (SNPs spread evenly).")
    var chromosomes = 3

    @Option(help: ArgumentHelp("Trait names, comma separated, or a count (TSH, FT4, T3, cortisol, trait5, …). Maps repeat every four: TSH-, FT4-, T3-, cortisol-like.", valueName: "NAMES|COUNT"))
    var traits = "TSH,FT4,T3,cortisol"

    @Option(help: "Principal components to compute and write (0 for none).")
    var pcs = 10

    @Option(help: "Share of individuals in families (nuclear families and sibships).")
    var relatedFraction = 0.6

    @Option(help: "Number of subpopulations.")
    var subpopulations = 3

    @Option(help: "F_ST of each subpopulation against the ancestral population.")
    var fst = 0.03

    @Option(help: "Share of SNPs with a rare minor allele (MAF 0.002–0.01).")
    var rareFraction = 0.1

    @Option(help: "Mean missing-genotype rate.")
    var genotypeMissing = 0.01

    @Option(help: "LD decay length in base pairs (0: independent SNPs, faster).")
    var ldDecay = 50_000.0

    @Option(help: "Latent variance of the polygenic term.")
    var polygenic = 0.25

    @Option(help: "Latent variance of each trait's causal SNPs together.")
    var causalVariance = 0.16

    @Option(help: "Causal SNPs per trait.")
    var causalPerTrait = 4

    @Option(help: "Causal SNPs shared by two traits.")
    var sharedCausal = 2

    @Option(help: "Share of phenotype values set missing.")
    var phenoMissing = 0.02

    @Option(help: ArgumentHelp("Phenotype table path (default PREFIX.pheno.tsv).", valueName: "FILE"))
    var phenoOut: String?

    @Option(help: ArgumentHelp("Covariate table path (default PREFIX.covar.tsv).", valueName: "FILE"))
    var covarOut: String?

    @Option(help: ArgumentHelp("PLINK 2 .eigenvec path (default PREFIX.eigenvec).", valueName: "FILE"))
    var pcsOut: String?

    @Option(help: ArgumentHelp("Causal-SNP table path (default PREFIX.truth.tsv).", valueName: "FILE"))
    var truthOut: String?

    /// `--traits` as names: a list as given, or for a count the hormone names then `traitK`.
    var traitNames: [String] {
        guard let count = Int(traits), count >= 1 else {
            return traits.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let hormones = ["TSH", "FT4", "T3", "cortisol"]
        return (0..<count).map { $0 < hormones.count ? hormones[$0] : "trait\($0 + 1)" }
    }

    var settings: SimulationSettings {
        SimulationSettings(
            population: PopulationSettings(individuals: individuals, snps: snps, chromosomes: chromosomes,
                                           relatedFraction: relatedFraction, subpopulations: subpopulations, fst: fst,
                                           rareFraction: rareFraction, missingRate: genotypeMissing, ldDecay: ldDecay),
            traits: TraitSettings(names: traitNames,
                                  polygenicVariance: polygenic, causalVariance: causalVariance,
                                  causalPerTrait: causalPerTrait, sharedCausal: sharedCausal, missingRate: phenoMissing),
            principalComponents: pcs)
    }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
    }

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let files = SimulationFiles(prefix: prefix, phenotypes: phenoOut, covariates: covarOut,
                                        principalComponents: pcsOut, truth: truthOut)
            let (population, traits) = try simulate(settings: settings, files: files, out: prefix, context: context)
            print("simulated \(population.fam.count) individuals × \(population.bim.count) SNPs, \(traits.names.count) traits, \(traits.causal.count) causal SNPs; wrote \(prefix).bed/.bim/.fam, \(files.phenotypes), \(files.covariates)\(pcs > 0 ? ", " + files.principalComponents : ""), \(files.truth)")
        }
    }
}
