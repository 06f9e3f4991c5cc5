import XCTest
import Numerics

final class LinearAlgebraTests: XCTestCase {
    func randomMatrix(_ r: Int, _ c: Int, _ g: inout SeededGenerator) -> Matrix<Double> {
        Matrix(rows: r, columns: c, storage: (0..<(r * c)).map { _ in g.normal() })
    }

    func naiveProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        var c = Matrix<Double>(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows { for j in 0..<b.columns {
            var s = 0.0
            for k in 0..<a.columns { s += a[i, k] * b[k, j] }
            c[i, j] = s
        } }
        return c
    }

    func assertClose(_ a: Matrix<Double>, _ b: Matrix<Double>, tol: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.rows, b.rows, file: file, line: line)
        XCTAssertEqual(a.columns, b.columns, file: file, line: line)
        for k in a.storage.indices { XCTAssertEqual(a.storage[k], b.storage[k], accuracy: tol, file: file, line: line) }
    }

    func testGemmMatchesNaiveProductInAllTranspositions() {
        var g = SeededGenerator(seed: 1)
        let a = randomMatrix(7, 5, &g), b = randomMatrix(5, 3, &g)
        assertClose(BLAS.product(a, b), naiveProduct(a, b), tol: 1e-12)
        assertClose(BLAS.product(a.transposed, b, transA: .transposed), naiveProduct(a, b), tol: 1e-12)
        assertClose(BLAS.product(a, b.transposed, transB: .transposed), naiveProduct(a, b), tol: 1e-12)
        let af = Matrix<Float>(a), bf = Matrix<Float>(b)
        assertClose(Matrix<Double>(BLAS.product(af, bf)), naiveProduct(a, b), tol: 1e-5)
    }

    func testSyrkIsFullSymmetricGram() {
        var g = SeededGenerator(seed: 2)
        let a = randomMatrix(6, 9, &g)
        var c = Matrix<Double>(rows: 6, columns: 6)
        BLAS.syrk(a, into: &c)
        assertClose(c, naiveProduct(a, a.transposed), tol: 1e-12)
        var d = Matrix<Double>(rows: 9, columns: 9)
        BLAS.syrk(a, trans: .transposed, into: &d)
        assertClose(d, naiveProduct(a.transposed, a), tol: 1e-12)
    }

    func testGemvMatchesProduct() {
        var g = SeededGenerator(seed: 3)
        let a = randomMatrix(4, 6, &g)
        let x = (0..<6).map { _ in g.normal() }
        let y = BLAS.gemv(a, x)
        let expected = naiveProduct(a, Matrix(rows: 6, columns: 1, storage: x)).storage
        for k in 0..<4 { XCTAssertEqual(y[k], expected[k], accuracy: 1e-12) }
        let z = BLAS.gemv(a, [1, 2, 3, 4], trans: .transposed)
        for j in 0..<6 { XCTAssertEqual(z[j], (0..<4).reduce(0.0) { $0 + a[$1, j] * Double($1 + 1) }, accuracy: 1e-12) }
    }

    func testSymmetricEigenReconstructsAndIsOrthonormal() throws {
        var g = SeededGenerator(seed: 4)
        let x = randomMatrix(8, 8, &g)
        let s = naiveProduct(x, x.transposed)
        let e = try LAPACK.symmetricEigen(s)
        for k in 1..<8 { XCTAssertLessThanOrEqual(e.values[k - 1], e.values[k]) }
        var lambda = Matrix<Double>(rows: 8, columns: 8)
        for k in 0..<8 { lambda[k, k] = e.values[k] }
        assertClose(naiveProduct(naiveProduct(e.vectors, lambda), e.vectors.transposed), s, tol: 1e-9)
        assertClose(naiveProduct(e.vectors.transposed, e.vectors), .identity(8), tol: 1e-12)
        // Trace equals the sum of eigenvalues: an identity independent of LAPACK.
        XCTAssertEqual(e.values.reduce(0, +), (0..<8).reduce(0.0) { $0 + s[$1, $1] }, accuracy: 1e-9)
    }

    func testCholeskySolveAndNonPositiveDefinite() throws {
        var g = SeededGenerator(seed: 5)
        let x = randomMatrix(5, 8, &g)
        let s = naiveProduct(x, x.transposed)
        let l = try LAPACK.cholesky(s)
        assertClose(naiveProduct(l, l.transposed), s, tol: 1e-10)
        let b = randomMatrix(5, 2, &g)
        let sol = try LAPACK.choleskySolve(factor: l, b)
        assertClose(naiveProduct(s, sol), b, tol: 1e-9)
        XCTAssertThrowsError(try LAPACK.cholesky(Matrix(rowArrays: [[1, 2], [2, 1]]))) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notPositiveDefinite(order: 2))
        }
    }

    func testLeastSquaresSatisfiesNormalEquations() throws {
        var g = SeededGenerator(seed: 6)
        let a = randomMatrix(20, 3, &g), b = randomMatrix(20, 2, &g)
        let x = try LAPACK.leastSquares(a, b)
        let residual = Matrix(rows: 20, columns: 2, storage: zip(b.storage, naiveProduct(a, x).storage).map { $0 - $1 })
        let normal = naiveProduct(a.transposed, residual)
        for v in normal.storage { XCTAssertEqual(v, 0, accuracy: 1e-10) }
    }
}
