import Formats
import Foundation
import Numerics
import Simulation

/// Everything `gwasflow simulate` draws: the cohort, the traits, and how many PCs to compute.
public struct SimulationSettings: Equatable, Sendable {
    public var population: PopulationSettings
    public var traits: TraitSettings
    /// Principal components written to the `.eigenvec` (0 writes none).
    public var principalComponents: Int

    public init(population: PopulationSettings = .init(), traits: TraitSettings = .init(), principalComponents: Int = 10) {
        self.population = population; self.traits = traits; self.principalComponents = principalComponents
    }

    /// The first setting that cannot be simulated; nil when all are usable.
    public var problem: String? {
        if let p = population.problem ?? traits.problem { return p }
        if principalComponents < 0 || principalComponents > population.individuals {
            return "principal components must be between 0 and the number of individuals, got \(principalComponents)"
        }
        return nil
    }
}

/// Where `gwasflow simulate` writes its tables; the genotypes always go to `PREFIX.bed/.bim/.fam`.
public struct SimulationFiles: Equatable, Sendable {
    /// Phenotype table (PLINK 2 style: `FID IID trait…`).
    public var phenotypes: String
    /// Covariate table (`FID IID age sex batch`).
    public var covariates: String
    /// PLINK 2 `.eigenvec`; the eigenvalues go beside it as `.eigenval`.
    public var principalComponents: String
    /// Causal SNPs (`chr rs ps a1 a1_freq traits beta_…`); the variance split goes beside it as `.variance.tsv`.
    public var truth: String

    /// `PREFIX.pheno.tsv`, `PREFIX.covar.tsv`, `PREFIX.eigenvec`, `PREFIX.truth.tsv`, each unless given.
    public init(prefix: String, phenotypes: String? = nil, covariates: String? = nil,
                principalComponents: String? = nil, truth: String? = nil)
    {
        self.phenotypes = phenotypes ?? prefix + ".pheno.tsv"
        self.covariates = covariates ?? prefix + ".covar.tsv"
        self.principalComponents = principalComponents ?? prefix + ".eigenvec"
        self.truth = truth ?? prefix + ".truth.tsv"
    }

    /// The `.eigenval` beside the `.eigenvec`.
    public var eigenvalues: String { SimulationFiles.replacingExtension(principalComponents, ".eigenvec", with: ".eigenval") }
    /// The variance-split table beside the truth file.
    public var variance: String { SimulationFiles.replacingExtension(truth, ".tsv", with: ".variance.tsv") }

    static func replacingExtension(_ path: String, _ old: String, with new: String) -> String {
        path.hasSuffix(old) ? String(path.dropLast(old.count)) + new : path + new
    }
}

/// `gwasflow simulate`: draws a cohort with families and population structure, multivariate
/// non-Gaussian traits with known causal SNPs and covariates, and its principal components
/// (see `SimulatedPopulation`, `SimulatedTraits`, `PrincipalComponents`), and writes them.
///
/// All randomness comes from `context.seed` (one stream for genotypes, one for traits), and the
/// PCs are computed with one BLAS thread, so a seed gives the same bytes on every run.
@discardableResult
public func simulate(settings: SimulationSettings, files: SimulationFiles, out prefix: String,
                     context: RunContext) throws -> (population: SimulatedPopulation, traits: SimulatedTraits)
{
    if let problem = settings.problem { throw UsageError(problem) }
    let p = settings.population, t = settings.traits
    context.setting("individuals", p.individuals)
    context.setting("SNPs", p.snps)
    context.setting("chromosomes", p.chromosomes)
    context.setting("traits", t.names.joined(separator: ","))
    var root = SeededGenerator(seed: context.seed)
    var genotypeStream = root.split(), traitStream = root.split()
    let population = context.step("genotypes", total: p.snps, unit: "SNPs") { bar in
        SimulatedPopulation(settings: p, generator: &genotypeStream) { bar.update(completed: $0) }
    }
    let traits = try context.step("traits", total: p.snps, unit: "SNPs") { bar in
        try SimulatedTraits(population: population, settings: t, generator: &traitStream) { bar.update(completed: $0) }
    }
    try context.write(population.bed, to: prefix + ".bed")
    try context.write(PlinkBim.text(population.bim), to: prefix + ".bim")
    try context.write(PlinkFam.text(population.fam), to: prefix + ".fam")
    try context.write(SimulationText.phenotypes(fam: population.fam, traits: traits), to: files.phenotypes)
    try context.write(SimulationText.covariates(fam: population.fam, covariates: traits.covariates), to: files.covariates)
    try context.write(SimulationText.truth(population: population, traits: traits), to: files.truth)
    try context.write(SimulationText.variance(traits: traits), to: files.variance)
    if settings.principalComponents > 0 {
        let threads = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(threads) }
        let pcs = try context.step("principal components") {
            try PrincipalComponents(population: population, count: settings.principalComponents)
        }
        context.figure("SNPs used for PCs", pcs.snps)
        try context.write(SimulationText.eigenvec(fam: population.fam, components: pcs), to: files.principalComponents)
        try context.write(SimulationText.eigenval(components: pcs), to: files.eigenvalues)
    }
    let people = population.individuals
    context.figure("families of two or more", Set(people.filter { $0.role != .unrelated }.map(\.family)).count)
    context.figure("unrelated individuals", people.filter { $0.role == .unrelated }.count)
    context.figure("causal SNPs", traits.causal.count)
    context.figure("missing genotype rate", population.missingGenotypeRate)
    for (k, name) in traits.names.enumerated() {
        context.figure("latent heritability \(name)", traits.variance[k].heritability)
    }
    return (population, traits)
}
