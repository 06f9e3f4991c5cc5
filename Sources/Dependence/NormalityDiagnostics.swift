import Foundation
import Numerics

/// One row of `Q.diagnostics.tsv`: how Gaussian one representation of the phenotypes is.
public struct NormalityDiagnostic: Equatable, Sendable {
    /// `raw` (covariates out, z-scored), `rank-int` (per-trait rank-based inverse normal) or `flow`.
    public var representation: String
    /// Mardia's tests over every normalized individual.
    public var mardia: MardiaTest
    /// Mean i.i.d. NLL per validation individual (nil without validation individuals): a Gaussian
    /// fitted to the training rows for `raw` and `rank-int`, the flow with a standard normal base
    /// law for `flow`. `raw` and `flow` are densities on the same (z-scored) scale; `rank-int` is on
    /// its own transformed scale.
    public var validationNLL: Double?

    /// The representation's diagnostics.
    public init(representation: String, mardia: MardiaTest, validationNLL: Double?) {
        self.representation = representation
        self.mardia = mardia
        self.validationNLL = validationNLL
    }

    /// The header of `Q.diagnostics.tsv`.
    public static let header = "representation\tn\tp\tmardia_skewness\tskewness_stat\tskewness_df\tskewness_p\tmardia_kurtosis\tkurtosis_z\tkurtosis_p\tiid_validation_nll"

    /// The row of `Q.diagnostics.tsv`.
    public var line: String {
        let m = mardia
        let fields: [String] = [
            representation, "\(m.count)", "\(m.dimension)", g(m.skewness), g(m.skewnessStatistic), g(m.skewnessDegreesOfFreedom),
            g(m.skewnessP), g(m.kurtosis), g(m.kurtosisZ), g(m.kurtosisP), validationNLL.map(g) ?? "NA",
        ]
        return fields.joined(separator: "\t")
    }

    private func g(_ x: Double) -> String { String(format: "%.6g", x) }

    /// Mean NLL per row of `validation` under the Gaussian (mean and covariance with divisor n)
    /// fitted to `training`.
    public static func gaussianNLL(training: Matrix<Double>, validation: Matrix<Double>) throws -> Double {
        let n = training.rows, p = training.columns
        var mean = [Double](repeating: 0, count: p)
        for j in 0..<p { mean[j] = training.column(j).reduce(0, +) / Double(n) }
        var centred = training
        for j in 0..<p { for i in 0..<n { centred[i, j] -= mean[j] } }
        var covariance = Matrix<Double>(rows: p, columns: p)
        BLAS.syrk(centred, trans: .transposed, into: &covariance, alpha: 1 / Double(n))
        let factor = try LAPACK.cholesky(covariance)
        var logDet = 0.0
        for j in 0..<p { logDet += 2 * log(factor[j, j]) }
        var v = validation
        for j in 0..<p { for i in 0..<v.rows { v[i, j] -= mean[j] } }
        let solved = try LAPACK.choleskySolve(factor: factor, v.transposed)
        var quadratic = 0.0
        for i in 0..<v.rows { for j in 0..<p { quadratic += v[i, j] * solved[j, i] } }
        return 0.5 * Double(p) * log(2 * Double.pi) + 0.5 * logDet + 0.5 * quadratic / Double(v.rows)
    }
}
