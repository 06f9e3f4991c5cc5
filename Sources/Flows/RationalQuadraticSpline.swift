import Foundation

/// A monotone rational-quadratic spline on [−B, B] with K bins and identity tails
/// (Durkan et al. 2019, "Neural Spline Flows"), one scalar coordinate at a time.
///
/// Parameters per coordinate: 3K − 1 unconstrained values `(θ_w[K], θ_h[K], θ_d[K−1])`:
///
///     widths  W = 2B · (m + (1 − mK) softmax(θ_w)),  knots X_0 = −B, X_k = X_0 + Σ_{j<k} W_j, X_K = B
///     heights H, knots Y likewise from θ_h
///     interior derivatives δ_k = m + softplus(θ_d,k + c), k = 1 … K−1;  δ_0 = δ_K = 1
///
/// with m = 1e-3 and c = log(e^{1−m} − 1), so θ = 0 is the identity map. Inside bin k, with
/// ξ = (x − X_k)/W_k, s = H_k/W_k, t = ξ(1 − ξ):
///
///     y = Y_k + H_k (s ξ² + δ_k t) / (s + (δ_{k+1} + δ_k − 2s) t)
///     dy/dx = s² (δ_{k+1} ξ² + 2 s t + δ_k (1 − ξ)²) / (s + (δ_{k+1} + δ_k − 2s) t)²
///
/// Outside [−B, B] the map is the identity (slope 1 matches δ_0 = δ_K = 1, so y is C¹).
/// The inverse solves the quadratic in ξ with the numerically stable root.
struct RationalQuadraticSpline<S: FlowScalar> {
    /// Number of bins K.
    let bins: Int
    /// Tail bound B.
    let bound: S
    let minimum: S = 1e-3

    /// Raw parameters per coordinate.
    var parameterCount: Int { 3 * bins - 1 }

    /// Scalars of work space `knots` needs.
    var workCount: Int { 7 * bins + 3 }

    private var derivativeOffset: S { S.log(S.exp(1 - minimum) - 1) }

    /// The knots of one coordinate from its raw parameters (`raw[m * stride]`, m < 3K − 1), laid
    /// out in `work`: X[0…K], Y[0…K], δ[0…K], softmax_w[K], softmax_h[K], σ(θ_d + c)[K−1].
    func knots(_ raw: UnsafePointer<S>, stride: Int, work: UnsafeMutablePointer<S>) {
        let k = bins
        let x = work, y = work + (k + 1), d = work + 2 * (k + 1)
        let sw = work + 3 * (k + 1), sh = sw + k, sd = sh + k
        softmax(raw, stride: stride, into: sw)
        softmax(raw + k * stride, stride: stride, into: sh)
        cumulate(sw, into: x)
        cumulate(sh, into: y)
        d[0] = 1
        d[k] = 1
        let c = derivativeOffset
        for j in 1..<k {
            let z = raw[(2 * k + j - 1) * stride] + c
            d[j] = minimum + S.softplus(z)
            sd[j - 1] = S.sigmoid(z)
        }
    }

    private func softmax(_ raw: UnsafePointer<S>, stride: Int, into out: UnsafeMutablePointer<S>) {
        var top = raw[0]
        for j in 1..<bins { top = max(top, raw[j * stride]) }
        var sum: S = 0
        for j in 0..<bins { out[j] = S.exp(raw[j * stride] - top); sum += out[j] }
        for j in 0..<bins { out[j] /= sum }
    }

    private func cumulate(_ fractions: UnsafePointer<S>, into knots: UnsafeMutablePointer<S>) {
        let scale = 1 - minimum * S(bins)
        knots[0] = -bound
        var acc: S = 0
        for j in 0..<(bins - 1) {
            acc += minimum + scale * fractions[j]
            knots[j + 1] = -bound + 2 * bound * acc
        }
        knots[bins] = bound
    }

    /// The bin of `v` among knots `t[0…K]` (v inside [t_0, t_K]).
    private func bin(_ v: S, _ t: UnsafePointer<S>) -> Int {
        var j = 0
        while j < bins - 1 && v >= t[j + 1] { j += 1 }
        return j
    }

    /// y = g(x) and log g'(x), given `knots` already in `work`.
    func forward(_ xv: S, work: UnsafePointer<S>) -> (y: S, logDerivative: S) {
        if xv < -bound || xv > bound { return (xv, 0) }
        let k = bins
        let x = work, y = work + (k + 1), d = work + 2 * (k + 1)
        let j = bin(xv, x)
        let w = x[j + 1] - x[j], h = y[j + 1] - y[j]
        let s = h / w, xi = (xv - x[j]) / w, t = xi * (1 - xi)
        let den = s + (d[j + 1] + d[j] - 2 * s) * t
        let out = y[j] + h * (s * xi * xi + d[j] * t) / den
        let m = d[j + 1] * xi * xi + 2 * s * t + d[j] * (1 - xi) * (1 - xi)
        return (out, 2 * S.log(s) + S.log(m) - 2 * S.log(den))
    }

    /// x = g⁻¹(y), given `knots` already in `work`.
    func inverse(_ yv: S, work: UnsafePointer<S>) -> S {
        if yv < -bound || yv > bound { return yv }
        let k = bins
        let x = work, y = work + (k + 1), d = work + 2 * (k + 1)
        let j = bin(yv, y)
        let w = x[j + 1] - x[j], h = y[j + 1] - y[j]
        let s = h / w, r = yv - y[j], e = d[j + 1] + d[j] - 2 * s
        let a = h * (s - d[j]) + r * e
        let b = h * d[j] - r * e
        let c = -s * r
        let disc = max(b * b - 4 * a * c, 0)
        let xi = 2 * c / (-b - disc.squareRoot())
        return x[j] + xi * w
    }

    /// Back-propagation for one element: given dL/dy and dL/d(log g'), returns dL/dx and writes
    /// dL/dθ into `rawGradient[m * stride]` (overwritten, all 3K − 1 entries). `work` holds the
    /// knots; `scratch` needs 2K + 2 scalars.
    func backward(_ xv: S, dy: S, dLog: S, work: UnsafePointer<S>, rawGradient: UnsafeMutablePointer<S>,
                  stride: Int, scratch: UnsafeMutablePointer<S>) -> S {
        let k = bins
        for m in 0..<parameterCount { rawGradient[m * stride] = 0 }
        if xv < -bound || xv > bound { return dy }
        let x = work, y = work + (k + 1), d = work + 2 * (k + 1)
        let sw = work + 3 * (k + 1), sh = sw + k, sd = sh + k
        let j = bin(xv, x)
        let w = x[j + 1] - x[j], h = y[j + 1] - y[j]
        let s = h / w, xi = (xv - x[j]) / w, t = xi * (1 - xi)
        let e = d[j + 1] + d[j] - 2 * s
        let den = s + e * t
        let num = s * xi * xi + d[j] * t
        let m = d[j + 1] * xi * xi + 2 * s * t + d[j] * (1 - xi) * (1 - xi)
        let den2 = den * den
        // Partial derivatives of y and ℓ = log g' in (ξ, s, δ_j, δ_{j+1}); H and Y enter y directly.
        let denXi = e * (1 - 2 * xi), denS = 1 - 2 * t
        let yXi = h * ((2 * s * xi + d[j] * (1 - 2 * xi)) * den - num * denXi) / den2
        let yS = h * (xi * xi * den - num * denS) / den2
        let yD0 = h * (t * den - num * t) / den2
        let yD1 = -h * num * t / den2
        let mXi = 2 * d[j + 1] * xi + 2 * s * (1 - 2 * xi) - 2 * d[j] * (1 - xi)
        let lXi = mXi / m - 2 * denXi / den
        let lS = 2 / s + 2 * t / m - 2 * denS / den
        let lD0 = (1 - xi) * (1 - xi) / m - 2 * t / den
        let lD1 = xi * xi / m - 2 * t / den
        let gXi = dy * yXi + dLog * lXi, gS = dy * yS + dLog * lS
        let dW = -(gXi * xi + gS * s) / w
        let dH = dy * num / den + gS / w
        // Knot gradients: X_j directly (−gξ/W) and through W_j = X_{j+1} − X_j; Y likewise.
        let dX = scratch, dY = scratch + (k + 1)
        for q in 0...k { dX[q] = 0; dY[q] = 0 }
        dX[j] += -gXi / w - dW
        dX[j + 1] += dW
        dY[j] += dy - dH
        dY[j + 1] += dH
        knotBackward(dX, fractions: sw, raw: rawGradient, stride: stride)
        knotBackward(dY, fractions: sh, raw: rawGradient + k * stride, stride: stride)
        let gD0 = dy * yD0 + dLog * lD0, gD1 = dy * yD1 + dLog * lD1
        if j >= 1 { rawGradient[(2 * k + j - 1) * stride] = gD0 * sd[j - 1] }
        if j + 1 <= k - 1 { rawGradient[(2 * k + j) * stride] = gD1 * sd[j] }
        return gXi / w
    }

    /// From dL/dknot (interior knots 1…K−1 move; the end knots are fixed) to dL/dθ through the
    /// cumulative sum and the softmax.
    private func knotBackward(_ dKnot: UnsafeMutablePointer<S>, fractions p: UnsafePointer<S>,
                              raw: UnsafeMutablePointer<S>, stride: Int) {
        let scale = 2 * bound * (1 - minimum * S(bins))
        // dL/dsoftmax_j = scale · Σ_{q=j+1}^{K−1} dKnot_q
        var suffix: S = 0
        var dot: S = 0
        var jj = bins - 1
        while jj >= 0 {
            let g = scale * suffix
            raw[jj * stride] = g
            dot += g * p[jj]
            if jj >= 1 { suffix += dKnot[jj] }
            jj -= 1
        }
        for jj in 0..<bins { raw[jj * stride] = p[jj] * (raw[jj * stride] - dot) }
    }
}
