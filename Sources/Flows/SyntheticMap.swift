import Foundation
import Numerics

/// The paper's 2-D synthetic densities (Kirchler et al. 2023, after the flow literature), with
/// e = (e1, e2) ~ N(0, I) and x1 = e1:
///
///     Abs            x2 = |x1| − 1 + e^{−1.5} e2
///     Crescent       x2 = 0.5 x1² − 1 + e^{−1} e2
///     SineWave       x2 = sin(5 x1) + e^{−1} e2
///     Sign           x2 = sign(x1) + x1 + e^{−1.5} e2
///     CrescentCubed  x2 = 0.2 x1³ + e2, then the two coordinates are swapped
///
/// Each has the closed-form density p(x) = N(x1; 0, 1) · N(x2; m(x1), σ²) (in the swapped order
/// for CrescentCubed), so a fitted flow's NLL can be compared with the truth.
public enum SyntheticMap: String, Sendable, CaseIterable {
    case abs, crescent, sineWave, sign, crescentCubed

    /// The conditional mean m(x1) of the second coordinate.
    public func mean(_ x1: Double) -> Double {
        switch self {
        case .abs: return Swift.abs(x1) - 1
        case .crescent: return 0.5 * x1 * x1 - 1
        case .sineWave: return Foundation.sin(5 * x1)
        case .sign: return (x1 > 0 ? 1 : x1 < 0 ? -1 : 0) + x1
        case .crescentCubed: return 0.2 * x1 * x1 * x1
        }
    }

    /// The noise standard deviation σ of the second coordinate.
    public var noise: Double {
        switch self {
        case .abs, .sign: return Foundation.exp(-1.5)
        case .crescent, .sineWave: return Foundation.exp(-1)
        case .crescentCubed: return 1
        }
    }

    /// Whether the coordinates are stored swapped (x2 first).
    public var swapped: Bool { self == .crescentCubed }

    /// `n` independent draws as an `n × 2` matrix.
    public func sample(count n: Int, generator: inout SeededGenerator) -> Matrix<Double> {
        var x = Matrix<Double>(rows: n, columns: 2)
        let (a, b) = swapped ? (1, 0) : (0, 1)
        for i in 0..<n {
            let e1 = generator.normal(), e2 = generator.normal()
            x[i, a] = e1
            x[i, b] = mean(e1) + noise * e2
        }
        return x
    }

    /// The true log-density of one point.
    public func logDensity(_ first: Double, _ second: Double) -> Double {
        let (x1, x2) = swapped ? (second, first) : (first, second)
        let r = (x2 - mean(x1)) / noise
        return -Foundation.log(2 * Double.pi) - 0.5 * x1 * x1 - 0.5 * r * r - Foundation.log(noise)
    }

    /// The true mean negative log-likelihood per row of `x` (`n × 2`).
    public func meanNegativeLogLikelihood(_ x: Matrix<Double>) -> Double {
        precondition(x.columns == 2, "SyntheticMap: 2 columns expected")
        var s = 0.0
        for i in 0..<x.rows { s -= logDensity(x[i, 0], x[i, 1]) }
        return s / Double(x.rows)
    }
}
