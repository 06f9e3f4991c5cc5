import Foundation
import Numerics

/// What residualization fitted for one trait: `z = (y − [1 c] β − mean)/sd` on the individuals
/// where y and every covariate are observed.
public struct TraitResidualization: Codable, Equatable, Sendable {
    /// Trait name.
    public var name: String
    /// Least-squares coefficients: the intercept first, then one per covariate kept.
    public var coefficients: [Double]
    /// R² of the covariate fit (0 with no covariates).
    public var rSquared: Double
    /// Individuals the fit used.
    public var observedCount: Int
    /// Mean of the residuals over those individuals (0 up to rounding with an intercept).
    public var mean: Double
    /// Standard deviation of the residuals (divisor n − 1).
    public var standardDeviation: Double
}

/// Covariates projected out of each phenotype by least squares on the individuals where that
/// phenotype (and every covariate) is observed, then the residuals z-scored (method.md §5, issue 5).
///
/// An intercept is always in the design; covariate columns that are constant on the individuals of
/// the whole table (e.g. a GEMMA-style column of 1s) are dropped from every fit and listed in
/// `droppedCovariates`, so the design keeps full column rank.
public struct Residualization: Codable, Equatable, Sendable {
    /// Names of the covariate columns used, in design order after the intercept.
    public var covariateNames: [String]
    /// Names of constant covariate columns that were dropped.
    public var droppedCovariates: [String]
    /// One fit per trait, in column order.
    public var traits: [TraitResidualization]

    /// Fits every trait of `phenotypes` (n × p, NaN missing) on `covariates` (n × c, NaN missing, or
    /// nil for intercept only).
    public static func fit(phenotypes y: Matrix<Double>, names: [String], covariates: Matrix<Double>?,
                           covariateNames: [String] = []) throws -> Residualization {
        precondition(names.count == y.columns, "one name per trait")
        let c = covariates ?? Matrix<Double>(rows: y.rows, columns: 0)
        precondition(c.rows == y.rows, "covariates and phenotypes have different row counts")
        let labels = covariateNames.count == c.columns ? covariateNames : (0..<c.columns).map { "covar\($0 + 1)" }
        var kept: [Int] = [], dropped: [String] = []
        for j in 0..<c.columns {
            let observed = c.column(j).filter { !$0.isNaN }
            if let first = observed.first, observed.contains(where: { $0 != first }) {
                kept.append(j)
            } else {
                dropped.append(labels[j])
            }
        }
        let covariateRowsComplete = (0..<y.rows).map { i in kept.allSatisfy { !c[i, $0].isNaN } }
        var traits: [TraitResidualization] = []
        for t in 0..<y.columns {
            let rows = (0..<y.rows).filter { !y[$0, t].isNaN && covariateRowsComplete[$0] }
            guard rows.count > kept.count + 1 else {
                throw ResidualizationError.tooFewObserved(trait: names[t], observed: rows.count, parameters: kept.count + 1)
            }
            var design = Matrix<Double>(rows: rows.count, columns: kept.count + 1, repeating: 1)
            var response = Matrix<Double>(rows: rows.count, columns: 1)
            for (r, i) in rows.enumerated() {
                response[r, 0] = y[i, t]
                for (k, j) in kept.enumerated() { design[r, k + 1] = c[i, j] }
            }
            guard try hasFullColumnRank(design) else { throw ResidualizationError.rankDeficient(trait: names[t]) }
            let beta = try LAPACK.leastSquares(design, response)
            let fitted = BLAS.product(design, beta)
            let values = response.storage
            let mean = values.reduce(0, +) / Double(rows.count)
            let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let residuals = zip(values, fitted.storage).map { $0 - $1 }
            let residualMean = residuals.reduce(0, +) / Double(rows.count)
            let rss = residuals.reduce(0) { $0 + ($1 - residualMean) * ($1 - residualMean) }
            let sd = (rss / Double(rows.count - 1)).squareRoot()
            guard sd > 0 else { throw ResidualizationError.constantResidual(trait: names[t]) }
            traits.append(TraitResidualization(name: names[t], coefficients: beta.storage,
                                               rSquared: total > 0 ? 1 - rss / total : 0, observedCount: rows.count,
                                               mean: residualMean, standardDeviation: sd))
        }
        return Residualization(covariateNames: kept.map { labels[$0] }, droppedCovariates: dropped, traits: traits)
    }

    /// QR does not flag a numerically dependent design, so the rank is checked on the Gram matrix
    /// of the unit-norm columns: its condition number must stay below 1e10.
    private static func hasFullColumnRank(_ design: Matrix<Double>) throws -> Bool {
        var scaled = design
        for j in 0..<design.columns {
            let norm = design.column(j).reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return false }
            for i in 0..<design.rows { scaled[i, j] /= norm }
        }
        var gram = Matrix<Double>(rows: design.columns, columns: design.columns)
        BLAS.syrk(scaled, trans: .transposed, into: &gram)
        let values = try LAPACK.symmetricEigen(gram).values
        return values[0] > 1e-10 * values[values.count - 1]
    }

    /// The z-scored residuals of `phenotypes` (n × p) given `covariates` in the column order of
    /// `covariateNames` (n × c; nil when there are none); NaN where a value or covariate is missing.
    public func apply(phenotypes y: Matrix<Double>, covariates: Matrix<Double>?) -> Matrix<Double> {
        precondition(y.columns == traits.count, "\(y.columns) traits given, \(traits.count) fitted")
        let c = covariates ?? Matrix<Double>(rows: y.rows, columns: 0)
        precondition(c.columns == covariateNames.count, "\(c.columns) covariates given, \(covariateNames.count) fitted")
        var z = Matrix<Double>(rows: y.rows, columns: y.columns, repeating: .nan)
        for (t, fit) in traits.enumerated() {
            for i in 0..<y.rows {
                var value = y[i, t] - fit.coefficients[0]
                for j in 0..<c.columns { value -= fit.coefficients[j + 1] * c[i, j] }
                z[i, t] = (value - fit.mean) / fit.standardDeviation
            }
        }
        return z
    }

    /// The inverse of `apply` for complete rows: phenotypes on their original scale from z-scores.
    public func invert(zScores z: Matrix<Double>, covariates: Matrix<Double>?) -> Matrix<Double> {
        let c = covariates ?? Matrix<Double>(rows: z.rows, columns: 0)
        var y = Matrix<Double>(rows: z.rows, columns: z.columns)
        for (t, fit) in traits.enumerated() {
            for i in 0..<z.rows {
                var value = z[i, t] * fit.standardDeviation + fit.mean + fit.coefficients[0]
                for j in 0..<c.columns { value += fit.coefficients[j + 1] * c[i, j] }
                y[i, t] = value
            }
        }
        return y
    }
}

/// Why residualization could not fit a trait.
public enum ResidualizationError: Error, CustomStringConvertible, Equatable {
    /// Not enough individuals with the trait and all covariates observed.
    case tooFewObserved(trait: String, observed: Int, parameters: Int)
    /// The covariate design is rank deficient on the trait's individuals.
    case rankDeficient(trait: String)
    /// The covariates explain the trait exactly.
    case constantResidual(trait: String)

    public var description: String {
        switch self {
        case let .tooFewObserved(trait, observed, parameters):
            return "trait \(trait): \(observed) individuals with the trait and all covariates observed, need more than \(parameters)"
        case let .rankDeficient(trait):
            return "trait \(trait): the covariates are linearly dependent on the individuals observed for it; drop a covariate column"
        case let .constantResidual(trait):
            return "trait \(trait): the covariates explain it exactly (zero residual variance)"
        }
    }
}
