import XCTest
import Numerics
@testable import Dependence

/// The λ stage against the dense likelihood, and its recovery of a known λ when U is exactly
/// matrix normal (no flow involved).
final class LambdaStageTests: XCTestCase {
    /// Dense l(λ) = −(p/2) log det C − ½ tr(Uᵀ C⁻¹ U) via Cholesky.
    private func denseLogLikelihood(_ g: Matrix<Double>, _ u: Matrix<Double>, lambda: Double) throws -> Double {
        let c = TestData.relatednessCovariance(g, lambda: lambda)
        let solved = try LAPACK.choleskySolve(factor: LAPACK.cholesky(c), u)
        let trace = zip(u.storage, solved.storage).reduce(0) { $0 + $1.0 * $1.1 }
        return -0.5 * Double(u.columns) * (try TestData.logDeterminant(c)) - 0.5 * trace
    }

    func testExactStageMaximizesTheDenseLikelihood() throws {
        let g = TestData.pedigreeRelationship(count: 150, children: 3)
        var generator = SeededGenerator(seed: 21)
        let u = try TestData.matrixNormal(covariance: TestData.relatednessCovariance(g, lambda: 0.45), columns: 3, generator: &generator)
        let spectrum = try RelatednessSpectrum(grm: g)
        let fit = LambdaStage.fit(spectrum: spectrum, latent: u, step: .exact, start: 0.9)
        XCTAssertEqual(fit.logLikelihood, try denseLogLikelihood(g, u, lambda: fit.lambda), accuracy: 1e-8)
        // Brute force: no grid point of the dense likelihood beats the fit.
        for lambda in stride(from: 0.01, through: 1.0, by: 0.01) {
            XCTAssertLessThanOrEqual(try denseLogLikelihood(g, u, lambda: lambda), fit.logLikelihood + 1e-9, "λ = \(lambda)")
        }
        // Stationary point (interior optimum).
        let objective = LambdaObjective(spectrum: spectrum, residuals: spectrum.residuals(u))
        XCTAssertEqual(objective.derivative(fit.lambda), 0, accuracy: 1e-4)
    }

    func testDerivativeMatchesFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 22)
        let w = TestData.normals(rows: 80, columns: 5, generator: &generator)
        let spectrum = try RelatednessSpectrum(factor: w)
        let u = TestData.normals(rows: 80, columns: 2, generator: &generator)
        let objective = LambdaObjective(spectrum: spectrum, residuals: spectrum.residuals(u))
        for lambda in [0.1, 0.5, 0.95] {
            let h = 1e-6
            let numeric = (objective.value(lambda + h) - objective.value(lambda - h)) / (2 * h)
            XCTAssertEqual(objective.derivative(lambda), numeric, accuracy: 1e-5 * max(1, abs(numeric)))
        }
        // The low-rank objective equals the dense likelihood too.
        let g = BLAS.product(w, w, transB: .transposed)
        XCTAssertEqual(objective.value(0.3), try denseLogLikelihood(g, u, lambda: 0.3), accuracy: 1e-8)
    }

    /// U ~ MN(0, λI + (1 − λ)G, I) with a pedigree G, n = 800, p = 4: exact recovers λ within 0.05;
    /// the paper's gd steps from λ₀ = 0.9 land near the same optimum.
    func testRecoversTrueLambdaFromMatrixNormalData() throws {
        let n = 800
        let g = TestData.pedigreeRelationship(count: n, children: 3)
        let spectrum = try RelatednessSpectrum(grm: g)
        for (index, truth) in [0.3, 0.6, 0.9].enumerated() {
            var generator = SeededGenerator(seed: 30 + UInt64(index))
            let u = try TestData.matrixNormal(covariance: TestData.relatednessCovariance(g, lambda: truth), columns: 4, generator: &generator)
            let exact = LambdaStage.fit(spectrum: spectrum, latent: u, step: .exact, start: 0.9)
            XCTAssertEqual(exact.lambda, truth, accuracy: 0.05, "exact, true λ \(truth)")
            let gd = LambdaStage.fit(spectrum: spectrum, latent: u, step: .gd, start: 0.9)
            XCTAssertEqual(gd.lambda, exact.lambda, accuracy: 0.03, "gd, true λ \(truth)")
            XCTAssertLessThanOrEqual(gd.logLikelihood, exact.logLikelihood + 1e-9)
        }
    }

    func testIndependentDataGivesLambdaNearOne() throws {
        let g = TestData.pedigreeRelationship(count: 400)
        var generator = SeededGenerator(seed: 40)
        let u = TestData.normals(rows: 400, columns: 4, generator: &generator)
        let fit = LambdaStage.fit(spectrum: try RelatednessSpectrum(grm: g), latent: u, step: .exact, start: 0.5)
        XCTAssertGreaterThan(fit.lambda, 0.85)
        XCTAssertLessThanOrEqual(fit.lambda, 1)
    }
}
