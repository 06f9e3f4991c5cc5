import Foundation
import Numerics
@testable import Simulation
import XCTest

/// The random variates and the normal quantile the simulator is built on.
final class DistributionTests: XCTestCase {
    func testNormalQuantileMatchesKnownValuesAndInvertsPhi() {
        XCTAssertEqual(Distributions.normalQuantile(0.5), 0, accuracy: 1e-15)
        XCTAssertEqual(Distributions.normalQuantile(0.975), 1.959963984540054, accuracy: 1e-13)
        XCTAssertEqual(Distributions.normalQuantile(1e-6), -4.753424308822899, accuracy: 1e-11)
        XCTAssertEqual(Distributions.normalQuantile(0.01), -2.326347874040841, accuracy: 1e-13)
        for p in [1e-12, 1e-4, 0.02, 0.3, 0.77, 0.98, 1 - 1e-9] {
            let x = Distributions.normalQuantile(p)
            XCTAssertEqual(0.5 * erfc(-x / 2.0.squareRoot()), p, accuracy: p * 1e-10)
        }
    }

    func testGammaAndBetaMoments() {
        var g = SeededGenerator(seed: 3)
        for shape in [0.3, 1.0, 4.5] {
            let x = (0..<40_000).map { _ in g.gamma(shape: shape) }
            let mean = x.reduce(0, +) / Double(x.count)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
            XCTAssertEqual(mean, shape, accuracy: 4 * (shape / Double(x.count)).squareRoot(), "shape \(shape)")
            XCTAssertEqual(variance, shape, accuracy: 0.08 * shape, "shape \(shape)")
        }
        let (a, b) = (0.2, 3.0)
        let x = (0..<40_000).map { _ in g.beta(a, b) }
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
        XCTAssertEqual(mean, a / (a + b), accuracy: 0.003)
        XCTAssertEqual(variance, a * b / ((a + b) * (a + b) * (a + b + 1)), accuracy: 0.002)
        XCTAssertTrue(x.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// Empirical covariance of vec(U) over many draws against Σ ⊗ (λI + (1 − λ)G).
    func testMatrixNormalCovariance() throws {
        let gm = Matrix<Double>(rowArrays: [[1.0, 0.5, 0.25], [0.5, 1.0, 0.1], [0.25, 0.1, 0.9]])
        let sigma = Matrix<Double>(rowArrays: [[1.0, -0.6], [-0.6, 2.0]])
        let lambda = 0.3
        let sampler = try MatrixNormalSampler(relatedness: gm)
        var g = SeededGenerator(seed: 8)
        let draws = 40_000, n = 3, p = 2
        var second = [Double](repeating: 0, count: 36)
        for _ in 0..<draws {
            let u = try sampler.sample(lambda: lambda, columnCovariance: sigma, generator: &g)
            for a in 0..<6 { for b in 0..<6 { second[a * 6 + b] += u.storage[a] * u.storage[b] } }
        }
        for a in 0..<(n * p) {
            for b in 0..<(n * p) {
                let (i, s) = (a % n, a / n), (j, t) = (b % n, b / n)
                let c = (i == j ? lambda : 0) + (1 - lambda) * gm[i, j]
                let expected = sigma[s, t] * c
                XCTAssertEqual(second[a * 6 + b] / Double(draws), expected, accuracy: 0.05, "entry (\(a), \(b))")
            }
        }
        let identity = try sampler.sample(lambda: 1, traits: 2, generator: &g)
        XCTAssertEqual(identity.rows, 3)
        XCTAssertEqual(identity.columns, 2)
    }
}
