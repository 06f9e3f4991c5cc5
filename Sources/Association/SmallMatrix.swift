import Foundation
import Numerics

/// Dense helpers for the d × d and (cd) × (cd) matrices of the multivariate model (d, c ≤ ~20), kept
/// in plain Swift because a LAPACK call per individual would cost more than the arithmetic.
enum SmallMatrix {
    /// Lower Cholesky factor of a symmetric matrix given column-major in `a` (size s × s), in place;
    /// returns false when a pivot is not positive.
    static func choleskyInPlace(_ a: inout [Double], _ s: Int) -> Bool {
        for j in 0..<s {
            var diagonal = a[j + j * s]
            for k in 0..<j { diagonal -= a[j + k * s] * a[j + k * s] }
            guard diagonal > 0, diagonal.isFinite else { return false }
            let root = diagonal.squareRoot()
            a[j + j * s] = root
            for i in (j + 1)..<max(j + 1, s) {
                var v = a[i + j * s]
                for k in 0..<j { v -= a[i + k * s] * a[j + k * s] }
                a[i + j * s] = v / root
            }
            for i in 0..<j { a[i + j * s] = 0 }
        }
        return true
    }

    /// Inverse and log-determinant of a symmetric positive definite matrix, or nil when it is not.
    static func inverseSPD(_ m: [Double], _ s: Int) -> (inverse: [Double], logDet: Double)? {
        var l = m
        guard choleskyInPlace(&l, s) else { return nil }
        var logDet = 0.0
        for j in 0..<s { logDet += 2 * log(l[j + j * s]) }
        // L⁻¹ by forward substitution, then (L⁻¹)ᵀ L⁻¹.
        var li = [Double](repeating: 0, count: s * s)
        for j in 0..<s {
            li[j + j * s] = 1 / l[j + j * s]
            for i in (j + 1)..<max(j + 1, s) {
                var v = 0.0
                for k in j..<i { v += l[i + k * s] * li[k + j * s] }
                li[i + j * s] = -v / l[i + i * s]
            }
        }
        var inv = [Double](repeating: 0, count: s * s)
        for j in 0..<s {
            for i in 0...j {
                var v = 0.0
                for k in j..<s { v += li[k + i * s] * li[k + j * s] }
                inv[i + j * s] = v; inv[j + i * s] = v
            }
        }
        return (inv, logDet)
    }

    /// Whether a symmetric matrix is positive definite.
    static func isPositiveDefinite(_ m: Matrix<Double>) -> Bool {
        var a = m.storage
        return choleskyInPlace(&a, m.rows)
    }

    /// `A B` for square s × s column-major matrices.
    static func product(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        var out = Matrix<Double>(rows: a.rows, columns: b.columns)
        for j in 0..<b.columns { for k in 0..<a.columns { let f = b[k, j]; for i in 0..<a.rows { out[i, j] += a[i, k] * f } } }
        return out
    }

    /// `(A + Aᵀ) / 2`.
    static func symmetrized(_ a: Matrix<Double>) -> Matrix<Double> {
        var out = a
        for j in 0..<a.rows { for i in 0..<j { let v = 0.5 * (a[i, j] + a[j, i]); out[i, j] = v; out[j, i] = v } }
        return out
    }
}
