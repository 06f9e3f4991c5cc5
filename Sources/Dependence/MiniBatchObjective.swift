import Flows
import Foundation
import Numerics

/// The latent part of the mini-batch objective, method.md eq. (2), for one covariance model: the
/// `LatentObjective` a `FlowTrainer` trains against.
///
/// For a batch B of b ≥ 2 rows drawn uniformly without replacement, with U_B its b × p latent rows,
///
///     L_B = (p/2) log 2π + (p/2n) log det C + (1/2b) Σ_i A_ii ‖u_i‖²
///           + ((n − 1)/(2b(b − 1))) Σ_{i≠j} A_ij u_iᵀ u_j
///
/// and adding `−(1/b) Σ log|det J_f(x_i)|` (the trainer's own term) gives an unbiased estimate of
/// −log p(X)/n. Writing `D = diag(A_BB)/b + offdiag(A_BB)(n − 1)/(b(b − 1))`, the quadratic part is
/// `½ tr(U_Bᵀ D U_B)` and its gradient is `D U_B = ((n − 1)/(b(b − 1))) A_BB U_B +
/// (1/b − (n − 1)/(b(b − 1))) diag(A_BB) U_B`: the model's `precisionProduct` gives both parts (for
/// relatedness without forming A_BB). The identity model takes its fast path (D = I/b, no
/// product). A is read from the model given at construction; after a λ stage the schedule builds a
/// new objective on the new model, so A and log det C are never stale. Arithmetic is in Double whatever the flow's scalar.
public final class MiniBatchObjective<Scalar: FlowScalar>: LatentObjective {
    /// The covariance model whose A and log det C this objective uses.
    public let model: any CovarianceModel

    /// The objective for `model`.
    public init(model: any CovarianceModel) {
        self.model = model
    }

    public var parameters: [Parameter<Scalar>] { [] }

    public func evaluate(latent: Matrix<Scalar>, rows: [Int], gradient: inout Matrix<Scalar>) -> Double {
        let result = evaluate(latent: Matrix<Double>(rows: latent.rows, columns: latent.columns,
                                                     storage: latent.storage.map(Double.init)), rows: rows)
        result.gradient.storage.withUnsafeBufferPointer { g in
            gradient.storage.withUnsafeMutableBufferPointer { out in
                for k in g.indices { out[k] = Scalar(g[k]) }
            }
        }
        return result.loss
    }

    /// The latent loss of eq. (2) for the batch `rows` with latent rows `latent` (b × p, in the
    /// order of `rows`) and its gradient with respect to `latent`.
    public func evaluate(latent u: Matrix<Double>, rows: [Int]) -> (loss: Double, gradient: Matrix<Double>) {
        let b = rows.count, p = u.columns
        precondition(u.rows == b, "evaluate: \(u.rows) latent rows for \(b) batch rows")
        precondition(b >= 2 || model.kind == .identity, "the pairwise term of eq. (2) needs a batch of at least 2")
        let n = Double(model.count)
        let constant = 0.5 * Double(p) * log(2 * Double.pi) + Double(p) / (2 * n) * model.logDeterminant
        var gradient: Matrix<Double>
        if model.kind == .identity {
            gradient = u
            let inverse = 1 / Double(b)
            gradient.storage.withUnsafeMutableBufferPointer { g in for k in 0..<g.count { g[k] *= inverse } }
        } else {
            // D U_B = pairs · A_BB U_B + (1/b − pairs) · diag(A_BB) U_B.
            let (product, diagonal) = model.precisionProduct(rows: rows, latent: u)
            let pairs = (n - 1) / (Double(b) * Double(b - 1)), own = 1 / Double(b) - pairs
            gradient = product
            gradient.storage.withUnsafeMutableBufferPointer { g in
                u.storage.withUnsafeBufferPointer { x in
                    for j in 0..<p { for i in 0..<b { g[i + j * b] = pairs * g[i + j * b] + own * diagonal[i] * x[i + j * b] } }
                }
            }
        }
        var quadratic = 0.0
        u.storage.withUnsafeBufferPointer { x in
            gradient.storage.withUnsafeBufferPointer { g in
                for k in 0..<x.count { quadratic += x[k] * g[k] }
            }
        }
        return (constant + 0.5 * quadratic, gradient)
    }
}
