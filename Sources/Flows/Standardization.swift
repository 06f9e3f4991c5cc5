import Foundation
import Numerics

/// Per-column z-scoring `x' = (x − mean) / sd`, stored with a model so that densities and
/// latent values refer to the original data scale.
///
/// The flow sees standardised data; on the original scale
/// `log p(x) = log p'(x') − Σ_j log sd_j`, so NLLs on the original scale add `Σ_j log sd_j`.
public struct Standardization: Sendable, Codable, Equatable {
    /// Column means.
    public var mean: [Double]
    /// Column standard deviations (divisor n − 1).
    public var sd: [Double]

    /// Explicit moments.
    public init(mean: [Double], sd: [Double]) {
        precondition(mean.count == sd.count, "Standardization: \(mean.count) means, \(sd.count) sds")
        self.mean = mean
        self.sd = sd
    }

    /// The column moments of `x`; a constant column gets sd 1.
    public init<S: FlowScalar>(fitting x: Matrix<S>) {
        var mean = [Double](repeating: 0, count: x.columns), sd = mean
        for j in 0..<x.columns {
            var m = 0.0, q = 0.0
            for i in 0..<x.rows { m += Double(x[i, j]) }
            m /= Double(max(1, x.rows))
            for i in 0..<x.rows { let r = Double(x[i, j]) - m; q += r * r }
            let s = (q / Double(max(1, x.rows - 1))).squareRoot()
            mean[j] = m
            sd[j] = s > 0 && s.isFinite ? s : 1
        }
        self.init(mean: mean, sd: sd)
    }

    /// Σ_j log sd_j: add to an NLL of standardised data to get the NLL on the original scale.
    public var logScale: Double { sd.reduce(0) { $0 + Foundation.log($1) } }

    /// `(x − mean) / sd`, column by column.
    public func apply<S: FlowScalar>(_ x: Matrix<S>) -> Matrix<S> {
        precondition(x.columns == mean.count, "Standardization: \(x.columns) columns, expected \(mean.count)")
        var y = x
        for j in 0..<x.columns {
            for i in 0..<x.rows { y[i, j] = S((Double(x[i, j]) - mean[j]) / sd[j]) }
        }
        return y
    }

    /// `x · sd + mean`, column by column (the inverse of `apply`).
    public func invert<S: FlowScalar>(_ y: Matrix<S>) -> Matrix<S> {
        precondition(y.columns == mean.count, "Standardization: \(y.columns) columns, expected \(mean.count)")
        var x = y
        for j in 0..<y.columns {
            for i in 0..<y.rows { x[i, j] = S(Double(y[i, j]) * sd[j] + mean[j]) }
        }
        return x
    }
}
