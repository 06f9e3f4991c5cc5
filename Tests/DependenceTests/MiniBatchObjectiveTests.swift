import XCTest
import Numerics
@testable import Dependence

/// Method.md eq. (2): unbiased for −log p(X)/n over random batches, and its gradient.
final class MiniBatchObjectiveTests: XCTestCase {
    private let n = 120, p = 3, b = 12

    /// Latent data drawn from the model itself (so the pairwise terms carry real signal), random
    /// log-dets, 2,000 random batches: the batch mean must lie within 3 standard errors of the
    /// exact objective.
    private func checkUnbiased(_ model: any CovarianceModel, dense c: Matrix<Double>, seed: UInt64,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        var generator = SeededGenerator(seed: seed)
        let u = try TestData.matrixNormal(covariance: c, columns: p, generator: &generator)
        let logJacobian = (0..<n).map { _ in 0.3 * generator.normal() }
        let exact = model.exactObjective(latent: u, logJacobian: logJacobian)
        let objective = MiniBatchObjective<Double>(model: model)
        var sum = 0.0, squares = 0.0
        let batches = 2_000
        for _ in 0..<batches {
            let rows = Array(generator.permutation(n).prefix(b))
            let latent = objective.evaluate(latent: u.selectingRows(rows), rows: rows).loss
            let value = latent - rows.reduce(0) { $0 + logJacobian[$1] } / Double(b)
            sum += value
            squares += value * value
        }
        let mean = sum / Double(batches)
        let se = ((squares / Double(batches) - mean * mean) / Double(batches - 1)).squareRoot()
        XCTAssertLessThan(abs(mean - exact), 3 * se, "batch mean \(mean), exact \(exact), SE \(se)", file: file, line: line)
        XCTAssertGreaterThan(se, 0, file: file, line: line)
    }

    func testUnbiasedIdentity() throws {
        try checkUnbiased(IdentityCovariance(count: n), dense: .identity(n), seed: 11)
    }

    func testUnbiasedFixedRelatedness() throws {
        let g = TestData.pedigreeRelationship(count: n, children: 4)
        let model = RelatednessCovariance(spectrum: try RelatednessSpectrum(grm: g), lambda: 0.2)
        try checkUnbiased(model, dense: TestData.relatednessCovariance(g, lambda: 0.2), seed: 12)
    }

    func testUnbiasedLowRank() throws {
        var generator = SeededGenerator(seed: 13)
        let w = TestData.normals(rows: n, columns: 4, generator: &generator)
        let model = RelatednessCovariance(spectrum: try RelatednessSpectrum(factor: w), lambda: 0.3)
        let g = BLAS.product(w, w, transB: .transposed)
        try checkUnbiased(model, dense: TestData.relatednessCovariance(g, lambda: 0.3), seed: 14)
    }

    func testUnbiasedBlocks() throws {
        let model = BlockCovariance(labels: (0..<n).map { "f\($0 / 6)" }, rho: 0.7)
        try checkUnbiased(model, dense: TestData.blockCovariance(blockOf: model.blockOf, rho: model.rho), seed: 15)
    }

    /// The estimator's expectation is exactly the full objective, so averaging it over *every*
    /// b-subset is a sharper check than sampling: for b = 2 that is all n(n−1)/2 pairs.
    func testAverageOverAllPairsIsExact() throws {
        let g = TestData.pedigreeRelationship(count: 30)
        let model = RelatednessCovariance(spectrum: try RelatednessSpectrum(grm: g), lambda: 0.4)
        var generator = SeededGenerator(seed: 16)
        let u = TestData.normals(rows: 30, columns: 2, generator: &generator)
        let objective = MiniBatchObjective<Double>(model: model)
        var sum = 0.0, pairs = 0
        for i in 0..<30 { for j in (i + 1)..<30 { sum += objective.evaluate(latent: u.selectingRows([i, j]), rows: [i, j]).loss; pairs += 1 } }
        XCTAssertEqual(sum / Double(pairs), model.exactObjective(latent: u, logJacobian: [Double](repeating: 0, count: 30)), accuracy: 1e-12)
    }

    /// The batch loss and gradient through `precisionProduct` equal eq. (2) written out with the
    /// b × b block of a dense A = C⁻¹ (`D = diag(A_BB)/b + offdiag(A_BB)(n − 1)/(b(b − 1))`, loss
    /// `(p/2) log 2π + (p/2n) log det C + ½ tr(U_Bᵀ D U_B)`, gradient `D U_B`), for every kind.
    func testMatchesDenseBlockFormula() throws {
        var generator = SeededGenerator(seed: 18)
        let w = TestData.normals(rows: n, columns: 4, generator: &generator)
        let g = TestData.pedigreeRelationship(count: n, children: 3)
        let blocks = BlockCovariance(labels: (0..<n).map { "f\($0 / 6)" }, rho: 0.6)
        let cases: [(any CovarianceModel, Matrix<Double>)] = [
            (RelatednessCovariance(spectrum: try RelatednessSpectrum(grm: g), lambda: 0.25), TestData.relatednessCovariance(g, lambda: 0.25)),
            (RelatednessCovariance(spectrum: try RelatednessSpectrum(grm: g), lambda: 0.25).cachingPrecision(), TestData.relatednessCovariance(g, lambda: 0.25)),
            (RelatednessCovariance(spectrum: try RelatednessSpectrum(factor: w), lambda: 0.35),
             TestData.relatednessCovariance(BLAS.product(w, w, transB: .transposed), lambda: 0.35)),
            (blocks, TestData.blockCovariance(blockOf: blocks.blockOf, rho: blocks.rho)),
        ]
        for (model, c) in cases {
            let a = try TestData.inverse(c)
            for size in [2, b, 64] {
                let rows = Array(generator.permutation(n).prefix(size))
                let u = TestData.normals(rows: size, columns: p, generator: &generator)
                var d = Matrix<Double>(rows: size, columns: size)
                for (j, rj) in rows.enumerated() {
                    for (i, ri) in rows.enumerated() {
                        d[i, j] = a[ri, rj] * (i == j ? 1 / Double(size) : Double(n - 1) / Double(size * (size - 1)))
                    }
                }
                let du = BLAS.product(d, u)
                let quadratic = zip(u.storage, du.storage).reduce(0) { $0 + $1.0 * $1.1 }
                let expected = 0.5 * Double(p) * log(2 * Double.pi) + Double(p) / Double(2 * n) * (try TestData.logDeterminant(c)) + 0.5 * quadratic
                let result = MiniBatchObjective<Double>(model: model).evaluate(latent: u, rows: rows)
                XCTAssertEqual(result.loss, expected, accuracy: 1e-10 * abs(expected), "\(model.kind), b = \(size)")
                let scale = du.storage.reduce(0) { max($0, abs($1)) }
                for k in du.storage.indices {
                    XCTAssertEqual(result.gradient.storage[k], du.storage[k], accuracy: 1e-10 * scale, "\(model.kind), b = \(size)")
                }
            }
        }
    }

    /// The gradient of eq. (2) with respect to the batch's latent rows, for every kind with
    /// pairwise terms (blocks, full-rank and low-rank relatedness), against central differences.
    func testGradientMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 17)
        let w = TestData.normals(rows: 40, columns: 3, generator: &generator)
        let models: [any CovarianceModel] = [
            BlockCovariance(labels: (0..<40).map { "f\($0 / 5)" }, rho: 0.5),
            RelatednessCovariance(spectrum: try RelatednessSpectrum(grm: TestData.pedigreeRelationship(count: 40, children: 3)), lambda: 0.3),
            RelatednessCovariance(spectrum: try RelatednessSpectrum(factor: w), lambda: 0.4),
        ]
        for model in models {
            let rows = Array(generator.permutation(40).prefix(10))
            let u = TestData.normals(rows: 10, columns: 3, generator: &generator)
            let objective = MiniBatchObjective<Double>(model: model)
            let gradient = objective.evaluate(latent: u, rows: rows).gradient
            let h = 1e-6
            for k in u.storage.indices {
                var plus = u, minus = u
                plus.storage[k] += h
                minus.storage[k] -= h
                let numeric = (objective.evaluate(latent: plus, rows: rows).loss - objective.evaluate(latent: minus, rows: rows).loss) / (2 * h)
                XCTAssertEqual(gradient.storage[k], numeric, accuracy: 1e-6, "\(model.kind)")
            }
        }
    }
}

/// The joint objective's ρ gradient against finite differences of its own loss.
final class JointBlockObjectiveTests: XCTestCase {
    func testRhoGradientMatchesFiniteDifferences() {
        let blockOf = (0..<60).map { $0 % 9 == 8 ? 8 : $0 / 8 }   // blocks of 7–8 and one singleton-ish tail
        let objective = JointBlockObjective<Double>(blockOf: blockOf, blockCount: 9, initialRho: 0.3)
        for k in 0..<9 { objective.raw.value[k] = -1 + 0.25 * Double(k) }
        var generator = SeededGenerator(seed: 18)
        let rows = Array(generator.permutation(60).prefix(20))
        let u = TestData.normals(rows: 20, columns: 2, generator: &generator)
        var gradient = Matrix<Double>(rows: 20, columns: 2)
        objective.raw.zeroGradient()
        _ = objective.evaluate(latent: u, rows: rows, gradient: &gradient)
        let analytic = objective.raw.gradient
        let h = 1e-6
        for k in 0..<9 {
            let saved = objective.raw.value[k]
            objective.raw.value[k] = saved + h
            let plus = objective.evaluate(latent: u, rows: rows, gradient: &gradient)
            objective.raw.value[k] = saved - h
            let minus = objective.evaluate(latent: u, rows: rows, gradient: &gradient)
            objective.raw.value[k] = saved
            XCTAssertEqual(analytic[k], (plus - minus) / (2 * h), accuracy: 1e-6, "block \(k)")
        }
    }
}
