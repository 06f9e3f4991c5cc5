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

    /// The levels this CPU can run: portable C, then each vector level up to `gwf_simd_level()`.
    static let levels: [Int32] = Array(Int32(GWF_PORTABLE)...max(Int32(GWF_PORTABLE), gwf_simd_level()))

    /// `gwf_dense` with its Swish epilogue applied to `values` themselves (column j starts at
    /// j · leading): column by column, a product of depth 1 with B = [1] (fma(x, 1, 0) = x), so that
    /// a = x + bias[j].
    static func swish(level: Int32, _ values: [Float], bias: [Float], rows: Int, leading: Int) -> (values: [Float], derivative: [Float]) {
        var out = [Float](repeating: 7, count: values.count), d = out
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                d.withUnsafeMutableBufferPointer { d in
                    for j in bias.indices {
                        let at = j * leading
                        gwf_dense_at(level, v.baseAddress! + at, leading, [1], 1, 0, o.baseAddress! + at, leading, rows, 1, 1,
                                     [bias[j]], d.baseAddress! + at, Int32(GWF_DENSE_SWISH))
                    }
                }
            }
        }
        return (out, d)
    }

    /// The Swish epilogue of `gwf_dense` at every level the CPU has: bit-identical to the portable C
    /// code, finite, and within 4e-7 relative of Double (h) and 3e-7 of max(1, |d|) (derivative) —
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
            Self.swish(level: level, input, bias: bias, rows: rows, leading: leading)
        }
        let portable = run(level: Int32(GWF_PORTABLE))
        for level in Self.levels.dropFirst() {
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
        let limits = Self.swish(level: gwf_simd_level(), [.greatestFiniteMagnitude, -.greatestFiniteMagnitude], bias: [0],
                                rows: 2, leading: 2)
        XCTAssertEqual(limits.values, [.greatestFiniteMagnitude, 0])
        XCTAssertEqual(limits.derivative, [1, 0])
    }

    /// `gwf_dense` at every level against the product written out in Swift (a chain of fused
    /// multiply-adds over k from 0): the same bits for B and Bᵀ layouts, every epilogue, row counts
    /// that fill whole tiles, 16-row blocks and short tails, column counts off the tile width, depth 0,
    /// and a leading dimension past `rows` whose extra rows stay untouched.
    func testDenseProductGivesTheBitsOfTheFusedMultiplyAddChain() {
        var g = SeededGenerator(seed: 11)
        for (rows, columns, depth) in [(128, 128, 128), (83, 9, 130), (7, 5, 3), (16, 2, 128), (64, 4, 0), (200, 7, 2), (1, 1, 1)] {
            let lda = rows + 5, ldc = rows + 3
            let a = (0..<(lda * max(depth, 1))).map { _ in Float(g.normal()) }
            let w = (0..<(depth * columns)).map { _ in Float(g.normal()) * 0.3 }
            let bias = (0..<columns).map { _ in Float(g.normal()) }
            let factors = (0..<(ldc * columns)).map { _ in Float(g.normal()) }
            for transposed in [false, true] {
                // B[k, j] = w[k + j depth], or w[j + k columns] (Bᵀ stored columns × depth).
                let (rs, cs) = transposed ? (columns, 1) : (1, depth)
                var p = [Float](repeating: 7, count: ldc * columns)
                for j in 0..<columns {
                    for i in 0..<rows {
                        var acc: Float = 0
                        for k in 0..<depth { acc = acc.addingProduct(a[i + k * lda], w[k * rs + j * cs]) }
                        p[i + j * ldc] = acc
                    }
                }
                var expectBias = p, expectTimes = p
                for j in 0..<columns {
                    for i in 0..<rows {
                        expectBias[i + j * ldc] = p[i + j * ldc] + bias[j]
                        expectTimes[i + j * ldc] = p[i + j * ldc] * factors[i + j * ldc]
                    }
                }
                let swish = Self.swish(level: Int32(GWF_PORTABLE), p, bias: bias, rows: rows, leading: ldc)
                for level in Self.levels {
                    func run(_ epilogue: Int32, _ extra: [Float]) -> (c: [Float], extra: [Float]) {
                        var c = [Float](repeating: 7, count: ldc * columns), e = extra
                        gwf_dense_at(level, a, lda, w, rs, cs, &c, ldc, rows, columns, depth, bias, &e, epilogue)
                        return (c, e)
                    }
                    let label = "level \(level), \(rows) × \(columns) × \(depth), transposed \(transposed)"
                    let sevens = [Float](repeating: 7, count: ldc * columns)
                    XCTAssertEqual(run(Int32(GWF_DENSE_STORE), sevens).c.map(\.bitPattern), p.map(\.bitPattern), label)
                    XCTAssertEqual(run(Int32(GWF_DENSE_BIAS), sevens).c.map(\.bitPattern), expectBias.map(\.bitPattern), label)
                    XCTAssertEqual(run(Int32(GWF_DENSE_TIMES), factors).c.map(\.bitPattern), expectTimes.map(\.bitPattern), label)
                    let fused = run(Int32(GWF_DENSE_SWISH), sevens)
                    XCTAssertEqual(fused.c.map(\.bitPattern), swish.values.map(\.bitPattern), label)
                    XCTAssertEqual(fused.extra.map(\.bitPattern), swish.derivative.map(\.bitPattern), label)
                }
            }
        }
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
