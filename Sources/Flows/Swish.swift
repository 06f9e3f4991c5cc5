/// Swish, `a · σ(a)`, applied in place together with its derivative `σ(a)(1 + a(1 − σ(a)))`.
///
/// This is the hottest elementwise loop of training (two `b × 128` blocks per coupling and batch).
/// In `Float` it uses a branch-free exponential (Cephes `expf` polynomial after range reduction,
/// relative error ≲ 2 ulp, argument clamped to ±87) that the compiler vectorises; in `Double`
/// (the gradient-check precision) it uses the libm exponential.
enum Swish {
    static func apply<S: FlowScalar>(_ values: UnsafeMutablePointer<S>, derivative: UnsafeMutablePointer<S>, count: Int) {
        if S.self == Float.self {
            let v = UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self)
            let d = UnsafeMutableRawPointer(derivative).assumingMemoryBound(to: Float.self)
            applyFloat(v, derivative: d, count: count)
            return
        }
        for i in 0..<count {
            let a = values[i]
            let s = S.sigmoid(a)
            values[i] = a * s
            derivative[i] = s * (1 + a * (1 - s))
        }
    }

    private static func applyFloat(_ values: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>,
                                   count: Int) {
        for i in 0..<count {
            let a = values[i]
            let s = 1 / (1 + fastExp(-a))
            values[i] = a * s
            derivative[i] = s * (1 + a * (1 - s))
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
