import Foundation

/// The exact full-data latent log-likelihood as a function of λ with the flow fixed (method.md §4):
///
///     l(λ) = −(p/2) [Σ_k log d_k + (n − r) log λ] − ½ [Σ_k ‖R_k‖²/d_k + (‖U‖² − ‖R‖²)/λ],
///     d_k = λ + (1 − λ) e_k,
///
/// the n − r null directions of a low-rank G entering at eigenvalue 0. It costs O(r) per
/// evaluation once `R = Qᵀ U` is known.
public struct LambdaObjective {
    /// Eigenvalues e_k of the rescaled G.
    public let eigenvalues: [Double]
    /// ‖R_k‖² and the null-space remainder.
    public let residuals: SpectralResiduals
    /// Number of null directions n − r.
    public let nullCount: Int

    /// The objective for the latent matrix whose residuals against `spectrum` are given.
    public init(spectrum: RelatednessSpectrum, residuals: SpectralResiduals) {
        precondition(residuals.perEigen.count == spectrum.rank, "one residual per eigenvalue")
        eigenvalues = spectrum.values
        self.residuals = residuals
        nullCount = spectrum.count - spectrum.rank
    }

    /// l(λ).
    public func value(_ lambda: Double) -> Double {
        let p = Double(residuals.dimension)
        var logDet = Double(nullCount) * log(lambda), trace = residuals.complement / lambda
        for (k, e) in eigenvalues.enumerated() {
            let d = lambda + (1 - lambda) * e
            logDet += log(d)
            trace += residuals.perEigen[k] / d
        }
        return -0.5 * p * logDet - 0.5 * trace
    }

    /// dl/dλ.
    public func derivative(_ lambda: Double) -> Double {
        let p = Double(residuals.dimension)
        var logDet = Double(nullCount) / lambda, trace = -residuals.complement / (lambda * lambda)
        for (k, e) in eigenvalues.enumerated() {
            let d = lambda + (1 - lambda) * e
            logDet += (1 - e) / d
            trace -= residuals.perEigen[k] * (1 - e) / (d * d)
        }
        return -0.5 * p * logDet - 0.5 * trace
    }
}
