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
/// A batch needs `A_BB U_B` and `diag(A_BB)` only (`precisionProduct`): O(b r p) from the batch's
/// columns of Qᵀ, never the b × b block A_BB (O(b² r)) and nothing n × n — unless
/// `cachingPrecision()` formed the dense A, which small n can afford.
public struct RelatednessCovariance: CovarianceModel {
    /// The shared spectrum of G.
    public let spectrum: RelatednessSpectrum
    /// The weight of the identity, λ.
    public let lambda: Double
    public let logDeterminant: Double
    /// `w_k` (complete spectrum) or `c_k` (thin): A = Q diag(w) Qᵀ or (I − Q diag(c) Qᵀ)/λ.
    private let weights: [Double]
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
            weights = d.map { 1 / $0 }
        } else {
            weights = zip(spectrum.values, d).map { (1 - lambda) * $0 / $1 }
        }
    }

    public var count: Int { spectrum.count }
    public var kind: CovarianceKind { spectrum.isComplete ? .relatedness : .lowRank }

    /// The same G at another λ; log det C and A are recomputed for it.
    public func with(lambda: Double) -> RelatednessCovariance {
        RelatednessCovariance(spectrum: spectrum, lambda: lambda)
    }

    /// The same model holding the dense n × n A = Q diag(w) Qᵀ (one O(n³) product, 8n² bytes), so
    /// that a batch's product is a b × b gather and a b × b by b × p GEMM: cheaper than the O(b r p)
    /// pass over Qᵀ once a stage runs enough epochs to pay for the product, i.e. for a few thousand
    /// individuals at most (complete spectra; `ScheduleRunner.densePrecisionLimit`).
    public func cachingPrecision() -> RelatednessCovariance {
        precondition(spectrum.isComplete, "cachingPrecision: a thin spectrum has no dense A worth holding")
        let n = count
        var scaled = spectrum.transposedVectors
        let factors = weights.map { $0.squareRoot() }
        for j in 0..<n { for k in 0..<n { scaled[k, j] *= factors[k] } }
        var a = Matrix<Double>(rows: n, columns: n)
        BLAS.syrk(scaled, trans: .transposed, into: &a)
        var copy = self
        copy.dense = a
        return copy
    }

    /// With `q_i` column i of Qᵀ: `T = diag(w) Σ_{i∈B} q_i u_iᵀ` (r × p), then `(A_BB U_B)_i = q_iᵀ T`
    /// and `A_ii = Σ_k w_k q_ik²` (complete), or `(u_i − q_iᵀ T)/λ` and `(1 − Σ_k c_k q_ik²)/λ`
    /// (thin): two passes over the b contiguous columns, 2(2p + 1) b r flops. The r coordinates are
    /// cut into `pieces(rank:)` ranges worked on in parallel; the cut depends on r alone, so the
    /// sums do not depend on the machine's core count.
    public func precisionProduct(rows: [Int], latent u: Matrix<Double>) -> (product: Matrix<Double>, diagonal: [Double]) {
        precondition(u.rows == rows.count, "precisionProduct: \(u.rows) latent rows for \(rows.count) batch rows")
        if let dense {
            var a = Matrix<Double>(rows: rows.count, columns: rows.count)
            for (j, column) in rows.enumerated() { for (i, row) in rows.enumerated() { a[i, j] = dense[row, column] } }
            return (BLAS.product(a, u), (0..<rows.count).map { a[$0, $0] })
        }
        return precisionProduct(rows: rows, latent: u, pieces: Self.pieces(rank: spectrum.rank))
    }

    /// `precisionProduct` over Qᵀ with the coordinates cut into `pieces` ranges.
    func precisionProduct(rows: [Int], latent u: Matrix<Double>, pieces: Int) -> (product: Matrix<Double>, diagonal: [Double]) {
        let b = rows.count, p = u.columns, r = spectrum.rank
        let width = (r + pieces - 1) / pieces
        // Per piece: T over its coordinates (p columns of `width`), then b · (p + 1) partial sums.
        var t = [Double](repeating: 0, count: pieces * width * p)
        var partial = [Double](repeating: 0, count: pieces * b * (p + 1))
        spectrum.transposedVectors.storage.withUnsafeBufferPointer { qt in
            u.storage.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { w in
                    t.withUnsafeMutableBufferPointer { t in
                        partial.withUnsafeMutableBufferPointer { partial in
                            let (qt, x, w, t, partial) = (qt.baseAddress!, x.baseAddress!, w.baseAddress!, t.baseAddress!, partial.baseAddress!)
                            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                                let start = piece * width, count = max(0, min(r, start + width) - start)
                                let tp = t + piece * width * p, out = partial + piece * b * (p + 1)
                                for (i, row) in rows.enumerated() {
                                    let q = qt + row * r + start
                                    for j in 0..<p { Self.axpy(x[i + j * b], q, tp + j * width, count: count) }
                                }
                                for j in 0..<p { Self.scale(tp + j * width, by: w + start, count: count) }
                                for (i, row) in rows.enumerated() {
                                    let q = qt + row * r + start
                                    out[i * (p + 1)] = Self.weightedSquares(q, w + start, count: count)
                                    for j in 0..<p { out[i * (p + 1) + 1 + j] = Self.dot(q, tp + j * width, count: count) }
                                }
                            }
                        }
                    }
                }
            }
        }
        var product = Matrix<Double>(rows: b, columns: p)
        var diagonal = [Double](repeating: 0, count: b)
        for piece in 0..<pieces {
            let base = piece * b * (p + 1)
            for i in 0..<b {
                diagonal[i] += partial[base + i * (p + 1)]
                for j in 0..<p { product[i, j] += partial[base + i * (p + 1) + 1 + j] }
            }
        }
        if !spectrum.isComplete {
            let inverse = 1 / lambda
            for k in product.storage.indices { product.storage[k] = (u.storage[k] - product.storage[k]) * inverse }
            for i in 0..<b { diagonal[i] = (1 - diagonal[i]) * inverse }
        }
        return (product, diagonal)
    }

    /// Coordinate ranges of `precisionProduct`: one per 2,048 eigenvectors, at most 4 (below 2,048 the
    /// threads would cost more than they save).
    static func pieces(rank r: Int) -> Int { min(4, max(1, r / 2_048)) }

    public func quadraticForm(_ u: Matrix<Double>) -> Double {
        let residuals = spectrum.residuals(u)
        var total = residuals.complement / lambda
        for (k, e) in spectrum.values.enumerated() { total += residuals.perEigen[k] / (lambda + (1 - lambda) * e) }
        return total
    }

    // Eight-wide SIMD kernels of `precisionProduct` (the compiler does not vectorise the reductions).
    private typealias Lanes = SIMD8<Double>

    /// `y += a x`.
    @inline(__always)
    private static func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count n: Int) {
        var k = 0
        while k + 8 <= n {
            let v = UnsafeRawPointer(x + k).loadUnaligned(as: Lanes.self)
            let s = UnsafeRawPointer(y + k).loadUnaligned(as: Lanes.self)
            UnsafeMutableRawPointer(y + k).storeBytes(of: s + a * v, as: Lanes.self)
            k += 8
        }
        while k < n { y[k] += a * x[k]; k += 1 }
    }

    /// `y *= w` entrywise.
    @inline(__always)
    private static func scale(_ y: UnsafeMutablePointer<Double>, by w: UnsafePointer<Double>, count n: Int) {
        for k in 0..<n { y[k] *= w[k] }
    }

    /// `Σ_k x_k y_k`.
    @inline(__always)
    private static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count n: Int) -> Double {
        var sum = Lanes(), k = 0
        while k + 8 <= n {
            sum += UnsafeRawPointer(x + k).loadUnaligned(as: Lanes.self) * UnsafeRawPointer(y + k).loadUnaligned(as: Lanes.self)
            k += 8
        }
        var total = sum.sum()
        while k < n { total += x[k] * y[k]; k += 1 }
        return total
    }

    /// `Σ_k w_k x_k²`.
    @inline(__always)
    private static func weightedSquares(_ x: UnsafePointer<Double>, _ w: UnsafePointer<Double>, count n: Int) -> Double {
        var sum = Lanes(), k = 0
        while k + 8 <= n {
            let v = UnsafeRawPointer(x + k).loadUnaligned(as: Lanes.self)
            sum += UnsafeRawPointer(w + k).loadUnaligned(as: Lanes.self) * v * v
            k += 8
        }
        var total = sum.sum()
        while k < n { total += w[k] * x[k] * x[k]; k += 1 }
        return total
    }
}
