import Foundation
import Numerics

/// Fixed relatedness, `C = λ I + (1 − λ) G`, λ ∈ (0, 1], through the spectrum of G (method.md §2).
///
/// With `d_k = λ + (1 − λ) e_k`, `w_k = 1/d_k` and the n − r null directions of a low-rank G at
/// eigenvalue 0:
///
///     log det C   = Σ_k log d_k + (n − r) log λ
///     tr(Uᵀ A U)  = Σ_k w_k ‖R_k‖² + (‖U‖² − ‖R‖²)/λ,        R = Qᵀ U
///     A           = Q diag(w) Qᵀ                                 (complete Q)
///     A           = (I − Q diag(c) Qᵀ)/λ,   c_k = (1 − λ) e_k / d_k   (thin Q, Woodbury)
///
/// A batch's block A_BB costs O(b² r); nothing n × n is formed.
public struct RelatednessCovariance: CovarianceModel {
    /// The shared spectrum of G.
    public let spectrum: RelatednessSpectrum
    /// The weight of the identity, λ.
    public let lambda: Double
    public let logDeterminant: Double
    /// `√w_k` (complete spectrum) or `√c_k` (thin), the per-eigenvector factors of A's blocks.
    private let blockFactors: [Double]
    /// The whole of A, when `cachingPrecision()` formed it.
    private var dense: Matrix<Double>?

    /// The model at `lambda` (must lie in (0, 1]).
    public init(spectrum: RelatednessSpectrum, lambda: Double) {
        precondition(lambda > 0 && lambda <= 1, "λ = \(lambda) outside (0, 1]")
        self.spectrum = spectrum
        self.lambda = lambda
        let d = spectrum.values.map { lambda + (1 - lambda) * $0 }
        logDeterminant = d.reduce(0) { $0 + log($1) } + Double(spectrum.count - spectrum.rank) * log(lambda)
        if spectrum.isComplete {
            blockFactors = d.map { (1 / $0).squareRoot() }
        } else {
            blockFactors = zip(spectrum.values, d).map { ((1 - lambda) * $0 / $1).squareRoot() }
        }
    }

    public var count: Int { spectrum.count }
    public var kind: CovarianceKind { spectrum.isComplete ? .relatedness : .lowRank }

    /// The same G at another λ; log det C and A are recomputed for it.
    public func with(lambda: Double) -> RelatednessCovariance {
        RelatednessCovariance(spectrum: spectrum, lambda: lambda)
    }

    /// The same model holding the dense n × n A (one O(n³) product), so that each batch block is a
    /// gather instead of an O(b² n) product: worth it for a complete spectrum once a stage runs more
    /// than about n/b batches of size b, i.e. for moderate n (memory 8n² bytes).
    public func cachingPrecision() -> RelatednessCovariance {
        var copy = self
        copy.dense = precisionBlock(rows: Array(0..<count))
        return copy
    }

    public func precisionBlock(rows: [Int]) -> Matrix<Double> {
        let b = rows.count, r = spectrum.rank, n = spectrum.count
        if let dense {
            var a = Matrix<Double>(rows: b, columns: b)
            for (j, column) in rows.enumerated() { for (i, row) in rows.enumerated() { a[i, j] = dense[row, column] } }
            return a
        }
        var m = Matrix<Double>(rows: b, columns: r)
        spectrum.vectors.storage.withUnsafeBufferPointer { q in
            m.storage.withUnsafeMutableBufferPointer { out in
                for k in 0..<r {
                    let f = blockFactors[k]
                    let column = k * n, target = k * b
                    for (i, row) in rows.enumerated() { out[target + i] = q[column + row] * f }
                }
            }
        }
        var a = Matrix<Double>(rows: b, columns: b)
        if spectrum.isComplete {
            BLAS.syrk(m, into: &a)
        } else {
            BLAS.syrk(m, into: &a, alpha: -1 / lambda)
            for i in 0..<b { a[i, i] += 1 / lambda }
        }
        return a
    }

    public func quadraticForm(_ u: Matrix<Double>) -> Double {
        let residuals = spectrum.residuals(u)
        var total = residuals.complement / lambda
        for (k, e) in spectrum.values.enumerated() { total += residuals.perEigen[k] / (lambda + (1 - lambda) * e) }
        return total
    }
}
