import CFlowKernels

/// Swish, `a · σ(a)`, applied in place to a `rows × columns` block (column j starts at
/// `values + j · leading`; `derivative` has the same layout) plus a per-column bias
/// (`a = value + bias[j]`), together with its derivative `σ(a)(1 + a(1 − σ(a))) = s + h(1 − s)`
/// where s = σ(a), h = a·s. Adding the bias here saves a pass over the block.
///
/// This is the hottest elementwise loop of training (two `b × 128` blocks per coupling and batch).
/// In `Float` it runs `gwf_swish` (CFlowKernels: a Cephes-style exponential after range reduction,
/// vectorised for AVX-512 or AVX2 at run time, the same bits on every level; error bounds in
/// FlowKernelTests); in `Double` (the gradient-check precision) it uses the libm exponential.
enum Swish {
    static func apply<S: FlowScalar>(_ values: UnsafeMutablePointer<S>, bias: UnsafePointer<S>, rows: Int, columns: Int,
                                     leading: Int, derivative: UnsafeMutablePointer<S>) {
        if S.self == Float.self {
            gwf_swish(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self),
                      UnsafeRawPointer(bias).assumingMemoryBound(to: Float.self),
                      UnsafeMutableRawPointer(derivative).assumingMemoryBound(to: Float.self), rows, columns, leading)
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

    /// `values *= factors` elementwise on a `rows × columns` block (column stride `leading` for both):
    /// back-propagation through Swish, with `factors` the derivative kept by `apply`.
    static func multiply<S: FlowScalar>(_ values: UnsafeMutablePointer<S>, by factors: UnsafePointer<S>, rows: Int,
                                        columns: Int, leading: Int) {
        if S.self == Float.self {
            gwf_multiply(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self),
                         UnsafeRawPointer(factors).assumingMemoryBound(to: Float.self), rows, columns, leading)
            return
        }
        for j in 0..<columns {
            let v = values + j * leading, f = factors + j * leading
            for i in 0..<rows { v[i] *= f[i] }
        }
    }
}
