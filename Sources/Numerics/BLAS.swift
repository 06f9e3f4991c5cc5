import CLinearAlgebra

/// Whether an operand enters a product as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Matrix products backed by BLAS, with dimension checks before any call.
public enum BLAS {
    /// Sets the number of OpenBLAS threads (1 disables its threading).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// The number of OpenBLAS threads in use.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// `C ← alpha · op(A) · op(B) + beta · C`.
    public static func gemm<S>(_ a: Matrix<S>, _ b: Matrix<S>, into c: inout Matrix<S>,
                               transA: Transpose = .none, transB: Transpose = .none, alpha: S = 1, beta: S = 0) {
        let (m, k) = transA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = transB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
        precondition(c.rows == m && c.columns == n, "gemm: output is \(c.rows)x\(c.columns), expected \(m)x\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in c.storage.indices { c.storage[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    S.gemm(transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
                           pa.baseAddress!, Int32(max(1, a.rows)), pb.baseAddress!, Int32(max(1, b.rows)),
                           beta, pc.baseAddress!, Int32(max(1, c.rows)))
                }
            }
        }
    }

    /// `op(A) · op(B)` as a new matrix.
    public static func product<S>(_ a: Matrix<S>, _ b: Matrix<S>,
                                  transA: Transpose = .none, transB: Transpose = .none) -> Matrix<S> {
        let m = transA == .none ? a.rows : a.columns
        let n = transB == .none ? b.columns : b.rows
        var c = Matrix<S>(rows: m, columns: n)
        gemm(a, b, into: &c, transA: transA, transB: transB)
        return c
    }

    /// `C ← alpha · A Aᵀ + beta · C` (`trans == .none`) or `alpha · Aᵀ A + beta · C`, full symmetric result.
    ///
    /// BLAS fills one triangle; the other is mirrored afterwards so callers always see a full matrix.
    public static func syrk<S>(_ a: Matrix<S>, trans: Transpose = .none, into c: inout Matrix<S>,
                               alpha: S = 1, beta: S = 0) {
        let (n, k) = trans == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        precondition(c.rows == n && c.columns == n, "syrk: output is \(c.rows)x\(c.columns), expected \(n)x\(n)")
        if n == 0 || k == 0 { return }
        a.storage.withUnsafeBufferPointer { pa in
            c.storage.withUnsafeMutableBufferPointer { pc in
                S.syrk(CblasUpper, trans.cblas, Int32(n), Int32(k), alpha, pa.baseAddress!, Int32(max(1, a.rows)),
                       beta, pc.baseAddress!, Int32(n))
            }
        }
        symmetrizeFromUpper(&c)
    }

    /// Copies the upper triangle of a square matrix into its lower triangle.
    public static func symmetrizeFromUpper<S>(_ c: inout Matrix<S>) {
        let n = c.rows
        c.storage.withUnsafeMutableBufferPointer { p in
            for j in 0..<n {
                for i in (j + 1)..<max(j + 1, n) { p[i + j * n] = p[j + i * n] }
            }
        }
    }

    /// `op(A) · x`.
    public static func gemv<S>(_ a: Matrix<S>, _ x: [S], trans: Transpose = .none) -> [S] {
        let (m, n) = trans == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        precondition(x.count == n, "gemv: vector has \(x.count) entries, expected \(n)")
        var y = [S](repeating: 0, count: m)
        if m == 0 || n == 0 { return y }
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    S.gemv(trans.cblas, Int32(a.rows), Int32(a.columns), 1, pa.baseAddress!, Int32(max(1, a.rows)),
                           px.baseAddress!, 0, py.baseAddress!)
                }
            }
        }
        return y
    }
}
