/// What `SimulatedPopulation` generates: sample size and family structure, SNP count and layout,
/// allele-frequency spectrum, population structure, linkage disequilibrium and missingness.
///
/// The defaults make a small but realistic cohort: 60% of individuals in families (nuclear
/// families with genotyped parents, and sibships whose parents are not genotyped), the rest
/// unrelated; three subpopulations (Balding–Nichols, F_ST 0.03); 10% rare SNPs; LD decaying
/// with distance inside haplotype blocks; 1% missing genotypes on average.
public struct PopulationSettings: Equatable, Sendable {
    /// Number of genotyped individuals.
    public var individuals: Int
    /// Number of SNPs, spread evenly over the chromosomes (earlier chromosomes get the remainder).
    public var snps: Int
    /// Number of chromosomes, named `1`…`C`.
    public var chromosomes: Int
    /// Share of individuals who belong to a family of two or more genotyped relatives.
    public var relatedFraction: Double
    /// Among families, the share that are nuclear (two genotyped parents and 1–3 children);
    /// the others are sibships of 2–4 siblings without genotyped parents.
    public var nuclearFamilyShare: Double
    /// Number of subpopulations; families and unrelated individuals each come from one.
    public var subpopulations: Int
    /// Wright's F_ST between each subpopulation and the ancestral population (Balding–Nichols).
    public var fst: Double
    /// Share of SNPs with a rare minor allele (minor allele frequency log-uniform in [0.002, 0.01]);
    /// the others have MAF uniform in [0.01, 0.5].
    public var rareFraction: Double
    /// Mean missing-genotype rate; each SNP's own rate is uniform in [0, 2 × this].
    public var missingRate: Double
    /// Mean distance between neighbouring SNPs in base pairs.
    public var meanSpacing: Int
    /// LD decay length in base pairs: neighbouring haplotype latents correlate as exp(−gap / decay).
    /// Zero gives independent SNPs (no LD), which is also much faster.
    public var ldDecay: Double
    /// Mean number of SNPs per LD block; at a block boundary the haplotype latent restarts.
    public var meanBlockLength: Double

    public init(individuals: Int = 600, snps: Int = 5_000, chromosomes: Int = 3, relatedFraction: Double = 0.6,
                nuclearFamilyShare: Double = 0.5, subpopulations: Int = 3, fst: Double = 0.03,
                rareFraction: Double = 0.1, missingRate: Double = 0.01, meanSpacing: Int = 20_000,
                ldDecay: Double = 50_000, meanBlockLength: Double = 40)
    {
        self.individuals = individuals; self.snps = snps; self.chromosomes = chromosomes
        self.relatedFraction = relatedFraction; self.nuclearFamilyShare = nuclearFamilyShare
        self.subpopulations = subpopulations; self.fst = fst; self.rareFraction = rareFraction
        self.missingRate = missingRate; self.meanSpacing = meanSpacing; self.ldDecay = ldDecay
        self.meanBlockLength = meanBlockLength
    }

    /// The first setting that cannot be simulated, as a message a user can act on; nil when all are usable.
    public var problem: String? {
        if individuals < 2 { return "need at least 2 individuals, got \(individuals)" }
        if snps < 1 { return "need at least 1 SNP, got \(snps)" }
        if chromosomes < 1 || chromosomes > snps { return "chromosomes must be between 1 and the SNP count, got \(chromosomes)" }
        if !(0...1).contains(relatedFraction) { return "related fraction must be in [0, 1], got \(relatedFraction)" }
        if !(0...1).contains(nuclearFamilyShare) { return "nuclear family share must be in [0, 1], got \(nuclearFamilyShare)" }
        if subpopulations < 1 { return "need at least 1 subpopulation, got \(subpopulations)" }
        if !(fst >= 0 && fst < 1) { return "F_ST must be in [0, 1), got \(fst)" }
        if !(0...1).contains(rareFraction) { return "rare fraction must be in [0, 1], got \(rareFraction)" }
        if !(missingRate >= 0 && missingRate <= 0.5) { return "missing rate must be in [0, 0.5], got \(missingRate)" }
        if meanSpacing < 1 { return "mean SNP spacing must be at least 1 bp, got \(meanSpacing)" }
        if !(ldDecay >= 0) { return "LD decay must be ≥ 0 bp, got \(ldDecay)" }
        if !(meanBlockLength >= 1) { return "mean LD block length must be at least 1 SNP, got \(meanBlockLength)" }
        return nil
    }
}
