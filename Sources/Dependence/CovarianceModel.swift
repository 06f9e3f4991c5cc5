import Foundation
import Numerics

/// The row covariance C of the latent matrix U ~ MN(0, C, I_p) (method.md §1–2).
///
/// A covariance model supplies what training needs and nothing n × n unless the kind itself is
/// dense: log det C, what the pairwise estimator of eq. (2) needs from A = C⁻¹ among the rows of one
/// batch (`A_BB U_B` and `diag(A_BB)`), and the exact trace term tr(Uᵀ A U) over all rows. The models are immutable values: a λ or ρ update builds a new
/// model, so every cached quantity (log det C, the spectral weights behind A) is recomputed with it.
public protocol CovarianceModel {
    /// Number of individuals n (rows of U).
    var count: Int { get }
    /// Which of the four kinds this is.
    var kind: CovarianceKind { get }
    /// log det C.
    var logDeterminant: Double { get }
    /// For the batch `rows` (b indices) with latent rows `u` (b × p, in the order of `rows`), the
    /// product `A_BB U_B` (b × p) and the diagonal of A_BB (b values), A_BB being the b × b block of
    /// A = C⁻¹ among `rows`. A kind may get them without forming A_BB (`RelatednessCovariance`).
    func precisionProduct(rows: [Int], latent u: Matrix<Double>) -> (product: Matrix<Double>, diagonal: [Double])
    /// tr(Uᵀ A U) for the full n × p latent matrix.
    func quadraticForm(_ u: Matrix<Double>) -> Double
}

/// The four covariance kinds of method.md §2.
public enum CovarianceKind: String, Sendable {
    /// C = I: the i.i.d. baseline.
    case identity
    /// C = λI + (1 − λ)G through the full eigendecomposition of G.
    case relatedness
    /// C = λI + (1 − λ)WWᵀ through the thin SVD of the n × k factor W.
    case lowRank = "low-rank"
    /// Equicorrelated blocks, C_b = (1 − ρ_b)I + ρ_b 11ᵀ.
    case blocks
}

extension CovarianceModel {
    /// The exact per-individual negative log-likelihood −log p(X)/n of method.md eq. (1):
    /// `−(1/n) Σ log|det J_f(x_i)| + (p/2) log 2π + (p/2n) log det C + (1/2n) tr(Uᵀ A U)`.
    ///
    /// - Parameters:
    ///   - u: the n × p latent matrix f(X).
    ///   - logJacobian: log|det J_f(x_i)| per individual (n values); pass zeros for the latent law alone.
    public func exactObjective(latent u: Matrix<Double>, logJacobian: [Double]) -> Double {
        precondition(u.rows == count && logJacobian.count == count, "exactObjective: \(u.rows) latent rows, \(logJacobian.count) log-dets, model has \(count)")
        let n = Double(count), p = Double(u.columns)
        let jacobian = logJacobian.reduce(0, +) / n
        return -jacobian + 0.5 * p * log(2 * Double.pi) + p / (2 * n) * logDeterminant + quadraticForm(u) / (2 * n)
    }
}
