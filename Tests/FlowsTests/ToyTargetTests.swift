import Flows
import Foundation
import Numerics
import XCTest

/// The moons' true density by quadrature: normalised, converged in the number of intervals, and equal
/// to the generator's box frequencies.
final class ToyTargetTests: XCTestCase {
    func testMoonsDensityIsNormalised() {
        // Riemann sum over a grid reaching 10 σ beyond the arcs (spectrally accurate for a smooth density).
        var total = 0.0
        let h = 0.05
        for a in stride(from: -2.5, through: 2.5, by: h) {
            for b in stride(from: -1.5, through: 1.5, by: h) {
                total += exp(ToyTarget.twoMoons.logDensity(a, b, intervals: 256)) * h * h
            }
        }
        XCTAssertEqual(total, 1, accuracy: 1e-3)
    }

    func testMoonsQuadratureConverges() {
        // Doubling the default 1,024 intervals moves the mean NLL of generator rows by < 1e-9,
        // and 256 intervals are already within 1e-6.
        var g = SeededGenerator(seed: 3)
        let x = ToyTarget.twoMoons.sample(count: 200, generator: &g)
        let fine = ToyTarget.twoMoons.negativeLogLikelihood(of: x, intervals: 2048)
        XCTAssertEqual(ToyTarget.twoMoons.negativeLogLikelihood(of: x), fine, accuracy: 1e-9)
        XCTAssertEqual(ToyTarget.twoMoons.negativeLogLikelihood(of: x, intervals: 256), fine, accuracy: 1e-6)
        // Far from the arcs the log-density stays finite (log-sum-exp, no underflow).
        XCTAssertTrue(ToyTarget.twoMoons.logDensity(6, 6).isFinite)
    }

    func testMoonsDensityMatchesGeneratorFrequencies() {
        // Fraction of 400,000 draws in 0.1 × 0.1 boxes (on the arcs, at their ends, 1.5 σ off) vs the
        // density integrated over each box (midpoint rule on a 10 × 10 sub-grid), within 4 binomial SEs.
        let n = 400_000, side = 0.1
        var g = SeededGenerator(seed: 11)
        let x = ToyTarget.twoMoons.sample(count: n, generator: &g)
        let centres = [(-0.5, 0.75), (-1.5, -0.25), (0.5, -0.75), (1.5, 0.25), (0.5, -0.25), (-0.5, 0.6), (1.0, -0.3)]
        for (c0, c1) in centres {
            var count = 0
            for i in 0..<n where abs(x[i, 0] - c0) < side / 2 && abs(x[i, 1] - c1) < side / 2 { count += 1 }
            var mass = 0.0
            let h = side / 10
            for a in 0..<10 {
                for b in 0..<10 {
                    let p0 = c0 - side / 2 + (Double(a) + 0.5) * h, p1 = c1 - side / 2 + (Double(b) + 0.5) * h
                    mass += exp(ToyTarget.twoMoons.logDensity(p0, p1, intervals: 256)) * h * h
                }
            }
            let frequency = Double(count) / Double(n)
            XCTAssertGreaterThan(mass, 1e-4, "box at (\(c0), \(c1)) should hold mass")
            XCTAssertEqual(frequency, mass, accuracy: 4 * (mass * (1 - mass) / Double(n)).squareRoot(), "box at (\(c0), \(c1))")
        }
    }

    func testRectanglesDensity() {
        XCTAssertEqual(ToyTarget.twoRectangles.logDensity(1, 0.5), -log(6), accuracy: 1e-15)
        XCTAssertEqual(ToyTarget.twoRectangles.logDensity(0, 0), -.infinity)
        var g = SeededGenerator(seed: 5)
        let x = ToyTarget.twoRectangles.sample(count: 100, generator: &g)
        XCTAssertEqual(ToyTarget.twoRectangles.negativeLogLikelihood(of: x), log(6), accuracy: 1e-12)
    }
}
