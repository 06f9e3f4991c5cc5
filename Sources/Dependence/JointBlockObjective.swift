import Flows
import Foundation
import Numerics

/// Eq. (2) for equicorrelated blocks whose ρ_b = sigmoid(raw_b) are trained together with the flow
/// (method.md §4, "joint"): `raw` is a parameter of this objective, so the trainer's optimizer
/// updates it beside the flow's weights and never weight-decays it.
///
/// With `δ = (1 − ρ)(1 + (m − 1)ρ)` and `δ' = (m − 2) − 2(m − 1)ρ`, the batch loss depends on ρ_b
/// through
///
///     d log det C_b/dρ = (m − 1)/(1 + (m − 1)ρ) − (m − 1)/(1 − ρ)
///     dA_ii/dρ = ((m − 2)δ − (1 + (m − 2)ρ)δ')/δ²,   dA_ij/dρ = (ρδ' − δ)/δ²
///
/// and the pairs of a batch inside block b enter through `‖Σ_i u_i‖² − Σ_i ‖u_i‖²` (O(b p)).
public final class JointBlockObjective<Scalar: FlowScalar>: LatentObjective {
    /// Block index of every training individual.
    public let blockOf: [Int]
    /// The logits of ρ, one per block.
    public let raw: Parameter<Scalar>
    private let sizes: [Int]

    /// Blocks given by an index per individual, every ρ starting at `initialRho`.
    public init(blockOf: [Int], blockCount: Int, initialRho: Double) {
        precondition(initialRho > 0 && initialRho < 1, "initial ρ must lie in (0, 1)")
        self.blockOf = blockOf
        var sizes = [Int](repeating: 0, count: blockCount)
        for b in blockOf { sizes[b] += 1 }
        self.sizes = sizes
        raw = Parameter(name: "rho", value: [Scalar](repeating: Scalar(log(initialRho / (1 - initialRho))), count: blockCount),
                        decays: false)
    }

    public var parameters: [Parameter<Scalar>] { [raw] }

    /// The current ρ of every block.
    public var rho: [Double] { raw.value.map { LambdaStage.sigmoid(Double($0)) } }

    /// The block model at the current ρ.
    public var model: BlockCovariance { BlockCovariance(blockOf: blockOf, rho: rho.map { min($0, 1 - 1e-12) }) }

    public func evaluate(latent: Matrix<Scalar>, rows: [Int], gradient: inout Matrix<Scalar>) -> Double {
        let model = self.model
        let u = Matrix<Double>(rows: latent.rows, columns: latent.columns, storage: latent.storage.map(Double.init))
        let result = MiniBatchObjective<Double>(model: model).evaluate(latent: u, rows: rows)
        for k in result.gradient.storage.indices { gradient.storage[k] = Scalar(result.gradient.storage[k]) }

        let b = Double(rows.count), n = Double(model.count), p = u.columns
        let diagonalWeight = 1 / (2 * b), pairWeight = (n - 1) / (2 * b * (b - 1))
        var squares: [Int: Double] = [:], sums: [Int: [Double]] = [:]
        for (i, row) in rows.enumerated() {
            let block = blockOf[row]
            var s = sums[block] ?? [Double](repeating: 0, count: p)
            var q = 0.0
            for j in 0..<p { s[j] += u[i, j]; q += u[i, j] * u[i, j] }
            sums[block] = s
            squares[block, default: 0] += q
        }
        var rhoGradient = [Double](repeating: 0, count: sizes.count)
        for (block, size) in sizes.enumerated() where size > 1 {
            let m = Double(size), r = model.rho[block]
            rhoGradient[block] = Double(p) / (2 * n) * ((m - 1) / (1 + (m - 1) * r) - (m - 1) / (1 - r))
        }
        for (block, square) in squares where sizes[block] > 1 {
            let m = Double(sizes[block]), r = model.rho[block]
            let delta = (1 - r) * (1 + (m - 1) * r), slope = (m - 2) - 2 * (m - 1) * r
            let dDiagonal = ((m - 2) * delta - (1 + (m - 2) * r) * slope) / (delta * delta)
            let dOff = (r * slope - delta) / (delta * delta)
            let pairs = sums[block]!.reduce(0) { $0 + $1 * $1 } - square
            rhoGradient[block] += diagonalWeight * dDiagonal * square + pairWeight * dOff * pairs
        }
        for (block, g) in rhoGradient.enumerated() {
            let r = model.rho[block]
            raw.gradient[block] += Scalar(g * r * (1 - r))
        }
        return result.loss
    }
}
