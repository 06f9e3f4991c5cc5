import Foundation
import Numerics

/// A fitted multivariate null model: `Y = W A + G + E`, `G ~ MN(0, K, Vg)`, `E ~ MN(0, I, Ve)`.
public struct MultivariateNullFit {
    /// Genetic covariance Vg (d × d).
    public var vg: Matrix<Double>
    /// Environmental covariance Ve (d × d).
    public var ve: Matrix<Double>
    /// Log-likelihood at (Vg, Ve), ML or REML.
    public var logLikelihood: Double
    /// EM iterations and Newton iterations used.
    public var emIterations: Int
    public var newtonIterations: Int
    /// Whether Newton's method met its tolerance (false: stopped at the iteration limit).
    public var converged: Bool
}

/// The multivariate null LMM in the eigenbasis of K: the rotated rows are independent,
/// `y_k ~ N(B w_k, H_k)` with `H_k = δ_k Vg + Ve` (d × d).
///
/// The fit follows GEMMA 0.98.5's sequence (lmm_spec.md): start from each trait's univariate
/// REML (diagonal Vg, Ve); REML by EM (until the log-likelihood changes by < 1e-4, at most 10,000
/// iterations) then Newton–Raphson; then ML by EM and Newton from the REML values. The score test
/// uses the ML values.
///
/// With B profiled out by GLS, residuals `r_k`, `Q = Σ_k (w_k w_kᵀ) ⊗ H_k⁻¹` and
/// `S_k = (w_kᵀ ⊗ I) Q⁻¹ (w_k ⊗ I)`, the log-likelihoods are
///
///     ML:    −nd/2 log 2π − ½ Σ log|H_k| − ½ Σ r_kᵀ H_k⁻¹ r_k
///     REML:  −(n−c)d/2 log 2π − ½ Σ log|H_k| − ½ log|Q| + d/2 log|WᵀW| − ½ Σ r_kᵀ H_k⁻¹ r_k
///
/// and, with `A_k = H_k⁻¹ r_k r_kᵀ H_k⁻¹ − H_k⁻¹ (+ H_k⁻¹ S_k H_k⁻¹ for REML)`, the gradients are
/// `∂l/∂Vg = ½ Σ δ_k A_k`, `∂l/∂Ve = ½ Σ A_k`. EM is the update `V ← V + (2/m) V (∂l/∂V) V`
/// (m = number of terms: individuals with δ_k > 0 for Vg, all for Ve), which is the classical EM
/// (and EM-REML) step; Newton uses the analytic gradient over the d(d+1) distinct entries and a
/// Hessian by central differences of it, with step halving to keep both matrices positive definite
/// and the likelihood increasing. Newton stops when a full step changes every entry by less than
/// 1e-10 relative to the diagonal scale (well inside GEMMA's 1e-4 on the log-likelihood).
public struct MultivariateNull {
    /// Eigenvalues δ of K (n).
    public let eigenvalues: [Double]
    /// Rotated covariates UᵀW (n × c).
    public let covariates: Matrix<Double>
    /// Rotated traits UᵀY (n × d).
    public let traits: Matrix<Double>
    let logDetCovariates: Double

    public init(eigenvalues: [Double], covariates: Matrix<Double>, traits: Matrix<Double>) throws {
        precondition(traits.rows == covariates.rows, "one row of traits per individual")
        logDetCovariates = try WeightedProjection.covariateLogDeterminant(covariates, eigenvalues: eigenvalues)
        self.eigenvalues = eigenvalues
        self.covariates = covariates
        self.traits = traits
    }

    var n: Int { traits.rows }
    var c: Int { covariates.columns }
    var d: Int { traits.columns }

    /// Log-likelihood and its gradient matrices at (Vg, Ve); nil when some H_k or Q is not positive definite.
    struct Evaluation {
        var logLikelihood: Double
        var gradientG: Matrix<Double>
        var gradientE: Matrix<Double>
    }

    func evaluate(vg: Matrix<Double>, ve: Matrix<Double>, _ kind: LikelihoodKind, gradient: Bool = true) -> Evaluation? {
        let n = self.n, c = self.c, d = self.d, cd = c * d, dd = d * d
        var hInverse = [Double](repeating: 0, count: n * dd)
        var logDetH = 0.0
        var q = [Double](repeating: 0, count: cd * cd)
        var b = [Double](repeating: 0, count: cd)
        var h = [Double](repeating: 0, count: dd)
        var hy = [Double](repeating: 0, count: d)
        for k in 0..<n {
            let delta = eigenvalues[k]
            for t in 0..<dd { h[t] = delta * vg.storage[t] + ve.storage[t] }
            guard let (hi, ld) = SmallMatrix.inverseSPD(h, d) else { return nil }
            logDetH += ld
            for t in 0..<dd { hInverse[k * dd + t] = hi[t] }
            for i in 0..<d {
                var v = 0.0
                for j in 0..<d { v += hi[i + j * d] * traits[k, j] }
                hy[i] = v
            }
            for a in 0..<c {
                let wa = covariates[k, a]
                for i in 0..<d { b[a * d + i] += wa * hy[i] }
                for bb in 0...a {
                    let wab = wa * covariates[k, bb]
                    for j in 0..<d { for i in 0..<d { q[(a * d + i) + (bb * d + j) * cd] += wab * hi[i + j * d] } }
                }
            }
        }
        for a in 0..<c { for bb in 0..<a { for j in 0..<d { for i in 0..<d {
            q[(bb * d + j) + (a * d + i) * cd] = q[(a * d + i) + (bb * d + j) * cd]
        } } } }
        guard let (qInverse, logDetQ) = SmallMatrix.inverseSPD(q, cd) else { return nil }
        var beta = [Double](repeating: 0, count: cd)
        for i in 0..<cd { var v = 0.0; for j in 0..<cd { v += qInverse[i + j * cd] * b[j] }; beta[i] = v }

        var quadratic = 0.0
        var gradientG = Matrix<Double>(rows: d, columns: d), gradientE = Matrix<Double>(rows: d, columns: d)
        var r = [Double](repeating: 0, count: d), py = [Double](repeating: 0, count: d)
        var s = [Double](repeating: 0, count: dd), hs = [Double](repeating: 0, count: dd)
        for k in 0..<n {
            for i in 0..<d {
                var v = traits[k, i]
                for a in 0..<c { v -= covariates[k, a] * beta[a * d + i] }
                r[i] = v
            }
            let base = k * dd
            for i in 0..<d {
                var v = 0.0
                for j in 0..<d { v += hInverse[base + i + j * d] * r[j] }
                py[i] = v
            }
            for i in 0..<d { quadratic += r[i] * py[i] }
            guard gradient else { continue }
            // A_k = py pyᵀ − H⁻¹ (+ H⁻¹ S_k H⁻¹).
            var aK = [Double](repeating: 0, count: dd)
            for j in 0..<d { for i in 0..<d { aK[i + j * d] = py[i] * py[j] - hInverse[base + i + j * d] } }
            if kind == .restricted {
                for t in 0..<dd { s[t] = 0 }
                for a in 0..<c {
                    let wa = covariates[k, a]
                    for bb in 0..<c {
                        let wab = wa * covariates[k, bb]
                        for j in 0..<d { for i in 0..<d { s[i + j * d] += wab * qInverse[(a * d + i) + (bb * d + j) * cd] } }
                    }
                }
                for j in 0..<d { for i in 0..<d {
                    var v = 0.0
                    for t in 0..<d { v += s[i + t * d] * hInverse[base + t + j * d] }
                    hs[i + j * d] = v
                } }
                for j in 0..<d { for i in 0..<d {
                    var v = 0.0
                    for t in 0..<d { v += hInverse[base + i + t * d] * hs[t + j * d] }
                    aK[i + j * d] += v
                } }
            }
            let delta = eigenvalues[k]
            for t in 0..<dd {
                gradientG.storage[t] += 0.5 * delta * aK[t]
                gradientE.storage[t] += 0.5 * aK[t]
            }
        }
        let nd = Double(n * d)
        var logL: Double
        switch kind {
        case .maximum:
            logL = -0.5 * nd * log(2 * Double.pi) - 0.5 * logDetH - 0.5 * quadratic
        case .restricted:
            logL = -0.5 * Double((n - c) * d) * log(2 * Double.pi) - 0.5 * logDetH - 0.5 * logDetQ
                + 0.5 * Double(d) * logDetCovariates - 0.5 * quadratic
        }
        return Evaluation(logLikelihood: logL, gradientG: gradientG, gradientE: gradientE)
    }

    /// GEMMA's starting point: each trait's univariate REML fit on the diagonals, zero off-diagonals.
    public func initialValues() throws -> (vg: Matrix<Double>, ve: Matrix<Double>) {
        var vg = Matrix<Double>(rows: d, columns: d), ve = Matrix<Double>(rows: d, columns: d)
        for t in 0..<d {
            let fit = try UnivariateNull(eigenvalues: eigenvalues, covariates: covariates, trait: traits.column(t)).fit(.restricted)
            vg[t, t] = fit.vg
            ve[t, t] = fit.ve
        }
        return (vg, ve)
    }

    /// REML then ML, each by EM then Newton (GEMMA's sequence); returns both fits.
    public func fitGEMMA() throws -> (restricted: MultivariateNullFit, maximum: MultivariateNullFit) {
        let start = try initialValues()
        let reml = try fit(.restricted, vg: start.vg, ve: start.ve)
        let ml = try fit(.maximum, vg: reml.vg, ve: reml.ve)
        return (reml, ml)
    }

    /// Maximises the likelihood from (vg, ve) by EM then Newton.
    public func fit(_ kind: LikelihoodKind, vg startG: Matrix<Double>, ve startE: Matrix<Double>,
                    emTolerance: Double = 1e-4, emIterations: Int = 10_000, newtonIterations: Int = 100) throws -> MultivariateNullFit {
        var vg = startG, ve = startE
        guard var current = evaluate(vg: vg, ve: ve, kind) else {
            throw AssociationError.varianceNotPositiveDefinite("starting Vg/Ve")
        }
        let positive = Double(eigenvalues.filter { $0 > 0 }.count)
        var em = 0
        while em < emIterations {
            let nextG = SmallMatrix.symmetrized(emStep(vg, current.gradientG, terms: positive))
            let nextE = SmallMatrix.symmetrized(emStep(ve, current.gradientE, terms: Double(n)))
            guard let next = evaluate(vg: nextG, ve: nextE, kind) else { break }
            em += 1
            let change = next.logLikelihood - current.logLikelihood
            vg = nextG; ve = nextE; current = next
            if abs(change) < emTolerance { break }
        }
        var newton = 0
        var converged = false
        let layout = ParameterLayout(d: d)
        while newton < newtonIterations {
            newton += 1
            let theta = layout.pack(vg, ve)
            let g = layout.gradient(current)
            let scales = layout.scales(vg, ve)
            let hessian = numericalHessian(theta, scales: scales, layout: layout, kind)
            guard let direction = newtonDirection(hessian: hessian, gradient: g, count: layout.count) else { break }
            var step = 1.0
            var accepted = false
            while step > 1e-10 {
                let trial = zip(theta, direction).map { $0 + step * $1 }
                let (tg, te) = layout.unpack(trial)
                if SmallMatrix.isPositiveDefinite(tg) && SmallMatrix.isPositiveDefinite(te),
                   let e = evaluate(vg: tg, ve: te, kind),
                   e.logLikelihood >= current.logLikelihood - 1e-12 * abs(current.logLikelihood) {
                    vg = tg; ve = te; current = e
                    accepted = true
                    break
                }
                step /= 2
            }
            guard accepted else { break }
            let relative = zip(direction, scales).map { abs(step * $0) / $1 }.max() ?? 0
            if step == 1 && relative < 1e-10 { converged = true; break }
            if relative < 1e-13 { converged = true; break }
        }
        return MultivariateNullFit(vg: vg, ve: ve, logLikelihood: current.logLikelihood,
                                   emIterations: em, newtonIterations: newton, converged: converged)
    }

    /// `V + (2/m) V G V`.
    func emStep(_ v: Matrix<Double>, _ g: Matrix<Double>, terms: Double) -> Matrix<Double> {
        let vgv = SmallMatrix.product(SmallMatrix.product(v, g), v)
        var out = v
        for t in out.storage.indices { out.storage[t] += 2 / terms * vgv.storage[t] }
        return out
    }

    /// Central differences of the analytic gradient, symmetrised.
    func numericalHessian(_ theta: [Double], scales: [Double], layout: ParameterLayout, _ kind: LikelihoodKind) -> [Double] {
        let p = layout.count
        var hessian = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            let h = 1e-5 * scales[j]
            var plus = theta, minus = theta
            plus[j] += h; minus[j] -= h
            let (pg, pe) = layout.unpack(plus), (mg, me) = layout.unpack(minus)
            guard let up = evaluate(vg: pg, ve: pe, kind), let down = evaluate(vg: mg, ve: me, kind) else { continue }
            let gu = layout.gradient(up), gd = layout.gradient(down)
            for i in 0..<p { hessian[i + j * p] = (gu[i] - gd[i]) / (2 * h) }
        }
        for j in 0..<p { for i in 0..<j {
            let v = 0.5 * (hessian[i + j * p] + hessian[j + i * p])
            hessian[i + j * p] = v; hessian[j + i * p] = v
        } }
        return hessian
    }

    /// `−H⁻¹ g` when −H is positive definite (an ascent direction), else nil.
    func newtonDirection(hessian: [Double], gradient: [Double], count p: Int) -> [Double]? {
        guard let (inverse, _) = SmallMatrix.inverseSPD(hessian.map { -$0 }, p) else { return nil }
        return (0..<p).map { i in (0..<p).reduce(0) { $0 + inverse[i + $1 * p] * gradient[$1] } }
    }
}

/// The d(d+1) distinct entries of (Vg, Ve) as one parameter vector: vech(Vg) then vech(Ve).
struct ParameterLayout {
    let d: Int
    let pairs: [(Int, Int)]
    init(d: Int) {
        self.d = d
        var pairs: [(Int, Int)] = []
        for j in 0..<d { for i in 0...j { pairs.append((i, j)) } }
        self.pairs = pairs
    }
    var count: Int { 2 * pairs.count }

    func pack(_ vg: Matrix<Double>, _ ve: Matrix<Double>) -> [Double] {
        pairs.map { vg[$0.0, $0.1] } + pairs.map { ve[$0.0, $0.1] }
    }

    func unpack(_ theta: [Double]) -> (Matrix<Double>, Matrix<Double>) {
        var vg = Matrix<Double>(rows: d, columns: d), ve = Matrix<Double>(rows: d, columns: d)
        for (t, (i, j)) in pairs.enumerated() {
            vg[i, j] = theta[t]; vg[j, i] = theta[t]
            ve[i, j] = theta[pairs.count + t]; ve[j, i] = theta[pairs.count + t]
        }
        return (vg, ve)
    }

    /// ∂l/∂θ from the gradient matrices: G_ii on the diagonal, G_ij + G_ji off it.
    func gradient(_ e: MultivariateNull.Evaluation) -> [Double] {
        func entry(_ g: Matrix<Double>, _ i: Int, _ j: Int) -> Double { i == j ? g[i, i] : g[i, j] + g[j, i] }
        return pairs.map { entry(e.gradientG, $0.0, $0.1) } + pairs.map { entry(e.gradientE, $0.0, $0.1) }
    }

    /// Step scale of each entry: sqrt(V_ii V_jj) of its matrix (floored to stay positive).
    func scales(_ vg: Matrix<Double>, _ ve: Matrix<Double>) -> [Double] {
        func scale(_ v: Matrix<Double>, _ i: Int, _ j: Int) -> Double {
            max((abs(v[i, i]) * abs(v[j, j])).squareRoot(), 1e-8)
        }
        return pairs.map { scale(vg, $0.0, $0.1) } + pairs.map { scale(ve, $0.0, $0.1) }
    }
}
