import Foundation
import XCTest
import GWASFlow
import Numerics
import Association
import Simulation

/// Null calibration: traits with a relatedness-correlated polygenic part (G ~ MN(0, K, Vg)) and no
/// causal SNP, on 2,000 individuals in families and subpopulations. Genomic-control λ of the
/// univariate (per trait) and multivariate score tests must lie within 1.00 ± 0.05. With 20,000
/// independent SNPs the sampling sd of λ_GC is about 0.016, so the band is three sd wide.
final class AssocCalibrationTests: XCTestCase {
    func testNullLambdaGCIsOne() throws {
        let d = 3
        var vg = Matrix<Double>(rows: d, columns: d), ve = Matrix<Double>(rows: d, columns: d)
        for a in 0..<d { for b in 0..<d {
            vg[a, b] = a == b ? 2.0 : 0.8
            ve[a, b] = a == b ? 1.0 : 0.3
        } }
        let settings = PopulationSettings(individuals: 2_000, snps: 20_000, chromosomes: 2, ldDecay: 0)
        let c = try AssocCohort.make(folder: try temporaryFolder(self), population: settings, vg: vg, ve: ve,
                                     missingRate: 0.02, seed: 21)
        for perTrait in [true, false] {
            let run = AssocSettings(relatedness: .grm(c.grmPath), covar: c.covarPath, perTrait: perTrait)
            let result = try assoc(bfile: c.prefix, pheno: c.phenoPath, settings: run, out: c.prefix + (perTrait ? "-uni" : "-mv"),
                                   context: RunContext())
            XCTAssertEqual(result.tables.count, perTrait ? d : 1)
            XCTAssertGreaterThanOrEqual(result.analysed, 1_800)
            for table in result.tables {
                XCTAssertGreaterThan(table.logP.count, 15_000)
                let lambda = try XCTUnwrap(table.lambdaGC)
                print("null calibration: λ_GC of \(table.name) = \(String(format: "%.4f", lambda))")
                XCTAssertEqual(lambda, 1, accuracy: 0.05, "λ_GC of \(table.name)")
            }
        }
    }
}

/// The Float rotation GEMM (the default) against the Double one on the same cohort: the bound the
/// `RotationPrecision.float` documentation promises.
final class AssocRotationPrecisionTests: XCTestCase {
    func testFloatRotationStaysWithinItsBound() throws {
        let vg = Matrix<Double>(rowArrays: [[2.0, 0.5], [0.5, 1.5]]), ve = Matrix<Double>(rowArrays: [[1.0, 0.2], [0.2, 1.0]])
        let c = try AssocCohort.make(folder: try temporaryFolder(self), population: PopulationSettings(individuals: 600, snps: 2_000, chromosomes: 1),
                                     vg: vg, ve: ve, missingRate: 0.03, seed: 31)
        for columns in [[1], [1, 2]] {
            var files: [AssocFile] = []
            for precision in RotationPrecision.allCases {
                let settings = AssocSettings(relatedness: .grm(c.grmPath), columns: .positions(columns), covar: c.covarPath, precision: precision)
                let result = try assoc(bfile: c.prefix, pheno: c.phenoPath, settings: settings, out: "\(c.prefix)-\(precision)", context: RunContext())
                files.append(try AssocFile(path: result.tables[0].path))
            }
            let (f, d) = (files[0], files[1])
            XCTAssertEqual(f.ids, d.ids)
            let worst = zip(f.numbers("p_score"), d.numbers("p_score")).map { abs(log10($0) - log10($1)) }.max()!
            XCTAssertLessThan(worst, 1e-4, "max |Δ log10 p|, \(columns.count) trait(s)")
            let effect = columns.count == 1 ? ["beta"] : ["beta_1", "beta_2"]
            let spread = columns.count == 1 ? ["se"] : ["Vbeta_1_1", "Vbeta_2_2"]
            for (b, s) in zip(effect, spread) {
                let scale = d.numbers(s).map { columns.count == 1 ? $0 : $0.squareRoot() }
                for (k, (x, y)) in zip(f.numbers(b), d.numbers(b)).enumerated() {
                    XCTAssertEqual(x, y, accuracy: 1e-5 * scale[k], "\(b) of \(f.ids[k])")
                }
                for (x, y) in zip(f.numbers(s), d.numbers(s)) { XCTAssertEqual(x, y, accuracy: 1e-5 * y, s) }
            }
        }
    }
}
