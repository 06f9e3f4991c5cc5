import Foundation
import Numerics

/// One SNP's score-test result.
public struct ScoreResult {
    /// Effect estimates: one (univariate) or d (multivariate, on the original trait scale).
    public var beta: [Double]
    /// Covariance of `beta` (1 × 1: se²; d × d for the multivariate test).
    public var betaCovariance: Matrix<Double>
    /// Natural log of the p-value (kept in log space: it can be far below 1e-308).
    public var logP: Double
    /// The test statistic: GEMMA's F (univariate) or χ² (multivariate).
    public var statistic: Double

    /// Standard error of the univariate effect (GEMMA's `se`).
    public var standardError: Double { betaCovariance[0, 0].squareRoot() }
}

/// The LMM score test against a fitted null, ready to run on rotated genotype blocks.
///
/// The multivariate null is reduced to d independent traits by simultaneous diagonalisation,
/// `Ve^{-1/2} Vg Ve^{-1/2} = Q D Qᵀ`: the transformed rows `Qᵀ Ve^{-1/2} y_k` have diagonal covariance
/// `D δ_k + I`, so transformed trait l is a univariate problem with weights `h_lk = 1/(D_l δ_k + 1)`
/// and projection `P_l` (`WeightedProjection`). The univariate test is the case d = 1, `D = λ`.
/// For a rotated SNP column x:
///
///     xPy_l = xᵀ (P_l ỹ_l),    xPx_l = Σ_k h_lk x_k² − ‖Z_lᵀ x‖²     (Z_l = H_l⁻¹ W L_l⁻ᵀ)
///
/// computed for a whole block with two GEMMs (`[P_l ỹ_l, Z_l]ᵀ X` and `hᵀ (X ∘ X)`), so per SNP only
/// O(d c) work remains. Then, as GEMMA 0.98.5 (lmm_spec.md):
/// - univariate: `beta = P_xy / P_xx`, `τ = (n − c − 1) / (P_yy − P_xy²/P_xx)`, `se = (τ P_xx)^{-1/2}`,
///   `F = n P_xy² / (P_yy P_xx)`, p = upper tail of F(1, n − c − 1);
/// - multivariate: `s = Σ_l xPy_l² / xPx_l`, p = upper tail of χ²(d); `beta = T β̃` and
///   `Vbeta = T diag(1/xPx) Tᵀ` with `T = Ve^{1/2} Q`, `β̃_l = xPy_l / xPx_l`.
public struct ScoreTest {
    /// Individuals, covariate columns and traits.
    public let individuals: Int, covariateCount: Int, traitCount: Int
    /// Whether this is the univariate F test (GEMMA `-lmm 3`) or the multivariate χ² test.
    public let isUnivariate: Bool
    /// Weights h (n × d).
    let weights: Matrix<Double>
    /// Per transformed trait l: column `P_l ỹ_l` then the c columns of `Z_l` (n × d(c+1)).
    let design: Matrix<Double>
    /// `ỹ_lᵀ P_l ỹ_l`.
    let yPy: [Double]
    /// `T = Ve^{1/2} Q` (identity for the univariate test).
    let backTransform: Matrix<Double>

    init(transformedTraits y: Matrix<Double>, scales: [Double], eigenvalues: [Double], covariates: Matrix<Double>,
         backTransform: Matrix<Double>, univariate: Bool) throws {
        let n = y.rows, d = y.columns, c = covariates.columns
        var weights = Matrix<Double>(rows: n, columns: d)
        var design = Matrix<Double>(rows: n, columns: d * (c + 1))
        var yPy: [Double] = []
        for l in 0..<d {
            let h = eigenvalues.map { 1 / (scales[l] * $0 + 1) }
            let p = try WeightedProjection(weights: h, covariates: covariates)
            let trait = y.column(l)
            let r = p.apply(trait)
            yPy.append(zip(trait, r).reduce(0) { $0 + $1.0 * $1.1 })
            for k in 0..<n {
                weights[k, l] = h[k]
                design[k, l * (c + 1)] = r[k]
                for j in 0..<c { design[k, l * (c + 1) + 1 + j] = p.whitened[k, j] }
            }
        }
        self.individuals = n
        self.covariateCount = c
        self.traitCount = d
        self.isUnivariate = univariate
        self.weights = weights
        self.design = design
        self.yPy = yPy
        self.backTransform = backTransform
    }

    /// The univariate score test (GEMMA `-lmm 3`) at the null variance ratio λ.
    public static func univariate(null: UnivariateNull, lambda: Double) throws -> ScoreTest {
        try ScoreTest(transformedTraits: Matrix(rows: null.trait.count, columns: 1, storage: null.trait), scales: [lambda],
                      eigenvalues: null.eigenvalues, covariates: null.covariates, backTransform: .identity(1), univariate: true)
    }

    /// The multivariate score test (GEMMA `-lmm 3 -n 1 2 …`) at the null (Vg, Ve).
    public static func multivariate(null: MultivariateNull, vg: Matrix<Double>, ve: Matrix<Double>) throws -> ScoreTest {
        let d = vg.rows
        let eVe = try LAPACK.symmetricEigen(ve)
        guard eVe.values.allSatisfy({ $0 > 0 }) else { throw AssociationError.varianceNotPositiveDefinite("Ve") }
        func power(_ exponent: Double) -> Matrix<Double> {
            var m = Matrix<Double>(rows: d, columns: d)
            for t in 0..<d {
                let f = pow(eVe.values[t], exponent)
                for j in 0..<d { for i in 0..<d { m[i, j] += eVe.vectors[i, t] * f * eVe.vectors[j, t] } }
            }
            return m
        }
        let half = power(0.5), inverseHalf = power(-0.5)
        let e = try LAPACK.symmetricEigen(SmallMatrix.symmetrized(SmallMatrix.product(SmallMatrix.product(inverseHalf, vg), inverseHalf)))
        let toTransformed = SmallMatrix.product(e.vectors.transposed, inverseHalf)   // Qᵀ Ve^{-1/2}
        let y = BLAS.product(null.traits, toTransformed, transB: .transposed)         // rows ỹ_kᵀ
        return try ScoreTest(transformedTraits: y, scales: e.values.map { max($0, 0) }, eigenvalues: null.eigenvalues,
                             covariates: null.covariates, backTransform: SmallMatrix.product(half, e.vectors),
                             univariate: false)
    }

    /// Tests every column of a rotated genotype block (n × B). The block is used as scratch.
    public func test(_ block: inout Matrix<Double>) -> [ScoreResult] {
        precondition(block.rows == individuals, "block has \(block.rows) rows, expected \(individuals)")
        let count = block.columns
        if count == 0 { return [] }
        let products = BLAS.product(design, block, transA: .transposed)   // d(c+1) × B
        for t in block.storage.indices { block.storage[t] *= block.storage[t] }
        let squares = BLAS.product(weights, block, transA: .transposed)   // d × B
        let d = traitCount, c = covariateCount, stride = c + 1
        var results: [ScoreResult] = []
        results.reserveCapacity(count)
        for j in 0..<count {
            var xPy = [Double](repeating: 0, count: d), xPx = [Double](repeating: 0, count: d)
            for l in 0..<d {
                xPy[l] = products[l * stride, j]
                var v = squares[l, j]
                for t in 0..<c { let a = products[l * stride + 1 + t, j]; v -= a * a }
                xPx[l] = v
            }
            results.append(isUnivariate ? univariateResult(xPy[0], xPx[0]) : multivariateResult(xPy, xPx))
        }
        return results
    }

    func univariateResult(_ pxy: Double, _ pxx: Double) -> ScoreResult {
        let n = Double(individuals), df = Double(individuals - covariateCount - 1)
        let pyy = yPy[0]
        let beta = pxy / pxx
        let tau = df / (pyy - pxy * pxy / pxx)
        let variance = 1 / (tau * pxx)
        let f = n * pxy * pxy / (pyy * pxx)
        return ScoreResult(beta: [beta], betaCovariance: Matrix(rows: 1, columns: 1, storage: [variance]),
                           logP: TailProbability.logFUpper(f, 1, df), statistic: f)
    }

    func multivariateResult(_ xPy: [Double], _ xPx: [Double]) -> ScoreResult {
        let d = traitCount
        var s = 0.0
        var transformed = [Double](repeating: 0, count: d)
        for l in 0..<d {
            s += xPy[l] * xPy[l] / xPx[l]
            transformed[l] = xPy[l] / xPx[l]
        }
        let t = backTransform
        var beta = [Double](repeating: 0, count: d)
        var covariance = Matrix<Double>(rows: d, columns: d)
        for i in 0..<d {
            for l in 0..<d { beta[i] += t[i, l] * transformed[l] }
            for j in 0...i {
                var v = 0.0
                for l in 0..<d { v += t[i, l] * t[j, l] / xPx[l] }
                covariance[i, j] = v; covariance[j, i] = v
            }
        }
        return ScoreResult(beta: beta, betaCovariance: covariance,
                           logP: TailProbability.logChiSquareUpper(s, degrees: Double(d)), statistic: s)
    }
}
