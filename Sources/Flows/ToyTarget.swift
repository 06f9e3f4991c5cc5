import Foundation
import Numerics

/// 2-D targets whose support a single continuous bijection of a Gaussian cannot match: the
/// benchmarks of localised generative flows and marginalizing flows.
public enum ToyTarget: String, Sendable, CaseIterable {
    /// Uniform on two disjoint rectangles, [−2, −0.5] × [−1, 1] ∪ [0.5, 2] × [−1, 1]
    /// (the LGF paper's Figure 1 target); the true NLL is log 6 (total area 6).
    case twoRectangles = "rectangles"
    /// Two interleaved half-circles of radius 1 (scikit-learn's `make_moons` layout, centred),
    /// with N(0, 0.1²) noise on each coordinate.
    case twoMoons = "moons"

    /// The standard deviation of the moons' isotropic Gaussian noise.
    private static let moonsNoise = 0.1

    /// The point at `angle` ∈ [0, π] on the upper or lower arc of the moons, before the noise.
    private static func moonsArc(upper: Bool, angle: Double) -> (Double, Double) {
        upper ? (cos(angle) - 0.5, sin(angle) - 0.25) : ((1 - cos(angle)) - 0.5, (0.5 - sin(angle)) - 0.25)
    }

    /// `n` independent draws as an `n × 2` matrix.
    public func sample(count n: Int, generator g: inout SeededGenerator) -> Matrix<Double> {
        var x = Matrix<Double>(rows: n, columns: 2)
        for i in 0..<n {
            let upper = g.uniform() < 0.5
            switch self {
            case .twoRectangles:
                let left = 0.5 + 1.5 * g.uniform()
                x[i, 0] = upper ? left : -left
                x[i, 1] = 2 * g.uniform() - 1
            case .twoMoons:
                let arc = Self.moonsArc(upper: upper, angle: Double.pi * g.uniform())
                x[i, 0] = arc.0 + Self.moonsNoise * g.normal()
                x[i, 1] = arc.1 + Self.moonsNoise * g.normal()
            }
        }
        return x
    }

    /// The true log-density at (`x0`, `x1`). Rectangles: −log 6 inside, −∞ outside. Moons: the mixture
    /// ½ Σ_arcs (1/π) ∫₀^π φ_σ(x − a(θ)) dθ by composite Simpson quadrature over θ with `intervals`
    /// (even) panels, summed in log space (exact to about 1e-9 in the log at the default 1,024 intervals;
    /// see the Flows tests).
    public func logDensity(_ x0: Double, _ x1: Double, intervals: Int = 1024) -> Double {
        switch self {
        case .twoRectangles:
            let inside = abs(x0) >= 0.5 && abs(x0) <= 2 && abs(x1) <= 1
            return inside ? -log(6) : -.infinity
        case .twoMoons:
            precondition(intervals > 0 && intervals % 2 == 0, "Simpson's rule needs an even number of intervals")
            let sigma = Self.moonsNoise, step = Double.pi / Double(intervals)
            var terms = [Double]()
            terms.reserveCapacity(2 * (intervals + 1))
            for k in 0...intervals {
                let weight = (k == 0 || k == intervals ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)) * step / 3
                for upper in [true, false] {
                    let (a0, a1) = Self.moonsArc(upper: upper, angle: Double(k) * step)
                    let d0 = x0 - a0, d1 = x1 - a1
                    terms.append(log(weight) - (d0 * d0 + d1 * d1) / (2 * sigma * sigma))
                }
            }
            let top = terms.max()!
            let sum = terms.reduce(0) { $0 + exp($1 - top) }
            return top + log(sum) + log(0.5 / Double.pi / (2 * Double.pi * sigma * sigma))
        }
    }

    /// The true mean negative log-likelihood of the rows of the `n × 2` matrix `x` (log 6 for rectangle
    /// rows, which all lie inside; moons by quadrature with `intervals` panels, see `logDensity`).
    public func negativeLogLikelihood(of x: Matrix<Double>, intervals: Int = 1024) -> Double {
        -(0..<x.rows).reduce(0) { $0 + logDensity(x[$1, 0], x[$1, 1], intervals: intervals) } / Double(x.rows)
    }
}
