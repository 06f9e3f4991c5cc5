import Foundation
import Numerics

/// The generalised-least-squares projection of the LMM score test in rotated coordinates, where the
/// covariance `H` is diagonal:
///
///     P = H⁻¹ − H⁻¹ W (Wᵀ H⁻¹ W)⁻¹ Wᵀ H⁻¹.
///
/// With `M = Wᵀ H⁻¹ W = L Lᵀ` (Cholesky), `Z = H⁻¹ W L⁻ᵀ` (n × c) satisfies `Z Zᵀ = H⁻¹ W M⁻¹ Wᵀ H⁻¹`,
/// so `P v = H⁻¹ v − Z (Zᵀ v)` and `vᵀ P v = Σ h_k v_k² − ‖Zᵀ v‖²`: O(n c) per vector. This is the same
/// P that Zhou & Stephens (2012) evaluate recursively over the columns of W.
struct WeightedProjection {
    /// `H⁻¹`, the weight of each rotated individual.
    let weights: [Double]
    /// `Z = H⁻¹ W L⁻ᵀ`, n × c.
    let whitened: Matrix<Double>
    /// `log |Wᵀ H⁻¹ W|`.
    let logDeterminant: Double

    /// Throws `AssociationError.collinearCovariates` when `Wᵀ H⁻¹ W` is not positive definite.
    init(weights: [Double], covariates w: Matrix<Double>) throws {
        precondition(weights.count == w.rows, "one weight per row of W")
        let n = w.rows, c = w.columns
        var m = Matrix<Double>(rows: c, columns: c)
        for a in 0..<c {
            for b in 0...a {
                var s = 0.0
                for k in 0..<n { s += w[k, a] * weights[k] * w[k, b] }
                m[a, b] = s; m[b, a] = s
            }
        }
        let l: Matrix<Double>
        do { l = try LAPACK.cholesky(m) } catch { throw AssociationError.collinearCovariates }
        var logDet = 0.0
        for a in 0..<c { logDet += 2 * log(l[a, a]) }
        let li = lowerTriangularInverse(l)
        // Z[k, j] = h_k Σ_a W[k, a] (L⁻¹)[j, a].
        var z = Matrix<Double>(rows: n, columns: c)
        for j in 0..<c {
            for a in 0...j {
                let f = li[j, a]
                if f == 0 { continue }
                for k in 0..<n { z[k, j] += w[k, a] * f }
            }
            for k in 0..<n { z[k, j] *= weights[k] }
        }
        self.weights = weights
        self.whitened = z
        self.logDeterminant = logDet
    }

    /// `log |WᵀW|` (the REML constant), after checking that a null model fits: one eigenvalue per
    /// row of W, more individuals than covariates plus one, and W of full column rank.
    static func covariateLogDeterminant(_ w: Matrix<Double>, eigenvalues: [Double]) throws -> Double {
        precondition(eigenvalues.count == w.rows, "one eigenvalue per individual")
        guard w.rows > w.columns + 1 else {
            throw AssociationError.tooFewIndividuals(analysed: w.rows, needed: w.columns + 2)
        }
        return try WeightedProjection(weights: [Double](repeating: 1, count: w.rows), covariates: w).logDeterminant
    }

    /// `Zᵀ v`.
    func whitenedProducts(_ v: [Double]) -> [Double] {
        (0..<whitened.columns).map { j in
            whitened.storage.withUnsafeBufferPointer { p -> Double in
                let col = p.baseAddress! + j * whitened.rows
                var s = 0.0
                for k in 0..<v.count { s += col[k] * v[k] }
                return s
            }
        }
    }

    /// `P v`.
    func apply(_ v: [Double]) -> [Double] {
        let t = whitenedProducts(v)
        var out = (0..<v.count).map { weights[$0] * v[$0] }
        for j in 0..<whitened.columns {
            for k in 0..<v.count { out[k] -= whitened[k, j] * t[j] }
        }
        return out
    }

    /// `vᵀ P v`.
    func quadratic(_ v: [Double]) -> Double {
        var s = 0.0
        for k in 0..<v.count { s += weights[k] * v[k] * v[k] }
        for t in whitenedProducts(v) { s -= t * t }
        return s
    }
}

/// The inverse of a lower-triangular matrix with a positive diagonal (forward substitution).
func lowerTriangularInverse(_ l: Matrix<Double>) -> Matrix<Double> {
    let c = l.rows
    var inv = Matrix<Double>(rows: c, columns: c)
    for j in 0..<c {
        inv[j, j] = 1 / l[j, j]
        for i in (j + 1)..<max(j + 1, c) {
            var s = 0.0
            for k in j..<i { s += l[i, k] * inv[k, j] }
            inv[i, j] = -s / l[i, i]
        }
    }
    return inv
}

/// Why an association analysis cannot proceed.
public enum AssociationError: Error, CustomStringConvertible, Equatable {
    /// The covariates (with the intercept) are linearly dependent over the analysed individuals.
    case collinearCovariates
    /// Too few analysed individuals for the model (`needed` at least).
    case tooFewIndividuals(analysed: Int, needed: Int)
    /// A variance matrix of the multivariate null model is not positive definite.
    case varianceNotPositiveDefinite(String)

    public var description: String {
        switch self {
        case .collinearCovariates:
            return "the covariates are collinear over the analysed individuals (W'W is singular); drop a redundant column"
        case let .tooFewIndividuals(analysed, needed):
            return "only \(analysed) analysed individuals; the model needs at least \(needed)"
        case let .varianceNotPositiveDefinite(which):
            return "the null model's \(which) is not positive definite; the traits may be collinear or lack variance"
        }
    }
}
