import CLinearAlgebra

/// A floating-point type with BLAS and LAPACK kernels: `Float` (s-routines) or `Double` (d-routines).
///
/// The static members are thin, unchecked pass-throughs; the checked entry points are the
/// free functions in `BLAS.swift` and `LAPACK.swift`, which validate dimensions first.
public protocol LinearAlgebraScalar: BinaryFloatingPoint & Sendable where Self.RawSignificand: FixedWidthInteger {
    static func gemm(_ transA: CBLAS_TRANSPOSE, _ transB: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
                     _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int32, _ b: UnsafePointer<Self>, _ ldb: Int32,
                     _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
    static func syrk(_ uplo: CBLAS_UPLO, _ trans: CBLAS_TRANSPOSE, _ n: Int32, _ k: Int32, _ alpha: Self,
                     _ a: UnsafePointer<Self>, _ lda: Int32, _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
    static func gemv(_ trans: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Self, _ a: UnsafePointer<Self>,
                     _ lda: Int32, _ x: UnsafePointer<Self>, _ beta: Self, _ y: UnsafeMutablePointer<Self>)
    /// Symmetric eigendecomposition (`?syevd`, jobz 'V', upper); returns LAPACK's info.
    static func syevd(_ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ w: UnsafeMutablePointer<Self>) -> Int32
    /// Cholesky factorisation (`?potrf`, lower); returns LAPACK's info.
    static func potrf(_ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32) -> Int32
    /// Solves with a Cholesky factor (`?potrs`, lower); returns LAPACK's info.
    static func potrs(_ n: Int32, _ nrhs: Int32, _ a: UnsafePointer<Self>, _ lda: Int32,
                      _ b: UnsafeMutablePointer<Self>, _ ldb: Int32) -> Int32
    /// Least squares by QR (`?gels`, no transpose); returns LAPACK's info.
    static func gels(_ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
                     _ b: UnsafeMutablePointer<Self>, _ ldb: Int32) -> Int32
}

extension Float: LinearAlgebraScalar {
    public static func gemm(_ transA: CBLAS_TRANSPOSE, _ transB: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
                            _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32,
                            _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
        cblas_sgemm(CblasColMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func syrk(_ uplo: CBLAS_UPLO, _ trans: CBLAS_TRANSPOSE, _ n: Int32, _ k: Int32, _ alpha: Float,
                            _ a: UnsafePointer<Float>, _ lda: Int32, _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
        cblas_ssyrk(CblasColMajor, uplo, trans, n, k, alpha, a, lda, beta, c, ldc)
    }
    public static func gemv(_ trans: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Float, _ a: UnsafePointer<Float>,
                            _ lda: Int32, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasColMajor, trans, m, n, alpha, a, lda, x, 1, beta, y, 1)
    }
    public static func syevd(_ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ w: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_ssyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), n, a, lda, w)
    }
    public static func potrf(_ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32) -> Int32 {
        LAPACKE_spotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), n, a, lda)
    }
    public static func potrs(_ n: Int32, _ nrhs: Int32, _ a: UnsafePointer<Float>, _ lda: Int32,
                             _ b: UnsafeMutablePointer<Float>, _ ldb: Int32) -> Int32 {
        LAPACKE_spotrs(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), n, nrhs, a, lda, b, ldb)
    }
    public static func gels(_ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
                            _ b: UnsafeMutablePointer<Float>, _ ldb: Int32) -> Int32 {
        LAPACKE_sgels(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, nrhs, a, lda, b, ldb)
    }
}

extension Double: LinearAlgebraScalar {
    public static func gemm(_ transA: CBLAS_TRANSPOSE, _ transB: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
                            _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int32, _ b: UnsafePointer<Double>, _ ldb: Int32,
                            _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32) {
        cblas_dgemm(CblasColMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func syrk(_ uplo: CBLAS_UPLO, _ trans: CBLAS_TRANSPOSE, _ n: Int32, _ k: Int32, _ alpha: Double,
                            _ a: UnsafePointer<Double>, _ lda: Int32, _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32) {
        cblas_dsyrk(CblasColMajor, uplo, trans, n, k, alpha, a, lda, beta, c, ldc)
    }
    public static func gemv(_ trans: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Double, _ a: UnsafePointer<Double>,
                            _ lda: Int32, _ x: UnsafePointer<Double>, _ beta: Double, _ y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasColMajor, trans, m, n, alpha, a, lda, x, 1, beta, y, 1)
    }
    public static func syevd(_ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ w: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), n, a, lda, w)
    }
    public static func potrf(_ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32) -> Int32 {
        LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), n, a, lda)
    }
    public static func potrs(_ n: Int32, _ nrhs: Int32, _ a: UnsafePointer<Double>, _ lda: Int32,
                             _ b: UnsafeMutablePointer<Double>, _ ldb: Int32) -> Int32 {
        LAPACKE_dpotrs(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), n, nrhs, a, lda, b, ldb)
    }
    public static func gels(_ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
                            _ b: UnsafeMutablePointer<Double>, _ ldb: Int32) -> Int32 {
        LAPACKE_dgels(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, nrhs, a, lda, b, ldb)
    }
}
