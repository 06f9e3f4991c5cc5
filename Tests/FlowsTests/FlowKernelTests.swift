import CFlowKernels
import Flows
import Foundation
import Numerics
import XCTest

/// The Float kernels of CFlowKernels against Double references, and their instruction-set levels
/// against each other.
final class FlowKernelTests: XCTestCase {
    /// Pre-activations from −120 to 120 (past the ±87 clamp), dense near 0 and the clamp edges, and
    /// the extremes of Float.
    static let arguments: [Float] = {
        var a: [Float] = []
        for i in 0...240_000 { a.append(Float(-120 + Double(i) * 0.001)) }
        for e in stride(from: -38.0, through: 0, by: 0.25) {
            let x = Float(Foundation.pow(10, e))
            a += [x, -x]
        }
        for edge: Float in [87, -87] {
            var x = edge
            for _ in 0..<20 { x = x.nextDown }
            for _ in 0..<40 { a.append(x); x = x.nextUp }
        }
        a += [0, -0.0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e30, -1e30, 300, -300]
        return a
    }()

    /// Swish and its derivative at every level the CPU has: bit-identical to the portable C code,
    /// finite, and within 4e-7 relative of Double (h) and 3e-7 of max(1, |d|) (derivative) —
    /// absolute 1e-35 where the true values underflow past a = −87. Columns get their own bias and
    /// the rows past `rows` in each column (leading dimension > rows) are left alone.
    func testSwishMatchesDoubleAndEveryLevelAgrees() {
        let a = Self.arguments
        let rows = (a.count + 1) / 2, leading = rows + 3
        let bias: [Float] = [0, 0.25]
        var input = [Float](repeating: 7, count: 2 * leading)
        for (k, x) in a.enumerated() { input[(k % 2) * leading + k / 2] = x - bias[k % 2] }
        if a.count % 2 == 1 { input[leading + rows - 1] = -bias[1] }
        func run(level: Int32) -> (values: [Float], derivative: [Float]) {
            var v = input, d = [Float](repeating: 7, count: 2 * leading)
            gwf_swish_at(level, &v, bias, &d, rows, 2, leading)
            return (v, d)
        }
        let portable = run(level: Int32(GWF_PORTABLE))
        for level in 1...max(1, gwf_simd_level()) where level <= gwf_simd_level() {
            let other = run(level: level)
            XCTAssertEqual(other.values.map(\.bitPattern), portable.values.map(\.bitPattern), "level \(level)")
            XCTAssertEqual(other.derivative.map(\.bitPattern), portable.derivative.map(\.bitPattern), "level \(level)")
        }
        var worstH = 0.0, worstD = 0.0
        for j in 0..<2 {
            for i in 0..<rows {
                let k = j * leading + i
                let x = Double(input[k] + bias[j])   // the kernel's Float a
                let s = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
                let h = x * s, dh = s * (1 + x * (1 - s))
                let v = Double(portable.values[k]), d = Double(portable.derivative[k])
                XCTAssertTrue(v.isFinite && d.isFinite, "a = \(x)")
                worstH = max(worstH, abs(v - h) / max(abs(h), 1e-35 / 4e-7))
                worstD = max(worstD, abs(d - dh) / max(1, abs(dh)))
            }
            for i in rows..<leading {
                XCTAssertEqual(portable.values[j * leading + i], 7)
                XCTAssertEqual(portable.derivative[j * leading + i], 7)
            }
        }
        XCTAssertLessThan(worstH, 4e-7)
        XCTAssertLessThan(worstD, 3e-7)
        // The limits: a → +∞ gives h = a, d = 1; a → −∞ gives h = d = 0.
        var big: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude], d: [Float] = [0, 0]
        gwf_swish(&big, [0], &d, 2, 1, 2)
        XCTAssertEqual(big, [.greatestFiniteMagnitude, 0])
        XCTAssertEqual(d, [1, 0])
    }

    /// The Float Adamax step (`gwf_adamax` at the CPU's level) gives the bits of the rule written
    /// out in Swift, with and without weight decay, over several steps.
    func testAdamaxKernelGivesTheBitsOfTheRule() {
        var g = SeededGenerator(seed: 3)
        let n = 1003
        let p = Parameter<Float>(name: "w", value: (0..<n).map { _ in Float(g.normal()) })
        let q = Parameter<Float>(name: "b", value: (0..<n).map { _ in Float(g.normal()) }, decays: false)
        let optimizer = Optimizer<Float>(rule: .adamax, parameters: [p, q], weightDecay: 0.01)
        var theta = [p.value, q.value]
        var m = [[Float]](repeating: [Float](repeating: 0, count: n), count: 2), u = m
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        for t in 1...5 {
            for (k, par) in [p, q].enumerated() {
                par.gradient = (0..<n).map { i in i % 97 == 0 ? 0 : Float(g.normal()) }
                let wd: Float = k == 0 ? 0.01 : 0
                let rate = Float(0.03 / (1 - Foundation.pow(0.9, Double(t))))
                for i in 0..<n {
                    let grad = par.gradient[i] + wd * theta[k][i]
                    m[k][i] = b1 * m[k][i] + (1 - b1) * grad
                    u[k][i] = max(b2 * u[k][i], abs(grad) + eps)
                    theta[k][i] -= rate * m[k][i] / u[k][i]
                }
            }
            optimizer.step(learningRate: 0.03)
            XCTAssertEqual(p.value.map(\.bitPattern), theta[0].map(\.bitPattern), "step \(t)")
            XCTAssertEqual(q.value.map(\.bitPattern), theta[1].map(\.bitPattern), "step \(t)")
        }
    }
}
