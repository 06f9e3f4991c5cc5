import Foundation
import Numerics
@testable import Dependence

/// Small simulated inputs shared by the Dependence tests.
enum TestData {
    /// The relationship matrix (twice the kinship) of nuclear families: two unrelated parents and
    /// `children` full sibs (parent–child and sib–sib 0.5, spouses 0, 1 on the diagonal), in
    /// families laid out one after another, the last one cut at n.
    static func pedigreeRelationship(count n: Int, children: Int = 2) -> Matrix<Double> {
        let size = 2 + children
        var g = Matrix<Double>.identity(n)
        for start in stride(from: 0, to: n, by: size) {
            for a in start..<min(n, start + size) {
                for b in start..<min(n, start + size) where a != b {
                    let bothParents = a - start < 2 && b - start < 2
                    g[a, b] = bothParents ? 0 : 0.5
                }
            }
        }
        return g
    }

    /// The family label of every row of `pedigreeRelationship`.
    static func familyLabels(count n: Int, children: Int = 2) -> [String] {
        (0..<n).map { "F\($0 / (2 + children))" }
    }

    /// `λ I + (1 − λ) G / (mean diagonal of G)`, densely (for checks only).
    static func relatednessCovariance(_ g: Matrix<Double>, lambda: Double) -> Matrix<Double> {
        let n = g.rows
        let meanDiagonal = (0..<n).reduce(0) { $0 + g[$1, $1] } / Double(n)
        var c = g
        for k in c.storage.indices { c.storage[k] *= (1 - lambda) / meanDiagonal }
        for i in 0..<n { c[i, i] += lambda }
        return c
    }

    /// Equicorrelated blocks, densely.
    static func blockCovariance(blockOf: [Int], rho: [Double]) -> Matrix<Double> {
        let n = blockOf.count
        var c = Matrix<Double>.identity(n)
        for i in 0..<n { for j in 0..<n where i != j && blockOf[i] == blockOf[j] { c[i, j] = rho[blockOf[i]] } }
        return c
    }

    /// Draws U ~ MN(0, C, I_p) as L Z with C = L Lᵀ (Cholesky).
    static func matrixNormal(covariance c: Matrix<Double>, columns p: Int, generator: inout SeededGenerator) throws -> Matrix<Double> {
        let l = try LAPACK.cholesky(c)
        var z = Matrix<Double>(rows: c.rows, columns: p)
        for k in z.storage.indices { z.storage[k] = generator.normal() }
        return BLAS.product(l, z)
    }

    /// Standard normal n × p.
    static func normals(rows n: Int, columns p: Int, generator: inout SeededGenerator) -> Matrix<Double> {
        var z = Matrix<Double>(rows: n, columns: p)
        for k in z.storage.indices { z.storage[k] = generator.normal() }
        return z
    }

    /// The inverse of a symmetric positive definite matrix via Cholesky.
    static func inverse(_ c: Matrix<Double>) throws -> Matrix<Double> {
        try LAPACK.choleskySolve(factor: LAPACK.cholesky(c), .identity(c.rows))
    }

    /// log det of a symmetric positive definite matrix via Cholesky.
    static func logDeterminant(_ c: Matrix<Double>) throws -> Double {
        let l = try LAPACK.cholesky(c)
        return (0..<c.rows).reduce(0) { $0 + 2 * log(l[$1, $1]) }
    }
}
