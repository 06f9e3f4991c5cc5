import CLinearAlgebra
import Foundation
import Numerics
import Relatedness

/// GEMMA's eigendecomposition (`GRMEigen.decompose`: double centring, ascending eigenvalues, those
/// below 1e-10 set to 0) of a low-rank relatedness `G = W Wᵀ` given by its n × k factor, in
/// O(n² k) instead of the O(n³) of decomposing the dense matrix.
///
/// Centring gives `P G P = A Aᵀ` with `A = P W` (W's columns centred). With the Householder QR
/// `A = Q R` (Q n × n orthogonal, R k × k upper triangular in its first k rows) and `R Rᵀ = V Λ Vᵀ`,
/// `P G P = Q₁ V Λ Vᵀ Q₁ᵀ`: the eigenvectors are `Q₁ V` (eigenvalues Λ) and the last n − k columns
/// of Q (eigenvalue 0). Any orthonormal basis of the zero eigenspace gives the same LMM, since every
/// direction in it has the same weight. The score test needs all n eigenvectors (the rotation `Uᵀ X`),
/// so U is still n × n, but it is formed from k Householder reflectors rather than by `dsyevd`.
public enum LowRankEigen {
    /// The decomposition of `W Wᵀ` (W n × k, k < n), as `GRMEigen.decompose` would give it.
    public static func decompose(factor w: Matrix<Double>) throws -> GRMEigendecomposition {
        let n = w.rows, k = w.columns
        precondition(k >= 1 && k < n, "a low-rank factor has fewer columns than rows")
        // A = P W in the first k columns of an n × n array, which then receives Q.
        var q = Matrix<Double>(rows: n, columns: n)
        for j in 0..<k {
            var mean = 0.0
            for i in 0..<n { mean += w[i, j] }
            mean /= Double(n)
            for i in 0..<n { q[i, j] = w[i, j] - mean }
        }
        var tau = [Double](repeating: 0, count: k)
        var info = q.storage.withUnsafeMutableBufferPointer { a in
            tau.withUnsafeMutableBufferPointer { t in LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(n), Int32(k), a.baseAddress!, Int32(n), t.baseAddress!) }
        }
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "geqrf", info: Int(info)) }
        var rrt = Matrix<Double>(rows: k, columns: k)   // R Rᵀ
        for a in 0..<k {
            for b in 0...a {
                var s = 0.0
                for c in a..<k { s += q[a, c] * q[b, c] }   // R[a, c] R[b, c], c ≥ max(a, b)
                rrt[a, b] = s; rrt[b, a] = s
            }
        }
        info = q.storage.withUnsafeMutableBufferPointer { a in
            tau.withUnsafeBufferPointer { t in LAPACKE_dorgqr(LAPACK_COL_MAJOR, Int32(n), Int32(n), Int32(k), a.baseAddress!, Int32(n), t.baseAddress!) }
        }
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "orgqr", info: Int(info)) }
        let small = try LAPACK.symmetricEigen(rrt)
        // Ascending: the n − k null directions, then Q₁ V in the order of Λ (ascending, clamped at 0).
        var vectors = Matrix<Double>(rows: n, columns: n)
        vectors.storage.withUnsafeMutableBufferPointer { out in
            q.storage.withUnsafeBufferPointer { from in
                for j in 0..<(n - k) { for i in 0..<n { out[i + j * n] = from[i + (k + j) * n] } }
            }
        }
        let top = BLAS.product(q.selectingColumns(Array(0..<k)), small.vectors)   // Q₁ V
        vectors.storage.withUnsafeMutableBufferPointer { out in
            top.storage.withUnsafeBufferPointer { from in
                for t in 0..<(n * k) { out[(n - k) * n + t] = from[t] }
            }
        }
        var zeroed = n - k
        let values = [Double](repeating: 0, count: n - k) + small.values.map { v -> Double in
            if v < GRMEigen.zeroThreshold { zeroed += 1; return 0 }
            return v
        }
        return GRMEigendecomposition(values: values, vectors: vectors, zeroedCount: zeroed)
    }
}
