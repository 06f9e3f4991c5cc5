import Foundation
import Numerics

/// A density model on R^D with auxiliary noise, `p(x) = E_{ε}[w(x, ε)]`, whose data reach a base
/// latent through a bijection only once the noise is fixed: localised generative flows and
/// marginalizing flows.
///
/// For a batch X (b × D) and noise E (b × `noiseDimension`, i.i.d. N(0, 1), turned into the
/// model's auxiliary variables by reparametrisation), `forward` returns the base latent rows
/// U (b × `latentDimension`) and per row the log-weight terms `t_i`, everything in
/// `log p(x_i, a_i) − log q(a_i | x_i)` except the base density of u_i. With the standard normal
/// base law the importance weight is `log w_i = log N(u_i; 0, I) + t_i`, so
///
///     ELBO(x)          = E_ε[log w(x, ε)]                      ≤ log p(x)
///     log p̂_S(x)       = log (1/S) Σ_s w(x, ε_s)                (importance sampling)
///
/// and E[log p̂_S] increases towards log p(x) with S. Training minimises the negative ELBO with the
/// base term supplied by a `LatentObjective`, so the dependent-data objective of method.md eq. (2)
/// applies to the base latent unchanged.
public protocol LatentVariableModel<Scalar>: AnyObject {
    /// The scalar type.
    associatedtype Scalar: FlowScalar

    /// Data dimension D.
    var dimension: Int { get }
    /// Dimension of the base latent rows.
    var latentDimension: Int { get }
    /// Standard normal draws the model needs per row.
    var noiseDimension: Int { get }
    /// The trainable tensors, in a fixed order.
    var parameters: [Parameter<Scalar>] { get }

    /// Base latent rows and log-weight terms for the rows of `x` with noise `noise` (see the
    /// protocol); caches what `backward` needs.
    func forward(_ x: Matrix<Scalar>, noise: Matrix<Scalar>) -> (latent: Matrix<Scalar>, logWeight: [Double])

    /// Back-propagates dL/dU and dL/dt_i through the last `forward`; accumulates parameter gradients.
    func backward(latentGradient: Matrix<Scalar>, logWeightGradient: [Scalar])

    /// `count` draws from the model (`count × D`).
    func sample(count: Int, generator: inout SeededGenerator) -> Matrix<Scalar>
}

/// Per-row importance-sampling estimates of log p(x).
public struct ImportanceSampledLikelihood: Sendable {
    /// log p̂_S(x_i) per row.
    public var logDensity: [Double]
    /// Monte Carlo standard error of each log p̂_S(x_i) (delta method: sd(w)/(√S · mean(w))).
    public var monteCarloError: [Double]
    /// Number of draws S.
    public var samples: Int

    /// Mean negative log-likelihood over the rows and its standard error across rows
    /// (which includes the Monte Carlo noise of each row's estimate).
    public var negativeLogLikelihood: (mean: Double, standardError: Double) {
        let n = Double(logDensity.count)
        let mean = -logDensity.reduce(0, +) / n
        let variance = logDensity.reduce(0) { $0 + (-$1 - mean) * (-$1 - mean) } / max(n - 1, 1)
        return (mean, (variance / n).squareRoot())
    }
}

extension LatentVariableModel {
    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Zeroes every parameter gradient.
    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }

    /// A `rows × noiseDimension` block of independent standard normals.
    public func drawNoise(rows: Int, generator: inout SeededGenerator) -> Matrix<Scalar> {
        var e = Matrix<Scalar>(rows: rows, columns: noiseDimension)
        for k in e.storage.indices { e.storage[k] = Scalar(generator.normal()) }
        return e
    }

    /// The training loss of one batch, `objective(U) − (1/b) Σ_i t_i` (the negative ELBO when the
    /// objective is the standard normal), with its gradient accumulated into the parameters (and
    /// the objective's own parameters). `rows` index the batch in the training matrix.
    public func negativeELBO<Objective: LatentObjective>(_ x: Matrix<Scalar>, noise: Matrix<Scalar>, rows: [Int],
                                                         objective: Objective) -> Double
        where Objective.Scalar == Scalar
    {
        let b = x.rows
        let (latent, logWeight) = forward(x, noise: noise)
        var gradient = Matrix<Scalar>(rows: b, columns: latentDimension)
        let loss = objective.evaluate(latent: latent, rows: rows, gradient: &gradient) - logWeight.reduce(0, +) / Double(b)
        if !loss.isFinite { return loss }
        backward(latentGradient: gradient, logWeightGradient: [Scalar](repeating: -1 / Scalar(b), count: b))
        return loss
    }

    /// The negative importance-weighted bound of Burda et al. (2016) under the standard normal base
    /// law, `−(1/b) Σ_i log (1/K) Σ_k w(x_i, ε_ik)`, with K = `samples` noise draws per row, and its
    /// gradient accumulated into the parameters. K = 1 is the negative ELBO; the bound tightens
    /// towards −log p(x) as K grows, so the model is trained towards its importance-sampled
    /// likelihood rather than towards p(a | x) ≈ q(a | x) (for a marginalizing flow with the
    /// N(0, I) proposal, the ELBO's optimum makes ε independent of x, i.e. a plain flow of the
    /// data). The gradient of row i's term weights each draw by its normalised weight
    /// `ω_ik = w_ik / Σ_k w_ik`.
    public func negativeImportanceWeightedBound(_ x: Matrix<Scalar>, samples k: Int,
                                                generator: inout SeededGenerator) -> Double {
        precondition(k >= 1 && x.columns == dimension, "negativeImportanceWeightedBound: K >= 1 and D columns")
        let b = x.rows, p = latentDimension
        // Row s·b + i of the stacked batch is draw s of row i (column-major: each column repeated K times).
        var storage: [Scalar] = []
        storage.reserveCapacity(b * k * x.columns)
        for j in 0..<x.columns {
            let column = x.storage[(j * b)..<((j + 1) * b)]
            for _ in 0..<k { storage += column }
        }
        let stacked = Matrix<Scalar>(rows: b * k, columns: x.columns, storage: storage)
        let (latent, t) = forward(stacked, noise: drawNoise(rows: b * k, generator: &generator))
        let m = b * k, halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi)
        var logW = t
        for e in latent.storage.indices {
            let v = Double(latent.storage[e])
            logW[e % m] -= 0.5 * v * v + halfLog2Pi
        }
        var loss = 0.0
        var weight = [Scalar](repeating: 0, count: m)
        for i in 0..<b {
            let top = (0..<k).map { logW[$0 * b + i] }.max()!
            if !top.isFinite { return .nan }
            let sum = (0..<k).reduce(0.0) { $0 + Foundation.exp(logW[$1 * b + i] - top) }
            loss -= top + Foundation.log(sum / Double(k))
            for s in 0..<k { weight[s * b + i] = Scalar(Foundation.exp(logW[s * b + i] - top) / sum / Double(b)) }
        }
        loss /= Double(b)
        if !loss.isFinite { return loss }
        var gradient = Matrix<Scalar>(rows: m, columns: p)
        for e in gradient.storage.indices { gradient.storage[e] = weight[e % m] * latent.storage[e] }
        backward(latentGradient: gradient, logWeightGradient: weight.map { -$0 })
        return loss
    }

    /// log w(x_i, ε_i) per row under the standard normal base law (no backward).
    public func logWeights(_ x: Matrix<Scalar>, noise: Matrix<Scalar>) -> [Double] {
        let (latent, logWeight) = forward(x, noise: noise)
        let b = x.rows, halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi)
        var w = logWeight
        latent.storage.withUnsafeBufferPointer { u in
            for e in u.indices {
                let v = Double(u[e])
                w[e % b] -= 0.5 * v * v + halfLog2Pi
            }
        }
        return w
    }

    /// Importance-sampled log p(x_i) with S draws per row, accumulated as a running log-sum-exp in
    /// Double, in batches of `batchSize` rows.
    public func importanceSampledLikelihood(_ x: Matrix<Scalar>, samples s: Int, generator: inout SeededGenerator,
                                            batchSize: Int = 1024) -> ImportanceSampledLikelihood {
        precondition(s >= 1 && x.columns == dimension, "importanceSampledLikelihood: S >= 1 and D columns")
        let n = x.rows
        var logDensity = [Double](repeating: 0, count: n), error = logDensity
        var start = 0
        while start < n {
            let b = min(batchSize, n - start)
            let batch = x.selectingRows(Array(start..<(start + b)))
            var top = [Double](repeating: -.infinity, count: b)
            var first = [Double](repeating: 0, count: b), second = first
            for _ in 0..<s {
                let w = logWeights(batch, noise: drawNoise(rows: b, generator: &generator))
                for i in 0..<b {
                    let l = w[i].isNaN ? -Double.infinity : w[i]
                    if l > top[i] {
                        let shift = top[i] == -.infinity ? 0 : Foundation.exp(top[i] - l)
                        first[i] = first[i] * shift + 1
                        second[i] = second[i] * shift * shift + 1
                        top[i] = l
                    } else if l > -.infinity {
                        let r = Foundation.exp(l - top[i])
                        first[i] += r
                        second[i] += r * r
                    }
                }
            }
            let count = Double(s)
            for i in 0..<b {
                let mean = first[i] / count
                logDensity[start + i] = top[i] + Foundation.log(mean)
                let variance = max(second[i] / count - mean * mean, 0)
                error[start + i] = (variance / count).squareRoot() / mean
            }
            start += b
        }
        return ImportanceSampledLikelihood(logDensity: logDensity, monteCarloError: error, samples: s)
    }

    /// Monte Carlo ELBO per row: the mean of `draws` independent log-weights.
    public func evidenceLowerBound(_ x: Matrix<Scalar>, draws: Int, generator: inout SeededGenerator) -> [Double] {
        var total = [Double](repeating: 0, count: x.rows)
        for _ in 0..<draws {
            let w = logWeights(x, noise: drawNoise(rows: x.rows, generator: &generator))
            for i in total.indices { total[i] += w[i] }
        }
        return total.map { $0 / Double(draws) }
    }
}
