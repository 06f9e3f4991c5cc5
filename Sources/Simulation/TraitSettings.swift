/// What `SimulatedTraits` generates: the traits, their latent variance split (on the latent
/// Gaussian scale, each trait's genetic + family + residual parts sum to variance 1), causal SNPs,
/// covariate effects, missingness, and the non-linear maps to observed values.
public struct TraitSettings: Equatable, Sendable {
    /// Trait names (phenotype table columns).
    public var names: [String]
    /// Latent variance explained by the polygenic term (all SNPs, small effects: covariance ∝ GRM).
    public var polygenicVariance: Double
    /// Latent variance explained by each trait's causal SNPs together.
    public var causalVariance: Double
    /// Causal SNPs per trait, shared ones included.
    public var causalPerTrait: Int
    /// Causal SNPs that each act on two traits (traits s mod p and s + 1 mod p for the s-th).
    public var sharedCausal: Int
    /// Minimum observed minor allele frequency of a causal SNP.
    public var minimumCausalMAF: Double
    /// Minimum distance in base pairs between two causal SNPs on one chromosome (distinct loci).
    public var causalSpacing: Int
    /// Latent variance of a shared family environment (one draw per family).
    public var familyVariance: Double
    /// Genetic correlation between traits i and j: this to the power |i − j|.
    public var geneticCorrelation: Double
    /// Environmental (family and residual) correlation between traits i and j: this to the power |i − j|.
    public var environmentalCorrelation: Double
    /// Share of phenotype values set missing, independently per trait and individual.
    public var missingRate: Double
    /// Number of measurement batches (a categorical covariate `B1`…).
    public var batches: Int
    /// Latent-to-observed maps, one per trait; nil uses `TraitMap.hormonal(count:)`.
    public var maps: [TraitMap]?

    public init(names: [String] = ["TSH", "FT4", "T3", "cortisol"], polygenicVariance: Double = 0.25,
                causalVariance: Double = 0.16, causalPerTrait: Int = 4, sharedCausal: Int = 2,
                minimumCausalMAF: Double = 0.05, causalSpacing: Int = 2_000_000, familyVariance: Double = 0.05,
                geneticCorrelation: Double = 0.4, environmentalCorrelation: Double = 0.3,
                missingRate: Double = 0.02, batches: Int = 3, maps: [TraitMap]? = nil)
    {
        self.names = names; self.polygenicVariance = polygenicVariance; self.causalVariance = causalVariance
        self.causalPerTrait = causalPerTrait; self.sharedCausal = sharedCausal
        self.minimumCausalMAF = minimumCausalMAF; self.causalSpacing = causalSpacing
        self.familyVariance = familyVariance; self.geneticCorrelation = geneticCorrelation
        self.environmentalCorrelation = environmentalCorrelation; self.missingRate = missingRate
        self.batches = batches; self.maps = maps
    }

    /// Latent residual variance: 1 − polygenic − causal − family.
    public var residualVariance: Double { 1 - polygenicVariance - causalVariance - familyVariance }

    /// The maps in use.
    public var resolvedMaps: [TraitMap] { maps ?? TraitMap.hormonal(count: names.count) }

    /// The first setting that cannot be simulated, as a message a user can act on; nil when all are usable.
    public var problem: String? {
        if names.isEmpty { return "need at least one trait name" }
        if Set(names).count != names.count { return "trait names must be distinct, got \(names.joined(separator: ","))" }
        if let bad = names.first(where: { $0.isEmpty || $0.contains(where: { $0.isWhitespace || $0 == "," }) }) {
            return "trait name '\(bad)' must be non-empty without spaces or commas"
        }
        for (name, v) in [("polygenic", polygenicVariance), ("causal", causalVariance), ("family", familyVariance)]
        where !(v >= 0 && v < 1) { return "\(name) variance must be in [0, 1), got \(v)" }
        if !(residualVariance > 0) { return "polygenic + causal + family variance must be below 1, got \(1 - residualVariance)" }
        if causalPerTrait < 0 || sharedCausal < 0 { return "causal SNP counts must be ≥ 0" }
        if causalVariance > 0 && causalPerTrait == 0 { return "causal variance \(causalVariance) needs at least one causal SNP per trait" }
        if !(minimumCausalMAF >= 0 && minimumCausalMAF <= 0.5) { return "minimum causal MAF must be in [0, 0.5], got \(minimumCausalMAF)" }
        if causalSpacing < 0 { return "causal spacing must be ≥ 0 bp, got \(causalSpacing)" }
        for (name, r) in [("genetic", geneticCorrelation), ("environmental", environmentalCorrelation)]
        where !(r > -1 && r < 1) { return "\(name) correlation must be in (−1, 1), got \(r)" }
        if !(missingRate >= 0 && missingRate < 1) { return "phenotype missing rate must be in [0, 1), got \(missingRate)" }
        if batches < 1 { return "need at least 1 batch, got \(batches)" }
        if let maps {
            if maps.count != names.count { return "\(maps.count) trait maps for \(names.count) traits" }
            if maps.contains(where: { $0.partner.map { $0 < 0 || $0 >= names.count } ?? false }) {
                return "a trait map's partner is not one of the \(names.count) traits"
            }
        }
        return nil
    }
}
