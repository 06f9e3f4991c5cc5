import Foundation
import Numerics

/// The part of a mini-batch loss that depends on the latent rows: the base law of the flow.
///
/// `FlowTrainer` minimises, for each batch B of b rows with latent block `U = f(X_B)`,
///
///     L_B = objective.evaluate(U, rows) − (1/b) Σ_{i∈B} log|det J_f(x_i)|,
///
/// so an objective returns everything except the log-determinant term: the data-independent
/// constants per individual (`(p/2) log 2π`, and `(p/2n) log det C` for a relatedness model) and
/// the latent quadratic form. The i.i.d. standard normal is `StandardNormalObjective`; the
/// relatedness objective of method.md eq. (2) implements the same protocol.
///
/// Contract of `evaluate`:
/// - `latent` is `b × p` (row k is the k-th individual of the batch);
/// - `rows[k]` is that individual's row index in the training matrix passed to
///   `FlowTrainer.train` (0-based), so an objective can look up `A_BB`;
/// - return the loss term (nats per individual, as a `Double`), and **overwrite** `gradient`
///   (`b × p`, already allocated) with dLoss/dU;
/// - accumulate dLoss/dθ into the `gradient` of each of the objective's own `parameters`
///   (e.g. ρ of equicorrelated blocks), which the trainer zeroes before the batch and updates
///   with the flow's optimizer, never with weight decay. Objectives without parameters
///   return `[]`.
/// The trainer skips (and counts) a step whose loss or gradient is not finite.
///
/// Performance: a generic objective defined in another module runs as unspecialised generic
/// code (every scalar operation through witness tables, several times slower). Mark its
/// `evaluate` with `@_specialize(where Scalar == Float)` and `@_specialize(where Scalar == Double)`,
/// as the layers here do, and keep it allocation-free (reuse buffers sized on the first batch).
public protocol LatentObjective<Scalar>: AnyObject {
    /// The flow's scalar type.
    associatedtype Scalar: FlowScalar

    /// Parameters of the latent law trained together with the flow (no weight decay).
    var parameters: [Parameter<Scalar>] { get }

    /// The batch's loss term and its gradient with respect to the latent rows (see the protocol).
    func evaluate(latent: Matrix<Scalar>, rows: [Int], gradient: inout Matrix<Scalar>) -> Double
}

/// The i.i.d. standard normal base law: `(1/b) Σ_i ‖u_i‖²/2 + (p/2) log 2π`, gradient `U / b`.
public final class StandardNormalObjective<Scalar: FlowScalar>: LatentObjective {
    /// The objective (it has no parameters).
    public init() {}

    public var parameters: [Parameter<Scalar>] { [] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(latent: Matrix<Scalar>, rows: [Int], gradient: inout Matrix<Scalar>) -> Double {
        let b = latent.rows
        let scale = Scalar(1 / Double(b))
        var sum = 0.0
        latent.storage.withUnsafeBufferPointer { u in
            gradient.storage.withUnsafeMutableBufferPointer { g in
                for i in u.indices {
                    sum += Double(u[i] * u[i])
                    g[i] = u[i] * scale
                }
            }
        }
        return 0.5 * sum / Double(b) + 0.5 * Double(latent.columns) * Foundation.log(2 * Double.pi)
    }
}

extension Bijection {
    /// Mean negative log-likelihood per row (nats) of `x` under the flow with a standard normal
    /// base law, `−(1/n) Σ_i [log N(f(x_i); 0, I) + log|det J_f(x_i)|]`, in batches of `batchSize`.
    public func meanNegativeLogLikelihood(_ x: Matrix<Scalar>, batchSize: Int = 4096) -> Double {
        let p = dimension
        precondition(x.columns == p, "meanNegativeLogLikelihood: \(x.columns) columns, dimension \(p)")
        if x.rows == 0 { return .nan }
        return standardNormalNLL(x, batchSize: batchSize) { px, pu, pl, b in
            forward(px, into: pu, logDet: pl, count: b)
        }
    }
}

/// The batched loop of `meanNegativeLogLikelihood`, specialised for the two scalar types.
@_specialize(where S == Float)
@_specialize(where S == Double)
func standardNormalNLL<S: FlowScalar>(
    _ x: Matrix<S>, batchSize: Int,
    forward: (UnsafePointer<S>, UnsafeMutablePointer<S>, UnsafeMutablePointer<S>, Int) -> Void
) -> Double {
    let n = x.rows, p = x.columns
    let size = min(batchSize, n)
    var chunk = [S](repeating: 0, count: size * p), u = chunk, logDet = [S](repeating: 0, count: size)
    var total = 0.0
    var start = 0
    x.storage.withUnsafeBufferPointer { src in
        chunk.withUnsafeMutableBufferPointer { pc in
            u.withUnsafeMutableBufferPointer { pu in
                logDet.withUnsafeMutableBufferPointer { pl in
                    while start < n {
                        let b = min(size, n - start)
                        for j in 0..<p {
                            for i in 0..<b { pc[i + j * b] = src[start + i + j * n] }
                        }
                        for i in 0..<b { pl[i] = 0 }
                        forward(pc.baseAddress!, pu.baseAddress!, pl.baseAddress!, b)
                        for i in 0..<b {
                            var sq = 0.0
                            for j in 0..<p { sq += Double(pu[i + j * b] * pu[i + j * b]) }
                            total += 0.5 * sq - Double(pl[i])
                        }
                        start += b
                    }
                }
            }
        }
    }
    return total / Double(n) + 0.5 * Double(p) * Foundation.log(2 * Double.pi)
}
