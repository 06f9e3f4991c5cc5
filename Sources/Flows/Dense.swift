import CFlowKernels
import CLinearAlgebra
import Numerics

/// One dense layer of an `MLP` on a block of rows: the product `C = A W` (or `A Wᵀ`) with what
/// follows it fused into the same pass — the bias, or the bias and Swish (`a · σ(a)`) with its
/// derivative `σ(a)(1 + a(1 − σ(a))) = s + h(1 − s)` (s = σ(a), h = a·s), or the product with a kept
/// Swish derivative (back-propagation through Swish).
///
/// These are the hot loops of training (every coupling layer, every batch, forward and backward).
/// In `Float` they run `gwf_dense` (CFlowKernels): register tiles read A in place without
/// OpenBLAS's packing of both operands on every call, each element a chain of fused multiply-adds in
/// the order k = 0, 1, … and its epilogue applied while the tile is still in registers (Swish by a
/// Cephes-style exponential, error bounds in FlowKernelTests); vectorised for AVX-512 or AVX2 at run
/// time with the same bits on every level. In `Double` (the gradient-check precision) they are a
/// BLAS GEMM followed by a pass in Swift with the libm exponential.
enum Dense {
    /// What happens to each element p of the product before it is stored.
    enum Epilogue<S> {
        /// p.
        case store
        /// p + bias[j].
        case bias(UnsafePointer<S>)
        /// Swish of a = p + bias[j]; its derivative goes to `derivative` (same layout as C).
        case swish(bias: UnsafePointer<S>, derivative: UnsafeMutablePointer<S>)
        /// p · factors[i, j] (`factors` in the layout of C).
        case times(UnsafePointer<S>)
    }

    /// `C = A W` (W `depth × columns`, column-major, leading dimension `depth`) or, `transposed`,
    /// `C = A Wᵀ` (W `columns × depth`, leading dimension `columns`), with A `rows × depth` and C
    /// `rows × columns` column-major at the given leading dimensions, then `epilogue`.
    static func product<S: FlowScalar>(_ a: UnsafePointer<S>, leading lda: Int, weights w: UnsafePointer<S>,
                                       transposed: Bool, into c: UnsafeMutablePointer<S>, leading ldc: Int,
                                       rows: Int, columns: Int, depth: Int, _ epilogue: Epilogue<S>) {
        if S.self == Float.self {
            func f(_ p: UnsafePointer<S>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
            func f(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
                UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
            }
            let (bias, extra, mode): (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int32) = switch epilogue {
            case .store: (nil, nil, Int32(GWF_DENSE_STORE))
            case .bias(let b): (f(b), nil, Int32(GWF_DENSE_BIAS))
            case .swish(let b, let d): (f(b), f(d), Int32(GWF_DENSE_SWISH))
            case .times(let factors): (nil, f(UnsafeMutablePointer(mutating: factors)), Int32(GWF_DENSE_TIMES))
            }
            gwf_dense(f(a), lda, f(w), transposed ? columns : 1, transposed ? 1 : depth, f(c), ldc, rows, columns, depth,
                      bias, extra, mode)
            return
        }
        if depth == 0 {
            for j in 0..<columns { (c + j * ldc).update(repeating: 0, count: rows) }
        } else {
            S.gemm(CblasNoTrans, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), Int32(depth), 1,
                   a, Int32(lda), w, Int32(transposed ? columns : depth), 0, c, Int32(ldc))
        }
        switch epilogue {
        case .store:
            break
        case .bias(let bias):
            for j in 0..<columns {
                let v = c + j * ldc, b = bias[j]
                for i in 0..<rows { v[i] += b }
            }
        case .swish(let bias, let derivative):
            for j in 0..<columns {
                let v = c + j * ldc, d = derivative + j * ldc, b = bias[j]
                for i in 0..<rows {
                    let a = v[i] + b
                    let s = S.sigmoid(a)
                    let h = a * s
                    v[i] = h
                    d[i] = s + h * (1 - s)
                }
            }
        case .times(let factors):
            for j in 0..<columns {
                let v = c + j * ldc, f = factors + j * ldc
                for i in 0..<rows { v[i] *= f[i] }
            }
        }
    }
}
