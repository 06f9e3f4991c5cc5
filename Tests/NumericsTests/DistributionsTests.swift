import XCTest
import Numerics

/// Reference values from SciPy 1.17 (`scipy.stats.norm.sf`, `scipy.stats.norm.ppf`).
final class DistributionsTests: XCTestCase {
    func testNormalUpperTailMatchesSciPy() {
        let cases: [(z: Double, p: Double)] = [
            (0, 0.5), (1.96, 0.024997895148220435), (5, 2.866515718791933e-07),
            (20, 2.7536241186061556e-89), (-3, 0.9986501019683699),
        ]
        for c in cases {
            XCTAssertEqual(Distributions.normalUpperTail(c.z), c.p, accuracy: 1e-13 * c.p, "norm.sf(\(c.z))")
        }
    }

    func testNormalQuantileMatchesSciPy() {
        let cases: [(q: Double, z: Double)] = [
            (1e-300, -37.0470962993612), (1e-10, -6.361340902404056), (0.001, -3.090232306167813),
            (0.02, -2.053748910631823), (0.3, -0.5244005127080409), (0.5, 0), (0.7, 0.5244005127080407),
            (0.99, 2.3263478740408408), (0.999999999999, 7.0344869100478356),
        ]
        for c in cases {
            XCTAssertEqual(Distributions.normalQuantile(c.q), c.z, accuracy: 1e-9 * max(1, abs(c.z)), "norm.ppf(\(c.q))")
        }
    }

    func testRankInverseNormalUsesBlomScoresAndAveragesTies() {
        // Blom: Φ⁻¹((r − 3/8)/(n + 1/4)); the tied pair shares rank 2.5.
        let x: [Double] = [3.0, 1.0, 2.0, 2.0, .nan]
        let t = RankInverseNormal.transform(x)
        let n = 4.0
        XCTAssertEqual(t[1], Distributions.normalQuantile((1 - 0.375) / (n + 0.25)), accuracy: 1e-15)
        XCTAssertEqual(t[2], Distributions.normalQuantile((2.5 - 0.375) / (n + 0.25)), accuracy: 1e-15)
        XCTAssertEqual(t[2], t[3])
        XCTAssertEqual(t[0], Distributions.normalQuantile((4 - 0.375) / (n + 0.25)), accuracy: 1e-15)
        XCTAssertTrue(t[4].isNaN)
    }
}
