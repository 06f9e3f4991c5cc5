import Foundation
import Numerics

/// Mardia's (1970) tests of multivariate normality.
///
/// With x̄ the mean, S the covariance with divisor n, and `g_ij = (x_i − x̄)ᵀ S⁻¹ (x_j − x̄)`:
///
///     b1 = (1/n²) Σ_ij g_ij³,   n b1 / 6 ~ χ²(p(p + 1)(p + 2)/6)
///     b2 = (1/n) Σ_i g_ii²,     (b2 − p(p + 2)) / √(8 p(p + 2)/n) ~ N(0, 1)  (two-sided)
///
/// The double sum costs O(n p³), not O(n² p): whitening y_i = S^{-1/2}(x_i − x̄) gives
/// `Σ_ij (y_iᵀ y_j)³ = Σ_abc T_abc²` with `T_abc = Σ_i y_ia y_ib y_ic`.
public struct MardiaTest: Equatable, Sendable {
    /// Individuals n.
    public var count: Int
    /// Dimension p.
    public var dimension: Int
    /// Multivariate skewness b1.
    public var skewness: Double
    /// n b1 / 6.
    public var skewnessStatistic: Double
    /// p(p + 1)(p + 2)/6.
    public var skewnessDegreesOfFreedom: Double
    /// Upper χ² tail of the skewness statistic.
    public var skewnessP: Double
    /// Multivariate kurtosis b2.
    public var kurtosis: Double
    /// The standardised kurtosis.
    public var kurtosisZ: Double
    /// Two-sided normal p-value of `kurtosisZ`.
    public var kurtosisP: Double

    /// The tests on the rows of `x` (n × p, no missing values, n > p, S non-singular).
    public init(_ x: Matrix<Double>) throws {
        let n = x.rows, p = x.columns
        precondition(n > p && p >= 1, "Mardia's tests need more individuals than dimensions")
        var centred = x
        for j in 0..<p {
            let mean = x.column(j).reduce(0, +) / Double(n)
            for i in 0..<n { centred[i, j] -= mean }
        }
        var s = Matrix<Double>(rows: p, columns: p)
        BLAS.syrk(centred, trans: .transposed, into: &s, alpha: 1 / Double(n))
        let eigen = try LAPACK.symmetricEigen(s)
        guard let smallest = eigen.values.first, smallest > 1e-12 * (eigen.values.last ?? 0) else {
            throw LinearAlgebraError.notPositiveDefinite(order: p)
        }
        var whitening = eigen.vectors
        for j in 0..<p {
            let f = 1 / eigen.values[j].squareRoot()
            for i in 0..<p { whitening[i, j] *= f }
        }
        let y = BLAS.product(centred, whitening)
        var third = [Double](repeating: 0, count: p * p * p)
        var fourth = 0.0
        var row = [Double](repeating: 0, count: p)
        for i in 0..<n {
            var norm = 0.0
            for a in 0..<p { row[a] = y[i, a]; norm += row[a] * row[a] }
            fourth += norm * norm
            for a in 0..<p {
                for b in a..<p {
                    let ab = row[a] * row[b]
                    for c in b..<p { third[a + p * (b + p * c)] += ab * row[c] }
                }
            }
        }
        var cubes = 0.0
        for a in 0..<p {
            for b in a..<p {
                for c in b..<p {
                    let t = third[a + p * (b + p * c)]
                    let permutations: Double = a == b && b == c ? 1 : (a == b || b == c ? 3 : 6)
                    cubes += permutations * t * t
                }
            }
        }
        let nd = Double(n), pd = Double(p)
        count = n
        dimension = p
        skewness = cubes / (nd * nd)
        skewnessStatistic = nd * skewness / 6
        skewnessDegreesOfFreedom = pd * (pd + 1) * (pd + 2) / 6
        skewnessP = TailProbability.chiSquareUpper(skewnessStatistic, degrees: skewnessDegreesOfFreedom)
        kurtosis = fourth / nd
        kurtosisZ = (kurtosis - pd * (pd + 2)) / (8 * pd * (pd + 2) / nd).squareRoot()
        kurtosisP = min(1, 2 * Distributions.normalUpperTail(abs(kurtosisZ)))
    }
}
