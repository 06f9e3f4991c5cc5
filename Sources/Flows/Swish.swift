/// Swish, `a · σ(a)`, applied in place to a `rows × columns` block (column j starts at
/// `values + j · leading`; `derivative` has the same layout) plus a per-column bias
/// (`a = value + bias[j]`), together with its derivative `σ(a)(1 + a(1 − σ(a))) = s + h(1 − s)`
/// where s = σ(a), h = a·s. Adding the bias here saves a pass over the block.
///
/// This is the hottest elementwise loop of training (two `b × 128` blocks per coupling and batch).
/// In `Float` it uses a branch-free exponential (Cephes `expf` polynomial after range reduction,
/// relative error ≲ 2 ulp, argument clamped to ±87) that the compiler vectorises; in `Double`
/// (the gradient-check precision) it uses the libm exponential.
enum Swish {
    static func apply<S: FlowScalar>(_ values: UnsafeMutablePointer<S>, bias: UnsafePointer<S>, rows: Int, columns: Int,
                                     leading: Int, derivative: UnsafeMutablePointer<S>) {
        if S.self == Float.self {
            applyFloat(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self),
                       bias: UnsafeRawPointer(bias).assumingMemoryBound(to: Float.self), rows: rows, columns: columns, leading: leading,
                       derivative: UnsafeMutableRawPointer(derivative).assumingMemoryBound(to: Float.self))
            return
        }
        for j in 0..<columns {
            let v = values + j * leading, d = derivative + j * leading, c = bias[j]
            for i in 0..<rows {
                let a = v[i] + c
                let s = S.sigmoid(a)
                let h = a * s
                v[i] = h
                d[i] = s + h * (1 - s)
            }
        }
    }

    private static func applyFloat(_ values: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int,
                                   columns: Int, leading: Int, derivative: UnsafeMutablePointer<Float>) {
        for j in 0..<columns {
            let v = values + j * leading, d = derivative + j * leading, c = bias[j]
            for i in 0..<rows {
                let a = v[i] + c
                let s = 1 / (1 + fastExp(-a))
                let h = a * s
                v[i] = h
                d[i] = s + h * (1 - s)
            }
        }
    }

    /// e^x in Float without branches or calls (Cephes expf), for x clamped to [−87, 87].
    @inline(__always)
    static func fastExp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87), 87)
        let t = x * 1.442_695_04 + 12_582_912   // 1.5·2²³: rounds x·log2(e) to an integer n in t's low bits
        let n = t - 12_582_912
        let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * r * r + r + 1
        return p * Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    }
}
