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
                let angle = Double.pi * g.uniform()
                x[i, 0] = (upper ? cos(angle) : 1 - cos(angle)) - 0.5 + 0.1 * g.normal()
                x[i, 1] = (upper ? sin(angle) : 0.5 - sin(angle)) - 0.25 + 0.1 * g.normal()
            }
        }
        return x
    }

    /// The true mean negative log-likelihood per row, where it has a closed form (rectangles).
    public var trueNegativeLogLikelihood: Double? {
        switch self {
        case .twoRectangles: return log(6)
        case .twoMoons: return nil
        }
    }
}
