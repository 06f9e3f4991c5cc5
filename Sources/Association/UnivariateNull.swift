import Foundation
import Numerics

/// Which likelihood a variance-component fit maximises.
public enum LikelihoodKind: String, Sendable {
    /// Maximum likelihood: what GEMMA's `-lmm 3` score test uses for the null λ.
    case maximum = "ML"
    /// Restricted maximum likelihood: what GEMMA reports as vg, ve and pve.
    case restricted = "REML"
}

/// A fitted univariate null model: `y = Wα + g + e`, `g ~ N(0, λ τ⁻¹ K)`, `e ~ N(0, τ⁻¹ I)`.
public struct UnivariateNullFit: Equatable, Sendable {
    /// The variance ratio λ = vg / ve.
    public var lambda: Double
    /// The log-likelihood at λ, with GEMMA's constants (so it compares with GEMMA's log).
    public var logLikelihood: Double
    /// Residual variance τ⁻¹ = yᵀPy / n (ML) or / (n − c) (REML).
    public var ve: Double
    /// Genetic variance λ τ⁻¹.
    public var vg: Double { lambda * ve }
}

/// One trait's null LMM in the eigenbasis of K, where `H = λ diag(δ) + I` is diagonal; the fit
/// searches λ as GEMMA 0.98.5 does (lmm_spec.md):
///
/// λ on [1e-5, 1e5] is cut into 10 intervals equal on the log scale; in every interval where the
/// derivative of the log-likelihood changes sign its root is found (Brent's method run to full
/// precision, where GEMMA polishes a coarse Brent root by Newton to 1e-5); the highest likelihood
/// among these roots and the two ends of the range wins (checked against the Debian binary on data
/// whose ML optimum is on the boundary while a minimum lies inside).
///
/// Log-likelihoods (GEMMA's constants), with `P` from `WeightedProjection` and `H⁻¹ = 1/(λδ + 1)`:
///
///     ML:    n/2 (log n − log 2π − 1) − ½ Σ log H_k − n/2 log yᵀPy
///     REML:  df/2 (log df − log 2π − 1) − ½ Σ log H_k − ½ log|WᵀH⁻¹W| + ½ log|WᵀW| − df/2 log yᵀPy,  df = n − c
///
/// and derivatives `−½ tr(H⁻¹D) + n/2 · yPDPy / yPy` (ML), `−½ tr(PD) + df/2 · yPDPy / yPy` (REML), D = diag(δ).
public struct UnivariateNull {
    /// Eigenvalues δ of K (n).
    public let eigenvalues: [Double]
    /// Rotated covariates UᵀW (n × c).
    public let covariates: Matrix<Double>
    /// Rotated trait Uᵀy (n).
    public let trait: [Double]
    /// `log |WᵀW|` (the REML constant).
    let logDetCovariates: Double

    /// The search range and number of intervals GEMMA uses.
    public static let lambdaRange = (lower: 1e-5, upper: 1e5)
    public static let intervals = 10

    public init(eigenvalues: [Double], covariates: Matrix<Double>, trait: [Double]) throws {
        precondition(trait.count == covariates.rows, "one trait value per individual")
        logDetCovariates = try WeightedProjection.covariateLogDeterminant(covariates, eigenvalues: eigenvalues)
        self.eigenvalues = eigenvalues
        self.covariates = covariates
        self.trait = trait
    }

    var n: Int { trait.count }
    var c: Int { covariates.columns }

    /// `1 / (λ δ_k + 1)`.
    public func weights(_ lambda: Double) -> [Double] { eigenvalues.map { 1 / (lambda * $0 + 1) } }

    func projection(_ lambda: Double) -> WeightedProjection {
        // WᵀW is positive definite (checked in init) and H⁻¹ is a positive diagonal, so this cannot fail.
        try! WeightedProjection(weights: weights(lambda), covariates: covariates)
    }

    /// The log-likelihood at λ.
    public func logLikelihood(_ lambda: Double, _ kind: LikelihoodKind) -> Double {
        let p = projection(lambda)
        let logDetH = eigenvalues.reduce(0) { $0 + log(lambda * $1 + 1) }
        let yPy = p.quadratic(trait)
        switch kind {
        case .maximum:
            let nd = Double(n)
            return 0.5 * nd * (log(nd) - log(2 * Double.pi) - 1) - 0.5 * logDetH - 0.5 * nd * log(yPy)
        case .restricted:
            let df = Double(n - c)
            return 0.5 * df * (log(df) - log(2 * Double.pi) - 1) - 0.5 * logDetH
                - 0.5 * p.logDeterminant + 0.5 * logDetCovariates - 0.5 * df * log(yPy)
        }
    }

    /// d log L / dλ.
    public func derivative(_ lambda: Double, _ kind: LikelihoodKind) -> Double {
        let p = projection(lambda)
        let r = p.apply(trait)
        var yPy = 0.0, yPDPy = 0.0, traceHiD = 0.0
        for k in 0..<n {
            yPy += trait[k] * r[k]
            yPDPy += eigenvalues[k] * r[k] * r[k]
            traceHiD += eigenvalues[k] * p.weights[k]
        }
        switch kind {
        case .maximum:
            return -0.5 * traceHiD + 0.5 * Double(n) * yPDPy / yPy
        case .restricted:
            var tracePD = traceHiD
            p.whitened.storage.withUnsafeBufferPointer { z in
                for j in 0..<c { for k in 0..<n { tracePD -= eigenvalues[k] * z[k + j * n] * z[k + j * n] } }
            }
            return -0.5 * tracePD + 0.5 * Double(n - c) * yPDPy / yPy
        }
    }

    /// The residual variance τ⁻¹ at λ.
    public func residualVariance(_ lambda: Double, _ kind: LikelihoodKind) -> Double {
        projection(lambda).quadratic(trait) / Double(kind == .maximum ? n : n - c)
    }

    /// λ maximising the likelihood, searched as GEMMA does.
    public func fit(_ kind: LikelihoodKind) -> UnivariateNullFit {
        let (lo, hi) = UnivariateNull.lambdaRange
        let m = UnivariateNull.intervals
        let grid = (0...m).map { exp(log(lo) + Double($0) * (log(hi) - log(lo)) / Double(m)) }
        let slopes = grid.map { derivative($0, kind) }
        var best: (lambda: Double, logL: Double)?
        for i in 0..<m where slopes[i] * slopes[i + 1] <= 0 {
            let root = brentRoot(lower: grid[i], upper: grid[i + 1], fLower: slopes[i], fUpper: slopes[i + 1]) {
                derivative($0, kind)
            }
            let value = logLikelihood(root, kind)
            if best == nil || value > best!.logL { best = (root, value) }
        }
        // The ends compete too: a sign change can be a minimum, and the maximum can sit on the boundary.
        for end in [lo, hi] {
            let value = logLikelihood(end, kind)
            if best == nil || value > best!.logL { best = (end, value) }
        }
        return UnivariateNullFit(lambda: best!.lambda, logLikelihood: best!.logL,
                                 ve: residualVariance(best!.lambda, kind))
    }
}

/// A root of `f` in [lower, upper] where `f` changes sign, by Brent's method (zeroin) to a relative
/// tolerance of 1e-13 on the argument.
func brentRoot(lower: Double, upper: Double, fLower: Double, fUpper: Double, _ f: (Double) -> Double) -> Double {
    var a = lower, b = upper, fa = fLower, fb = fUpper
    if fa == 0 { return a }
    if fb == 0 { return b }
    var c = a, fc = fa
    var d = b - a, e = d
    for _ in 0..<200 {
        if (fb > 0) == (fc > 0) { c = a; fc = fa; d = b - a; e = d }
        if abs(fc) < abs(fb) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa }
        let tolerance = 2 * Double.ulpOfOne * abs(b) + 0.5e-13 * abs(b)
        let m = 0.5 * (c - b)
        if abs(m) <= tolerance || fb == 0 { return b }
        if abs(e) >= tolerance && abs(fa) > abs(fb) {
            let s = fb / fa
            var p: Double, q: Double
            if a == c {
                p = 2 * m * s; q = 1 - s
            } else {
                let qq = fa / fc, r = fb / fc
                p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1))
                q = (qq - 1) * (r - 1) * (s - 1)
            }
            if p > 0 { q = -q } else { p = -p }
            if 2 * p < min(3 * m * q - abs(tolerance * q), abs(e * q)) {
                e = d; d = p / q
            } else {
                d = m; e = m
            }
        } else {
            d = m; e = m
        }
        a = b; fa = fb
        b += abs(d) > tolerance ? d : (m > 0 ? tolerance : -tolerance)
        fb = f(b)
    }
    return b
}
