/// A LAPACK routine reported failure.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    /// The routine returned a non-zero `info`.
    case lapack(routine: String, info: Int)
    /// A matrix that must be positive definite is not (leading minor `order` is not positive).
    case notPositiveDefinite(order: Int)

    public var description: String {
        switch self {
        case let .lapack(routine, info): return "LAPACK \(routine) failed with info = \(info)"
        case let .notPositiveDefinite(order): return "matrix is not positive definite (leading minor of order \(order))"
        }
    }
}

/// Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix.
public struct SymmetricEigen<S: LinearAlgebraScalar> {
    /// Eigenvalues in ascending order.
    public var values: [S]
    /// Eigenvectors as columns, in the order of `values`.
    public var vectors: Matrix<S>
}

/// Dense factorisations backed by LAPACK.
public enum LAPACK {
    /// Eigendecomposition of a symmetric matrix by divide and conquer (`?syevd`).
    ///
    /// Only the upper triangle of `a` is read. Values come back ascending, as LAPACK returns them.
    /// `a`'s storage becomes the eigenvectors: passed with `consume` (or as its last use), no copy
    /// of the n × n matrix is made.
    public static func symmetricEigen<S>(_ a: consuming Matrix<S>) throws -> SymmetricEigen<S> {
        precondition(a.rows == a.columns, "symmetricEigen needs a square matrix")
        let n = a.rows
        var vectors = consume a
        var values = [S](repeating: 0, count: n)
        if n == 0 { return SymmetricEigen(values: values, vectors: vectors) }
        let info = vectors.storage.withUnsafeMutableBufferPointer { pa in
            values.withUnsafeMutableBufferPointer { pw in
                S.syevd(Int32(n), pa.baseAddress!, Int32(n), pw.baseAddress!)
            }
        }
        if info != 0 { throw LinearAlgebraError.lapack(routine: "syevd", info: Int(info)) }
        return SymmetricEigen(values: values, vectors: vectors)
    }

    /// The lower Cholesky factor L of a symmetric positive definite matrix (A = L Lᵀ); the strict upper part is zeroed.
    public static func cholesky<S>(_ a: Matrix<S>) throws -> Matrix<S> {
        precondition(a.rows == a.columns, "cholesky needs a square matrix")
        let n = a.rows
        var l = a
        if n == 0 { return l }
        let info = l.storage.withUnsafeMutableBufferPointer { S.potrf(Int32(n), $0.baseAddress!, Int32(n)) }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: Int(info)) }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "potrf", info: Int(info)) }
        for j in 0..<n { for i in 0..<j { l[i, j] = 0 } }
        return l
    }

    /// Solves A X = B given the lower Cholesky factor L of A.
    public static func choleskySolve<S>(factor l: Matrix<S>, _ b: Matrix<S>) throws -> Matrix<S> {
        precondition(l.rows == l.columns && b.rows == l.rows, "choleskySolve: dimensions do not match")
        var x = b
        if l.rows == 0 || b.columns == 0 { return x }
        let info = l.storage.withUnsafeBufferPointer { pl in
            x.storage.withUnsafeMutableBufferPointer { px in
                S.potrs(Int32(l.rows), Int32(b.columns), pl.baseAddress!, Int32(l.rows), px.baseAddress!, Int32(l.rows))
            }
        }
        if info != 0 { throw LinearAlgebraError.lapack(routine: "potrs", info: Int(info)) }
        return x
    }

    /// Least-squares coefficients minimising ‖A X − B‖ for A of full column rank (QR, `?gels`).
    public static func leastSquares<S>(_ a: Matrix<S>, _ b: Matrix<S>) throws -> Matrix<S> {
        precondition(a.rows == b.rows, "leastSquares: A has \(a.rows) rows, B has \(b.rows)")
        precondition(a.rows >= a.columns, "leastSquares: fewer rows than columns")
        var work = a
        var rhs = b
        if a.columns == 0 || b.columns == 0 { return Matrix(rows: a.columns, columns: b.columns) }
        let info = work.storage.withUnsafeMutableBufferPointer { pa in
            rhs.storage.withUnsafeMutableBufferPointer { pb in
                S.gels(Int32(a.rows), Int32(a.columns), Int32(b.columns), pa.baseAddress!, Int32(a.rows),
                       pb.baseAddress!, Int32(b.rows))
            }
        }
        if info > 0 { throw LinearAlgebraError.lapack(routine: "gels (rank-deficient design)", info: Int(info)) }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "gels", info: Int(info)) }
        var x = Matrix<S>(rows: a.columns, columns: b.columns)
        for j in 0..<b.columns { for i in 0..<a.columns { x[i, j] = rhs[i, j] } }
        return x
    }
}
