import Numerics

/// How principal components are weighted before the correlation (method.md §6).
public enum PCScale: String, CaseIterable, Sendable {
    /// Scores as given.
    case none
    /// Each PC multiplied by its eigenvalue.
    case eigenvalue
    /// Each PC multiplied by the square root of its eigenvalue.
    case sqrtEigenvalue = "sqrt-eigenvalue"
}

/// A problem building PC relatedness.
public enum PCRelatednessError: Error, CustomStringConvertible, Equatable {
    /// More PCs asked for than the file has.
    case tooFewPCs(requested: Int, available: Int)
    /// Fewer eigenvalues than PCs used.
    case tooFewEigenvalues(needed: Int, available: Int)
    /// An individual's (weighted) score vector is constant, so its correlation is undefined.
    case constantScores(row: Int)

    public var description: String {
        switch self {
        case let .tooFewPCs(requested, available): return "\(requested) PCs requested but the file has \(available)"
        case let .tooFewEigenvalues(needed, available): return "\(needed) eigenvalues needed for --pc-scale but the file has \(available)"
        case let .constantScores(row): return "individual on row \(row + 1) has identical scores on every PC used: its correlation with others is undefined"
        }
    }
}

/// The paper's PC relatedness as a low-rank factor: `G = W Wᵀ`, `G_ij` the Pearson correlation
/// between individuals i and j's vectors of their first k PC scores.
///
/// Row i of W is individual i's k scores (optionally weighted per PC), centred by their own mean
/// across the k entries and divided by the norm of the centred vector; then `w_i · w_j` is exactly
/// the Pearson correlation, `G_ii = 1`, and rank(G) ≤ k − 1. W is n × k, so later steps use G
/// through W (O(n k) memory) and never form the n × n matrix.
public struct PCRelatedness {
    /// The n × k factor W.
    public var factor: Matrix<Double>

    /// The factor from the first `count` columns of `scores` (n × K).
    public init(scores: Matrix<Double>, count k: Int, scale: PCScale = .none, eigenvalues: [Double] = []) throws {
        guard k >= 1, k <= scores.columns else { throw PCRelatednessError.tooFewPCs(requested: k, available: scores.columns) }
        var weights = [Double](repeating: 1, count: k)
        if scale != .none {
            guard eigenvalues.count >= k else { throw PCRelatednessError.tooFewEigenvalues(needed: k, available: eigenvalues.count) }
            weights = eigenvalues.prefix(k).map { scale == .eigenvalue ? $0 : max(0, $0).squareRoot() }
        }
        let n = scores.rows
        var w = Matrix<Double>(rows: n, columns: k)
        var row = [Double](repeating: 0, count: k)
        for i in 0..<n {
            var mean = 0.0
            for c in 0..<k { row[c] = scores[i, c] * weights[c]; mean += row[c] }
            mean /= Double(k)
            var squares = 0.0
            for c in 0..<k { row[c] -= mean; squares += row[c] * row[c] }
            guard squares > 0 else { throw PCRelatednessError.constantScores(row: i) }
            let inverseNorm = 1 / squares.squareRoot()
            for c in 0..<k { w[i, c] = row[c] * inverseNorm }
        }
        factor = w
    }

    /// Number of individuals.
    public var count: Int { factor.rows }

    /// The dense n × n matrix `W Wᵀ` (for small n, tests, or a GEMMA-format export).
    public func dense() -> Matrix<Double> {
        var g = Matrix<Double>(rows: factor.rows, columns: factor.rows)
        BLAS.syrk(factor, into: &g)
        return g
    }
}
