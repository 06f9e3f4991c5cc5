import Foundation
import Formats
import Numerics
@testable import Simulation
import XCTest

/// The trait simulator: each ingredient recovered from the simulated data by an independent
/// computation (regressions, correlations, moments), and the text files read back by Formats.
final class SimulatedTraitsTests: XCTestCase {
    static let population: SimulatedPopulation = {
        var g = SeededGenerator(seed: 21)
        return SimulatedPopulation(settings: PopulationSettings(individuals: 1_000, snps: 2_000, chromosomes: 2), generator: &g)
    }()
    static let traits: SimulatedTraits = {
        var g = SeededGenerator(seed: 22)
        return try! SimulatedTraits(population: population, settings: TraitSettings(), generator: &g)
    }()
    var population: SimulatedPopulation { Self.population }
    var traits: SimulatedTraits { Self.traits }

    func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let mx = mean(x), my = mean(y)
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }, syy = y.reduce(0) { $0 + ($1 - my) * ($1 - my) }
        return sxy / (sxx * syy).squareRoot()
    }

    func testVarianceSplitMatchesSettings() {
        let s = traits.settings
        for v in traits.variance {
            XCTAssertEqual(v.polygenic, s.polygenicVariance, accuracy: 1e-12)
            XCTAssertEqual(v.causal, s.causalVariance, accuracy: 1e-12)
            XCTAssertEqual(v.family, s.familyVariance, accuracy: 1e-12)
            XCTAssertEqual(v.residual, s.residualVariance, accuracy: 1e-12)
            XCTAssertGreaterThan(v.covariates, 0)
        }
    }

    /// Causal SNPs: the configured number per trait, shared ones on two traits, spaced apart, and
    /// each one's true effect recovered by regressing the latent trait on its genotype.
    func testCausalSNPsAreRecoveredByRegression() {
        let s = traits.settings, p = s.names.count
        for t in 0..<p { XCTAssertEqual(traits.causal.filter { $0.traits.contains(t) }.count, s.causalPerTrait) }
        XCTAssertEqual(traits.causal.filter { $0.traits.count == 2 }.count, s.sharedCausal)
        for c in traits.causal {
            let g = population.genotypes(snp: c.snp)
            let rows = g.indices.filter { g[$0] >= 0 }
            let x = rows.map { Double(g[$0]) }
            for t in 0..<p {
                let y = rows.map { traits.latent[$0, t] }
                let mx = mean(x), my = mean(y)
                let slope = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
                let se = (1 / (Double(rows.count) * x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) } / Double(rows.count))).squareRoot()
                if c.traits.contains(t) {
                    XCTAssertNotEqual(c.effects[t], 0)
                    XCTAssertEqual(slope, c.effects[t], accuracy: 4 * se + 0.3 * abs(c.effects[t]), "SNP \(c.snp) trait \(t)")
                } else {
                    XCTAssertEqual(c.effects[t], 0)
                }
            }
        }
    }

    /// The genetic part correlates about 0.5 between siblings and the family environment is shared.
    func testRelativesShareGeneticAndFamilyParts() {
        let people = population.individuals
        var a: [Double] = [], b: [Double] = []
        for j in people.indices {
            for i in 0..<j where people[i].family == people[j].family && people[i].role == .child && people[j].role == .child {
                a.append(traits.genetic[i, 0]); b.append(traits.genetic[j, 0])
            }
        }
        XCTAssertGreaterThan(a.count, 50)
        XCTAssertEqual(correlation(a, b), 0.5, accuracy: 0.2)
    }

    /// Non-Gaussian margins and joint shape: TSH right-skewed, T3 heavy-tailed even on the log scale, FT4 crescent-shaped
    /// against log TSH, cortisol's spread growing with the TSH latent.
    func testTraitsAreJointlyNonGaussian() {
        let n = population.fam.count
        let rows = (0..<n).filter { i in (0..<4).allSatisfy { !traits.values[i, $0].isNaN } }
        func column(_ t: Int) -> [Double] { rows.map { traits.values[$0, t] } }
        func standardizedMoment(_ x: [Double], _ k: Double) -> Double {
            let m = mean(x)
            let v = mean(x.map { ($0 - m) * ($0 - m) })
            return mean(x.map { pow(($0 - m) / v.squareRoot(), k) })
        }
        XCTAssertGreaterThan(standardizedMoment(column(0), 3), 0.8, "TSH skewness")
        XCTAssertGreaterThan(standardizedMoment(column(2).map { log($0) }, 4), 4.5, "log T3 kurtosis")
        let logTSH = column(0).map { log($0) }
        let centered = logTSH.map { $0 - mean(logTSH) }
        XCTAssertGreaterThan(correlation(centered.map { $0 * $0 }, column(1)), 0.3, "FT4 against log TSH squared")
        let logCortisol = column(3).map { log($0) }
        let spread = logCortisol.map { abs($0 - mean(logCortisol)) }
        XCTAssertGreaterThan(correlation(logTSH, spread), 0.05, "cortisol spread against TSH")
        XCTAssertTrue([0, 2, 3].allSatisfy { column($0).allSatisfy { $0 > 0 } })
    }

    /// Regressing log TSH (= 0.4 + 0.5 × (latent + covariate part)) on age, sex and batch recovers
    /// half the simulated effects.
    func testCovariateEffectsAreRecoveredOnTheLogScale() throws {
        let c = traits.covariates
        let rows = (0..<population.fam.count).filter { !traits.values[$0, 0].isNaN }
        var design = Matrix<Double>(rows: rows.count, columns: 2 + c.batches)
        var y = Matrix<Double>(rows: rows.count, columns: 1)
        for (r, i) in rows.enumerated() {
            design[r, 0] = 1; design[r, 1] = c.age[i] - 50; design[r, 2] = c.sex[i] == 2 ? 1 : 0
            for b in 1..<c.batches where c.batch[i] == b { design[r, 2 + b] = 1 }
            y[r, 0] = log(traits.values[i, 0])
        }
        let beta = try LAPACK.leastSquares(design, y)
        let e = traits.effects[0]
        XCTAssertEqual(beta[1, 0], 0.5 * e.age, accuracy: 0.004)
        XCTAssertEqual(beta[2, 0], 0.5 * e.female, accuracy: 0.08)
        for b in 1..<c.batches { XCTAssertEqual(beta[2 + b, 0], 0.5 * e.batch[b], accuracy: 0.1) }
        XCTAssertTrue(c.age.allSatisfy { $0 >= 18 && $0 <= 80 })
    }

    func testMissingValuesAndReproducibility() throws {
        let missing = traits.values.storage.filter(\.isNaN).count
        XCTAssertEqual(Double(missing) / Double(traits.values.storage.count), traits.settings.missingRate, accuracy: 0.008)
        var g = SeededGenerator(seed: 22)
        let again = try SimulatedTraits(population: population, settings: TraitSettings(), generator: &g)
        XCTAssertTrue(zip(again.values.storage, traits.values.storage).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        XCTAssertEqual(again.causal, traits.causal)
    }

    func testTooFewCausalCandidatesIsAnError() {
        var g = SeededGenerator(seed: 1)
        let small = SimulatedPopulation(settings: PopulationSettings(individuals: 50, snps: 30, chromosomes: 1), generator: &g)
        XCTAssertThrowsError(try SimulatedTraits(population: small, settings: TraitSettings(), generator: &g)) {
            XCTAssertTrue("\($0)".contains("causal SNPs found"), "\($0)")
        }
    }

    /// The text files parse with the Formats readers and give back the simulated values.
    func testTextFilesReadBack() throws {
        let folder = NSTemporaryDirectory() + "gwasflow-simtext-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fam = population.fam
        try AtomicFile.write(SimulationText.phenotypes(fam: fam, traits: traits), to: folder + "/pheno.tsv")
        try AtomicFile.write(SimulationText.covariates(fam: fam, covariates: traits.covariates), to: folder + "/covar.tsv")
        let pheno = try PhenotypeTable.read(path: folder + "/pheno.tsv", fam: fam)
        XCTAssertEqual(pheno.names, traits.names)
        for k in stride(from: 0, to: pheno.values.storage.count, by: 7) {
            let (a, b) = (pheno.values.storage[k], traits.values.storage[k])
            XCTAssertTrue(a.isNaN ? b.isNaN : abs(a - b) <= 1e-5 * abs(b))
        }
        let covar = try CovariateTable.read(path: folder + "/covar.tsv", fam: fam)
        XCTAssertEqual(covar.values.rows, fam.count)
        XCTAssertEqual(covar.values.column(covar.names.firstIndex(of: "age")!), traits.covariates.age)
        let truth = SimulationText.truth(population: population, traits: traits).split(separator: "\n")
        XCTAssertEqual(truth.first, "chr\trs\tps\ta1\ta1_freq\ttraits\tbeta_TSH\tbeta_FT4\tbeta_T3\tbeta_cortisol")
        XCTAssertEqual(truth.count, 1 + traits.causal.count)
        let variance = SimulationText.variance(traits: traits).split(separator: "\n")
        XCTAssertEqual(variance.count, 5)
        XCTAssertTrue(variance[2].hasPrefix("FT4\tcrescent(partner=1,"), String(variance[2]))
    }

    /// PC1 and PC2 separate the subpopulations, and the `.eigenvec` parses as PLINK 2.
    func testPrincipalComponentsSeparateSubpopulations() throws {
        let pcs = try PrincipalComponents(population: population, count: 4)
        XCTAssertEqual(pcs.vectors.columns, 4)
        XCTAssertEqual(pcs.values, pcs.values.sorted(by: >))
        for j in 0..<4 { XCTAssertEqual(pcs.vectors.column(j).reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-10) }
        // Between-subpopulation share of PC1's variance (an R² of PC1 on subpopulation).
        let pc1 = pcs.vectors.column(0), groups = population.individuals.map(\.subpopulation)
        let overall = mean(pc1)
        var between = 0.0
        for k in Set(groups) {
            let members = pc1.indices.filter { groups[$0] == k }.map { pc1[$0] }
            between += Double(members.count) * pow(mean(members) - overall, 2)
        }
        let total = pc1.reduce(0) { $0 + ($1 - overall) * ($1 - overall) }
        XCTAssertGreaterThan(between / total, 0.8)
        let folder = NSTemporaryDirectory() + "gwasflow-simpca-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try AtomicFile.write(SimulationText.eigenvec(fam: population.fam, components: pcs), to: folder + "/pcs.eigenvec")
        let read = try Eigenvectors.read(path: folder + "/pcs.eigenvec")
        XCTAssertEqual(read.format, .plink2)
        for (a, b) in zip(read.vectors.column(0), pc1) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b)) }
    }
}
