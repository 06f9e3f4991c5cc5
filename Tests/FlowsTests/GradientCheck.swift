import Flows
import Numerics
import XCTest

/// Central finite-difference checks of `Bijection.backward` in Double.
///
/// The scalar checked is `L = Σ_ij W_ij z_ij + Σ_i v_i log|det J(x_i)|` with fixed random W and
/// v, so both the output and the log-determinant paths are exercised; the analytic gradients
/// come from one `backward(outputGradient: W, logDetGradient: v)`.
enum GradientCheck {
    static func loss(_ f: any Bijection<Double>, _ x: Matrix<Double>, _ w: Matrix<Double>, _ v: [Double]) -> Double {
        let (z, logDet) = f.forward(x)
        var s = 0.0
        for i in z.storage.indices { s += w.storage[i] * z.storage[i] }
        for i in logDet.indices { s += v[i] * logDet[i] }
        return s
    }

    /// Norm-wise relative error ‖a − b‖ / max(‖b‖, floor).
    static func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-8) -> Double {
        var d = 0.0, nb = 0.0
        for i in a.indices { d += (a[i] - b[i]) * (a[i] - b[i]); nb += b[i] * b[i] }
        return d.squareRoot() / max(nb.squareRoot(), floor)
    }

    /// Asserts that input and parameter gradients of `f` at `x` match central differences.
    static func check(_ f: any Bijection<Double>, at x: Matrix<Double>, seed: UInt64, tolerance: Double = 1e-5,
                      step h: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line) {
        var g = SeededGenerator(seed: seed)
        var w = Matrix<Double>(rows: x.rows, columns: x.columns)
        for i in w.storage.indices { w.storage[i] = g.normal() }
        let v = (0..<x.rows).map { _ in g.normal() }

        f.zeroGradients()
        _ = f.forward(x)
        let dx = f.backward(outputGradient: w, logDetGradient: v)

        var numeric = [Double](repeating: 0, count: x.storage.count)
        var xp = x
        for i in x.storage.indices {
            xp.storage[i] = x.storage[i] + h
            let up = loss(f, xp, w, v)
            xp.storage[i] = x.storage[i] - h
            let down = loss(f, xp, w, v)
            xp.storage[i] = x.storage[i]
            numeric[i] = (up - down) / (2 * h)
        }
        let inputError = relativeError(dx.storage, numeric)
        XCTAssertLessThan(inputError, tolerance, "input gradient", file: file, line: line)

        for p in f.parameters {
            let analytic = p.gradient
            var num = [Double](repeating: 0, count: p.count)
            for i in 0..<p.count {
                let saved = p.value[i]
                p.value[i] = saved + h
                let up = loss(f, x, w, v)
                p.value[i] = saved - h
                let down = loss(f, x, w, v)
                p.value[i] = saved
                num[i] = (up - down) / (2 * h)
            }
            let e = relativeError(analytic, num)
            XCTAssertLessThan(e, tolerance, "gradient of \(p.name)", file: file, line: line)
        }
    }

    /// Gives every parameter a random value (scale `scale`), so that zero-initialised output
    /// layers do not make the check trivial.
    static func randomize(_ f: any Bijection<Double>, scale: Double, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        for p in f.parameters {
            for i in 0..<p.count { p.value[i] = scale * g.normal() }
        }
    }

    /// An `n × p` matrix of N(0, sd²) entries.
    static func normalMatrix(rows n: Int, columns p: Int, sd: Double = 1, seed: UInt64) -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        var x = Matrix<Double>(rows: n, columns: p)
        for i in x.storage.indices { x.storage[i] = sd * g.normal() }
        return x
    }
}
