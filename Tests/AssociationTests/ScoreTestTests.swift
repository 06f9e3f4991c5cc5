import Foundation
import XCTest
import Numerics
import Relatedness
@testable import Association

/// The score tests and null likelihoods against dense computations straight from the model
/// (V = λK + I, or Vg ⊗ K + Ve ⊗ I, inverted as a whole; no eigendecomposition, no weights).
final class ScoreTestTests: XCTestCase {
    struct Problem {
        var k: Matrix<Double>
        var w: Matrix<Double>
        var y: Matrix<Double>
        var x: [Double]
        var eigen: GRMEigendecomposition
        var rotatedW: Matrix<Double> { BLAS.product(eigen.vectors, w, transA: .transposed) }
        var rotatedY: Matrix<Double> { BLAS.product(eigen.vectors, y, transA: .transposed) }
        var rotatedX: Matrix<Double> { BLAS.product(eigen.vectors, Matrix(rows: x.count, columns: 1, storage: x), transA: .transposed) }
    }

    /// n individuals, a PSD K from random genotypes, an intercept and one covariate, d traits, one SNP.
    func problem(n: Int, d: Int, seed: UInt64) throws -> Problem {
        var g = SeededGenerator(seed: seed)
        var z = Matrix<Double>(rows: n, columns: 3 * n)
        for t in z.storage.indices { z.storage[t] = Double(Int(g.next() % 3)) - 1 }
        var k = BLAS.product(z, z, transB: .transposed)
        for t in k.storage.indices { k.storage[t] /= Double(3 * n) }
        var w = Matrix<Double>(rows: n, columns: 2, repeating: 1)
        var y = Matrix<Double>(rows: n, columns: d)
        var x = [Double](repeating: 0, count: n)
        for i in 0..<n {
            w[i, 1] = g.normal()
            x[i] = Double(Int(g.next() % 3))
            for t in 0..<d { y[i, t] = g.normal() + 0.4 * x[i] * Double(t + 1) + z[i, t] }
        }
        return Problem(k: k, w: w, y: y, x: x, eigen: try GRMEigen.decompose(k, centering: false))
    }

    func inverse(_ m: Matrix<Double>) throws -> Matrix<Double> {
        try LAPACK.choleskySolve(factor: try LAPACK.cholesky(m), .identity(m.rows))
    }

    /// Dense P for covariance V and fixed-effect design X.
    func projection(_ v: Matrix<Double>, _ x: Matrix<Double>) throws -> Matrix<Double> {
        let vi = try inverse(v)
        let vix = BLAS.product(vi, x)
        let middle = try inverse(BLAS.product(x, vix, transA: .transposed))
        var p = vi
        let correction = BLAS.product(BLAS.product(vix, middle), vix, transB: .transposed)
        for t in p.storage.indices { p.storage[t] -= correction.storage[t] }
        return p
    }

    func quadratic(_ a: [Double], _ m: Matrix<Double>, _ b: [Double]) -> Double {
        let mb = BLAS.gemv(m, b)
        return zip(a, mb).reduce(0) { $0 + $1.0 * $1.1 }
    }

    func testUnivariateScoreTestMatchesDenseFormulas() throws {
        let pr = try problem(n: 70, d: 1, seed: 3)
        let n = 70, c = 2, lambda = 0.83
        var v = pr.k
        for t in v.storage.indices { v.storage[t] *= lambda }
        for i in 0..<n { v[i, i] += 1 }
        let p = try projection(v, pr.w)
        let y = pr.y.column(0)
        let pyy = quadratic(y, p, y), pxx = quadratic(pr.x, p, pr.x), pxy = quadratic(pr.x, p, y)
        let df = Double(n - c - 1)
        let tau = df / (pyy - pxy * pxy / pxx)
        let f = Double(n) * pxy * pxy / (pyy * pxx)

        let null = try UnivariateNull(eigenvalues: pr.eigen.values, covariates: pr.rotatedW, trait: pr.rotatedY.column(0))
        var block = pr.rotatedX
        let r = try ScoreTest.univariate(null: null, lambda: lambda).test(&block)[0]
        XCTAssertEqual(r.beta[0], pxy / pxx, accuracy: 1e-10 * abs(pxy / pxx))
        XCTAssertEqual(r.standardError, (1 / (tau * pxx)).squareRoot(), accuracy: 1e-10)
        XCTAssertEqual(r.statistic, f, accuracy: 1e-10 * f)
        XCTAssertEqual(r.logP, TailProbability.logFUpper(f, 1, df), accuracy: 1e-10 * abs(r.logP))

        // Likelihoods: ML = −n/2 log 2π − ½ log|τ⁻¹V| − n/2 at τ⁻¹ = yPy/n (the profile over τ).
        let logDetV = pr.eigen.values.reduce(0) { $0 + log(lambda * $1 + 1) }
        let ve = pyy / Double(n)
        let ml = -0.5 * Double(n) * log(2 * .pi) - 0.5 * (logDetV + Double(n) * log(ve)) - 0.5 * Double(n)
        XCTAssertEqual(null.logLikelihood(lambda, .maximum), ml, accuracy: 1e-9 * abs(ml))
        // The derivative is the slope of the likelihood.
        for kind in [LikelihoodKind.maximum, .restricted] {
            let h = 1e-5
            let numeric = (null.logLikelihood(lambda + h, kind) - null.logLikelihood(lambda - h, kind)) / (2 * h)
            XCTAssertEqual(null.derivative(lambda, kind), numeric, accuracy: 1e-6 * max(1, abs(numeric)), "\(kind)")
        }
    }

    func testMultivariateScoreTestMatchesDenseFormulas() throws {
        let n = 40, d = 2
        let pr = try problem(n: n, d: d, seed: 5)
        let vg = Matrix<Double>(rowArrays: [[0.7, 0.2], [0.2, 0.4]]), ve = Matrix<Double>(rowArrays: [[1.0, -0.3], [-0.3, 0.8]])
        // V = Vg ⊗ K + Ve ⊗ I over vec(Y) (trait-major), fixed effects I_d ⊗ W, SNP design I_d ⊗ x.
        var v = Matrix<Double>(rows: n * d, columns: n * d)
        var design = Matrix<Double>(rows: n * d, columns: 2 * d), snp = Matrix<Double>(rows: n * d, columns: d)
        for a in 0..<d { for b in 0..<d { for j in 0..<n { for i in 0..<n {
            v[a * n + i, b * n + j] = vg[a, b] * pr.k[i, j] + (i == j ? ve[a, b] : 0)
        } } } }
        for a in 0..<d { for i in 0..<n {
            for j in 0..<2 { design[a * n + i, a * 2 + j] = pr.w[i, j] }
            snp[a * n + i, a] = pr.x[i]
        } }
        let p = try projection(v, design)
        let vecY = pr.y.storage
        let xPy = BLAS.gemv(BLAS.product(snp, p, transA: .transposed), vecY)
        let xPx = BLAS.product(BLAS.product(snp, p, transA: .transposed), snp)
        let vbeta = try inverse(xPx)
        let beta = BLAS.gemv(vbeta, xPy)
        let s = zip(xPy, beta).reduce(0) { $0 + $1.0 * $1.1 }

        let null = try MultivariateNull(eigenvalues: pr.eigen.values, covariates: pr.rotatedW, traits: pr.rotatedY)
        var block = pr.rotatedX
        let r = try ScoreTest.multivariate(null: null, vg: vg, ve: ve).test(&block)[0]
        XCTAssertEqual(r.statistic, s, accuracy: 1e-9 * s)
        XCTAssertEqual(r.logP, TailProbability.logChiSquareUpper(s, degrees: 2), accuracy: 1e-9 * abs(r.logP))
        for a in 0..<d {
            XCTAssertEqual(r.beta[a], beta[a], accuracy: 1e-9 * max(abs(beta[a]), 1e-3))
            for b in 0..<d { XCTAssertEqual(r.betaCovariance[a, b], vbeta[a, b], accuracy: 1e-9 * vbeta[a, a]) }
        }

        // ML likelihood of the whole model at B's GLS value: −nd/2 log 2π − ½ log|V| − ½ yᵀPy.
        let l = try LAPACK.cholesky(v)
        var logDet = 0.0
        for i in 0..<(n * d) { logDet += 2 * log(l[i, i]) }
        let ml = -0.5 * Double(n * d) * log(2 * .pi) - 0.5 * logDet - 0.5 * quadratic(vecY, p, vecY)
        let e = try XCTUnwrap(null.evaluate(vg: vg, ve: ve, .maximum))
        XCTAssertEqual(e.logLikelihood, ml, accuracy: 1e-9 * abs(ml))
    }

    /// The analytic gradients (which drive EM and Newton) against central differences, ML and REML.
    func testMultivariateGradientMatchesFiniteDifferences() throws {
        let pr = try problem(n: 50, d: 3, seed: 8)
        let null = try MultivariateNull(eigenvalues: pr.eigen.values, covariates: pr.rotatedW, traits: pr.rotatedY)
        let vg = Matrix<Double>(rowArrays: [[0.9, 0.2, 0.1], [0.2, 0.6, -0.1], [0.1, -0.1, 0.5]])
        let ve = Matrix<Double>(rowArrays: [[1.0, 0.3, 0.0], [0.3, 0.8, 0.2], [0.0, 0.2, 1.2]])
        let layout = ParameterLayout(d: 3)
        for kind in [LikelihoodKind.maximum, .restricted] {
            let analytic = layout.gradient(try XCTUnwrap(null.evaluate(vg: vg, ve: ve, kind)))
            let theta = layout.pack(vg, ve)
            for j in theta.indices {
                let h = 1e-6
                var plus = theta, minus = theta
                plus[j] += h; minus[j] -= h
                let (pg, pe) = layout.unpack(plus), (mg, me) = layout.unpack(minus)
                let numeric = (null.evaluate(vg: pg, ve: pe, kind, gradient: false)!.logLikelihood
                    - null.evaluate(vg: mg, ve: me, kind, gradient: false)!.logLikelihood) / (2 * h)
                XCTAssertEqual(analytic[j], numeric, accuracy: 1e-5 * max(1, abs(numeric)), "\(kind) parameter \(j)")
            }
        }
    }

    /// With one trait, the multivariate likelihood at (λ τ⁻¹, τ⁻¹), τ⁻¹ profiled, is the univariate one.
    func testOneTraitMultivariateLikelihoodIsTheUnivariateOne() throws {
        let pr = try problem(n: 60, d: 1, seed: 4)
        let uni = try UnivariateNull(eigenvalues: pr.eigen.values, covariates: pr.rotatedW, trait: pr.rotatedY.column(0))
        let multi = try MultivariateNull(eigenvalues: pr.eigen.values, covariates: pr.rotatedW, traits: pr.rotatedY)
        for kind in [LikelihoodKind.maximum, .restricted] {
            let lambda = 0.6
            let ve = uni.residualVariance(lambda, kind)
            let e = try XCTUnwrap(multi.evaluate(vg: Matrix(rowArrays: [[lambda * ve]]), ve: Matrix(rowArrays: [[ve]]), kind))
            XCTAssertEqual(e.logLikelihood, uni.logLikelihood(lambda, kind), accuracy: 1e-9 * abs(e.logLikelihood), "\(kind)")
            // And the multivariate fit finds the univariate optimum.
            let fit = uni.fit(kind)
            let mfit = try multi.fit(kind, vg: Matrix(rowArrays: [[0.3]]), ve: Matrix(rowArrays: [[1.0]]))
            XCTAssertEqual(mfit.vg[0, 0] / mfit.ve[0, 0], fit.lambda, accuracy: 1e-6 * fit.lambda, "\(kind)")
            XCTAssertEqual(mfit.ve[0, 0], fit.ve, accuracy: 1e-6 * fit.ve, "\(kind)")
        }
    }
}
