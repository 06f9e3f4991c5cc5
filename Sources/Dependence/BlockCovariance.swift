import Foundation
import Numerics

/// Equicorrelated blocks (repeat measures, families): block b of size m has
/// `C_b = (1 − ρ_b) I + ρ_b 11ᵀ`, ρ_b ∈ [0, 1), and C is zero across blocks (method.md §2).
///
/// With `δ = (1 − ρ)(1 + (m − 1)ρ)`:
///
///     log det C_b = log(1 + (m − 1)ρ) + (m − 1) log(1 − ρ)
///     A_ii = (1 + (m − 2)ρ)/δ,   A_ij = −ρ/δ (same block),   0 across blocks
///     tr(U_bᵀ A_b U_b) = (‖U_b‖² − ρ/(1 + (m − 1)ρ) ‖1ᵀ U_b‖²)/(1 − ρ)      (Sherman–Morrison)
public struct BlockCovariance: CovarianceModel {
    /// Block index (0-based) of every individual.
    public let blockOf: [Int]
    /// Size m of every block.
    public let sizes: [Int]
    /// ρ of every block.
    public let rho: [Double]
    public let logDeterminant: Double

    /// Blocks given by an index per individual (`0..<blockCount`), one ρ per block.
    public init(blockOf: [Int], rho: [Double]) {
        precondition(!blockOf.isEmpty, "a covariance model needs at least one individual")
        var sizes = [Int](repeating: 0, count: rho.count)
        for b in blockOf {
            precondition(b >= 0 && b < rho.count, "block index \(b) outside 0..<\(rho.count)")
            sizes[b] += 1
        }
        precondition(rho.allSatisfy { $0 >= 0 && $0 < 1 }, "every ρ must lie in [0, 1)")
        self.blockOf = blockOf
        self.sizes = sizes
        self.rho = rho
        var total = 0.0
        for (m, r) in zip(sizes, rho) where m > 1 {
            total += log(1 + Double(m - 1) * r) + Double(m - 1) * log(1 - r)
        }
        logDeterminant = total
    }

    /// Blocks from a label per individual (e.g. the `.fam` FID), numbered in order of first
    /// appearance, every block at the same ρ.
    public init(labels: [String], rho: Double) {
        var index: [String: Int] = [:]
        let blockOf = labels.map { label -> Int in
            if let b = index[label] { return b }
            index[label] = index.count
            return index.count - 1
        }
        self.init(blockOf: blockOf, rho: [Double](repeating: rho, count: index.count))
    }

    public var count: Int { blockOf.count }
    public var kind: CovarianceKind { .blocks }

    /// The same blocks with other ρ values.
    public func with(rho: [Double]) -> BlockCovariance {
        BlockCovariance(blockOf: blockOf, rho: rho)
    }

    /// (A_ii, A_ij) of block `b`.
    func precisionEntries(block b: Int) -> (diagonal: Double, offDiagonal: Double) {
        let m = Double(sizes[b]), r = rho[b]
        let delta = (1 - r) * (1 + (m - 1) * r)
        return ((1 + (m - 2) * r) / delta, -r / delta)
    }

    public func precisionProduct(rows: [Int], latent u: Matrix<Double>) -> (product: Matrix<Double>, diagonal: [Double]) {
        let a = precisionBlock(rows: rows)
        return (BLAS.product(a, u), (0..<rows.count).map { a[$0, $0] })
    }

    /// A_BB: the b × b block of A among `rows` (zero across blocks).
    func precisionBlock(rows: [Int]) -> Matrix<Double> {
        let b = rows.count
        var a = Matrix<Double>(rows: b, columns: b)
        let entries = rows.map { precisionEntries(block: blockOf[$0]) }
        for j in 0..<b {
            let bj = blockOf[rows[j]]
            for i in 0..<b where blockOf[rows[i]] == bj {
                a[i, j] = i == j ? entries[i].diagonal : entries[i].offDiagonal
            }
        }
        return a
    }

    public func quadraticForm(_ u: Matrix<Double>) -> Double {
        precondition(u.rows == count, "quadraticForm: \(u.rows) rows, model has \(count)")
        let blocks = rho.count
        var squares = [Double](repeating: 0, count: blocks)
        var sums = Matrix<Double>(rows: blocks, columns: u.columns)
        for j in 0..<u.columns {
            for i in 0..<u.rows {
                let v = u[i, j], b = blockOf[i]
                squares[b] += v * v
                sums[b, j] += v
            }
        }
        var total = 0.0
        for b in 0..<blocks {
            let m = Double(sizes[b]), r = rho[b]
            var sumSquares = 0.0
            for j in 0..<u.columns { sumSquares += sums[b, j] * sums[b, j] }
            total += (squares[b] - r / (1 + (m - 1) * r) * sumSquares) / (1 - r)
        }
        return total
    }
}
