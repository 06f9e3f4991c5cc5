import Foundation
import Formats
import Numerics

/// A causal SNP of the simulated traits.
public struct CausalSNP: Equatable, Sendable {
    /// Row in the `.bim`.
    public var snp: Int
    /// Indices of the traits it acts on.
    public var traits: [Int]
    /// Effect per copy of A1 on each trait's latent value (0 for traits it does not act on).
    public var effects: [Double]
    /// Observed A1 frequency.
    public var frequency: Double
}

/// Age, sex and measurement batch of each individual, the covariates of the simulated traits.
public struct SimulatedCovariates: Equatable, Sendable {
    /// Age in years, one decimal (parents 40–70, children 18–43, unrelated 18–80).
    public var age: [Double]
    /// Sex as in the `.fam`: 1 male, 2 female.
    public var sex: [Int]
    /// 0-based measurement batch, written `B1`, `B2`, ….
    public var batch: [Int]
    /// Number of batches.
    public var batches: Int
}

/// The effects of the covariates on one trait's latent value.
public struct CovariateEffects: Equatable, Sendable {
    /// Per year of age, around age 50.
    public var age: Double
    /// For a female (sex 2) against a male.
    public var female: Double
    /// Per batch; batch 0 (`B1`) is the reference with effect 0.
    public var batch: [Double]
}

/// The variance of each latent part of one trait, as realized in the sample.
public struct VarianceSplit: Equatable, Sendable {
    /// Variance of the polygenic term.
    public var polygenic: Double
    /// Variance of the causal SNPs' term.
    public var causal: Double
    /// Variance of the shared family environment.
    public var family: Double
    /// Variance of the residual.
    public var residual: Double
    /// Variance of the covariate part (age, sex, batch effects).
    public var covariates: Double
    /// Heritability on the latent scale: (polygenic + causal) / (polygenic + causal + family + residual).
    public var heritability: Double { (polygenic + causal) / (polygenic + causal + family + residual) }
}

/// Multivariate non-Gaussian traits of a `SimulatedPopulation`, with the truth behind them.
///
/// Latent trait t of individual i is the sum of
/// - a polygenic term Σ_j x_ij b_jt over all SNPs, x standardized genotypes and b_j ~ N(0, R_g / m)
///   (so its covariance across individuals is the standardized GRM, across traits R_g);
/// - causal SNPs with per-SNP variance `causalVariance / causalPerTrait`, shared between pairs of traits;
/// - a family environment shared by relatives and a residual, both correlated across traits by R_e;
/// each part centered and scaled to exactly its target variance. Covariate effects (age, sex,
/// batch) are added, then the trait's `TraitMap` gives the observed value; finally values are set
/// missing at random. Everything is drawn from the one generator, so a seed fixes it all.
public struct SimulatedTraits {
    /// The settings used.
    public let settings: TraitSettings
    /// The maps used, one per trait.
    public let maps: [TraitMap]
    /// Observed values, n × p, NaN where missing.
    public let values: Matrix<Double>
    /// Latent Gaussian values before covariates and maps, n × p (polygenic + causal + family + residual).
    public let latent: Matrix<Double>
    /// The genetic part of `latent` (polygenic + causal), n × p.
    public let genetic: Matrix<Double>
    /// The covariates.
    public let covariates: SimulatedCovariates
    /// Covariate effects, one per trait.
    public let effects: [CovariateEffects]
    /// Causal SNPs, in `.bim` order.
    public let causal: [CausalSNP]
    /// Realized variance split, one per trait.
    public let variance: [VarianceSplit]

    /// Trait names.
    public var names: [String] { settings.names }

    /// Draws traits for `population`. Throws when there are too few eligible causal SNPs.
    /// `progress` is called with the number of SNPs of the polygenic term done, every 1,000 SNPs and at the end.
    public init(population: SimulatedPopulation, settings: TraitSettings, generator g: inout SeededGenerator,
                progress: (Int) -> Void = { _ in }) throws {
        precondition(settings.problem == nil, settings.problem ?? "")
        self.settings = settings
        maps = settings.resolvedMaps
        let n = population.fam.count, p = settings.names.count
        let lg = try LAPACK.cholesky(SimulatedTraits.powerCorrelation(p, settings.geneticCorrelation))
        let le = try LAPACK.cholesky(SimulatedTraits.powerCorrelation(p, settings.environmentalCorrelation))
        func correlatedNormal(_ l: Matrix<Double>) -> [Double] {
            let z = (0..<p).map { _ in g.normal() }
            return (0..<p).map { t in (0...t).reduce(0.0) { $0 + l[t, $1] * z[$1] } }
        }

        // Causal SNPs and their effects.
        var chosen = try SimulatedTraits.chooseCausal(population: population, settings: settings, generator: &g)
        var causalPart = Matrix<Double>(rows: n, columns: p)
        let perSNP = settings.causalVariance / Double(max(settings.causalPerTrait, 1))
        for c in chosen.indices {
            guard let s = population.standardized(snp: chosen[c].snp) else { continue }
            for t in chosen[c].traits {
                let standardizedEffect = (g.uniform() < 0.5 ? -1 : 1) * perSNP.squareRoot()
                chosen[c].effects[t] = standardizedEffect / s.sd
                for i in 0..<n { causalPart[i, t] += standardizedEffect * s.values[i] }
            }
            chosen[c].frequency = s.frequency
        }
        causal = chosen

        // Polygenic term over every polymorphic SNP.
        var polygenic = Matrix<Double>(rows: n, columns: p)
        let scale = 1 / Double(population.bim.count).squareRoot()
        for snp in population.bim.indices {
            let b = correlatedNormal(lg).map { $0 * scale }
            if (snp + 1) % 1_000 == 0 || snp + 1 == population.bim.count { progress(snp + 1) }
            guard let s = population.standardized(snp: snp) else { continue }
            for t in 0..<p {
                let bt = b[t]
                polygenic.storage.withUnsafeMutableBufferPointer { out in
                    let column = out.baseAddress! + t * n
                    for i in 0..<n { column[i] += s.values[i] * bt }
                }
            }
        }

        // Family environment and residual.
        let familyCount = (population.individuals.map(\.family).max() ?? 0) + 1
        let familyDraws = (0..<familyCount).map { _ in correlatedNormal(le) }
        var family = Matrix<Double>(rows: n, columns: p)
        var residual = Matrix<Double>(rows: n, columns: p)
        for i in 0..<n {
            let e = correlatedNormal(le)
            for t in 0..<p { family[i, t] = familyDraws[population.individuals[i].family][t]; residual[i, t] = e[t] }
        }
        SimulatedTraits.rescale(&polygenic, to: settings.polygenicVariance)
        SimulatedTraits.rescale(&causalPart, to: settings.causalVariance)
        SimulatedTraits.rescale(&family, to: settings.familyVariance)
        SimulatedTraits.rescale(&residual, to: settings.residualVariance)
        var genetic = polygenic
        for k in genetic.storage.indices { genetic.storage[k] += causalPart.storage[k] }
        var latent = genetic
        for k in latent.storage.indices { latent.storage[k] += family.storage[k] + residual.storage[k] }
        self.genetic = genetic
        self.latent = latent

        // Covariates and their effects.
        let covariates = SimulatedTraits.drawCovariates(population: population, batches: settings.batches, generator: &g)
        var effects: [CovariateEffects] = []
        for _ in 0..<p {
            let age = (g.uniform() < 0.5 ? -1 : 1) * (0.005 + 0.015 * g.uniform())
            let female = (g.uniform() < 0.5 ? -1 : 1) * (0.2 + 0.3 * g.uniform())
            let batch = [0] + (1..<settings.batches).map { _ in 0.3 * g.normal() }
            effects.append(CovariateEffects(age: age, female: female, batch: batch))
        }
        var covariatePart = Matrix<Double>(rows: n, columns: p)
        for i in 0..<n {
            for t in 0..<p {
                let e = effects[t]
                covariatePart[i, t] = e.age * (covariates.age[i] - 50) + (covariates.sex[i] == 2 ? e.female : 0)
                    + e.batch[covariates.batch[i]]
            }
        }
        self.covariates = covariates
        self.effects = effects

        // Observed values, then missingness.
        var values = Matrix<Double>(rows: n, columns: p)
        for i in 0..<n {
            let row = (0..<p).map { latent[i, $0] + covariatePart[i, $0] }
            for t in 0..<p { values[i, t] = maps[t].apply(row, column: t) }
        }
        if settings.missingRate > 0 {
            for k in values.storage.indices where g.uniform() < settings.missingRate { values.storage[k] = .nan }
        }
        self.values = values
        variance = (0..<p).map { t in
            VarianceSplit(polygenic: SimulatedTraits.variance(polygenic, t), causal: SimulatedTraits.variance(causalPart, t),
                          family: SimulatedTraits.variance(family, t), residual: SimulatedTraits.variance(residual, t),
                          covariates: SimulatedTraits.variance(covariatePart, t))
        }
    }

    /// The p × p correlation matrix with entries r^|i − j| (positive definite for |r| < 1).
    static func powerCorrelation(_ p: Int, _ r: Double) -> Matrix<Double> {
        var m = Matrix<Double>(rows: p, columns: p)
        for i in 0..<p { for j in 0..<p { m[i, j] = pow(r, Double(abs(i - j))) } }
        return m
    }

    /// Sample variance (divisor n) of column `t`.
    static func variance(_ m: Matrix<Double>, _ t: Int) -> Double {
        let column = m.column(t)
        let mean = column.reduce(0, +) / Double(column.count)
        return column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)
    }

    /// Centers each column and scales it to sample variance `target` (a constant column becomes 0).
    static func rescale(_ m: inout Matrix<Double>, to target: Double) {
        for t in 0..<m.columns {
            let column = m.column(t)
            let mean = column.reduce(0, +) / Double(column.count)
            let v = variance(m, t)
            let factor = v > 0 ? (target / v).squareRoot() : 0
            for i in 0..<m.rows { m[i, t] = (column[i] - mean) * factor }
        }
    }

    /// Picks causal SNPs: common enough (`minimumCausalMAF`), at least `causalSpacing` apart on a
    /// chromosome; the first `sharedCausal` act on two traits, then each trait gets its own up to
    /// `causalPerTrait`.
    static func chooseCausal(population: SimulatedPopulation, settings s: TraitSettings,
                             generator g: inout SeededGenerator) throws -> [CausalSNP]
    {
        let p = s.names.count
        var traitSets: [[Int]] = []
        var load = [Int](repeating: 0, count: p)
        for k in 0..<s.sharedCausal {
            let pair = p == 1 ? [0] : [k % p, (k + 1) % p].sorted()
            if pair.contains(where: { load[$0] >= s.causalPerTrait }) { continue }
            traitSets.append(pair)
            for t in pair { load[t] += 1 }
        }
        for t in 0..<p { for _ in load[t]..<max(load[t], s.causalPerTrait) { traitSets.append([t]) } }
        if traitSets.isEmpty { return [] }

        var chosen: [CausalSNP] = []
        for snp in g.permutation(population.bim.count) {
            if chosen.count == traitSets.count { break }
            let v = population.bim[snp]
            if chosen.contains(where: {
                let w = population.bim[$0.snp]
                return w.chromosome == v.chromosome && abs(w.position - v.position) < s.causalSpacing
            }) { continue }
            guard let st = population.standardized(snp: snp), min(st.frequency, 1 - st.frequency) >= s.minimumCausalMAF
            else { continue }
            chosen.append(CausalSNP(snp: snp, traits: traitSets[chosen.count],
                                    effects: [Double](repeating: 0, count: p), frequency: st.frequency))
        }
        guard chosen.count == traitSets.count else {
            throw SimulationError("only \(chosen.count) of \(traitSets.count) causal SNPs found with MAF ≥ \(s.minimumCausalMAF) and \(s.causalSpacing) bp apart: simulate more SNPs or chromosomes, or fewer causal SNPs")
        }
        return chosen.sorted { $0.snp < $1.snp }
    }

    /// Age (by pedigree role), sex (from the `.fam`) and a uniformly drawn batch.
    static func drawCovariates(population: SimulatedPopulation, batches: Int, generator g: inout SeededGenerator) -> SimulatedCovariates {
        var age: [Double] = [], batch: [Int] = []
        for person in population.individuals {
            let years: Double
            switch person.role {
            case .father, .mother: years = 40 + 30 * g.uniform()
            case .child: years = 18 + 25 * g.uniform()
            case .unrelated: years = 18 + 62 * g.uniform()
            }
            age.append((years * 10).rounded() / 10)
            batch.append(g.integer(in: 0...(batches - 1)))
        }
        return SimulatedCovariates(age: age, sex: population.fam.map(\.sex), batch: batch, batches: batches)
    }
}
