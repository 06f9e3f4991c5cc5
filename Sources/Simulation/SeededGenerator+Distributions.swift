import Foundation
import Numerics

extension SeededGenerator {
    /// A Gamma(shape, 1) variate: Marsaglia & Tsang (2000) for shape ≥ 1; for shape < 1 the
    /// boost Gamma(shape) = Gamma(shape + 1) · U^(1/shape).
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape > 0, "gamma shape must be positive, got \(shape)")
        if shape < 1 {
            let u = uniform()
            return gamma(shape: shape + 1) * pow(u > 0 ? u : .leastNormalMagnitude, 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Beta(a, b) variate as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x + y > 0 ? x / (x + y) : (uniform() < a / (a + b) ? 1 : 0)
    }

    /// A uniform integer in `range` (a closed range of small integers).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next(upperBound: UInt64(range.count)))
    }
}
