import Foundation

/// Brent's method for a one-dimensional minimum (golden-section steps safeguarding parabolic
/// interpolation; Brent 1973, ch. 5), on an interval found by a coarse bracketing scan.
enum BrentMinimizer {
    /// A local minimiser of `f` on [a, b] to absolute tolerance `tolerance` (plus a relative
    /// 1e-12 · |x|), at most `maxIterations` steps.
    static func minimize(_ f: (Double) -> Double, in interval: ClosedRange<Double>, tolerance: Double,
                         maxIterations: Int = 200) -> (x: Double, value: Double) {
        let golden = 0.5 * (3 - 5.0.squareRoot())
        var a = interval.lowerBound, b = interval.upperBound
        var x = a + golden * (b - a), w = x, v = x
        var fx = f(x), fw = fx, fv = fx
        var d = 0.0, e = 0.0
        for _ in 0..<maxIterations {
            let middle = 0.5 * (a + b)
            let tol1 = 1e-12 * abs(x) + tolerance / 3, tol2 = 2 * tol1
            if abs(x - middle) <= tol2 - 0.5 * (b - a) { break }
            var goldenStep = true
            if abs(e) > tol1 {
                var r = (x - w) * (fx - fv)
                var q = (x - v) * (fx - fw)
                var p = (x - v) * q - (x - w) * r
                q = 2 * (q - r)
                if q > 0 { p = -p } else { q = -q }
                r = e
                e = d
                if abs(p) < abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x) {
                    d = p / q
                    let u = x + d
                    if u - a < tol2 || b - u < tol2 { d = x < middle ? tol1 : -tol1 }
                    goldenStep = false
                }
            }
            if goldenStep {
                e = (x < middle ? b : a) - x
                d = golden * e
            }
            let u = abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1)
            let fu = f(u)
            if fu <= fx {
                if u < x { b = x } else { a = x }
                v = w; fv = fw; w = x; fw = fx; x = u; fx = fu
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    v = w; fv = fw; w = u; fw = fu
                } else if fu <= fv || v == x || v == w {
                    v = u; fv = fu
                }
            }
        }
        return (x, fx)
    }

    /// The global-looking minimum of `f` on [a, b]: scan `points` equally spaced values, then run
    /// Brent on the two cells around the best one (the endpoints themselves are candidates too).
    static func scanAndMinimize(_ f: (Double) -> Double, in interval: ClosedRange<Double>, points: Int,
                                tolerance: Double) -> (x: Double, value: Double) {
        let a = interval.lowerBound, b = interval.upperBound
        let grid = (0...points).map { a + (b - a) * Double($0) / Double(points) }
        let values = grid.map(f)
        let best = values.indices.min { values[$0] < values[$1] }!
        let low = grid[max(0, best - 1)], high = grid[min(points, best + 1)]
        let refined = minimize(f, in: low...high, tolerance: tolerance)
        return refined.value <= values[best] ? refined : (grid[best], values[best])
    }
}
