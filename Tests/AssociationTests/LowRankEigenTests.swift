import XCTest
import Numerics
import Relatedness
@testable import Association

/// `LowRankEigen` against `GRMEigen.decompose` of the dense `W Wᵀ` (centring, zeroing, order).
final class LowRankEigenTests: XCTestCase {
    func testMatchesTheDenseDecomposition() throws {
        var g = SeededGenerator(seed: 9)
        for (n, k) in [(50, 6), (33, 1), (40, 39)] {
            var w = Matrix<Double>(rows: n, columns: k)
            for t in w.storage.indices { w.storage[t] = g.normal() + 0.3 }
            let dense = try GRMEigen.decompose(BLAS.product(w, w, transB: .transposed))
            let low = try LowRankEigen.decompose(factor: w)
            XCTAssertEqual(low.zeroedCount, dense.zeroedCount, "n \(n), k \(k)")
            for (a, b) in zip(low.values, dense.values) { XCTAssertEqual(a, b, accuracy: 1e-10 * max(1, b), "n \(n), k \(k)") }
            // Same matrix U diag(d) Uᵀ (the centred W Wᵀ), and U orthogonal.
            func recomposed(_ e: GRMEigendecomposition) -> Matrix<Double> {
                var scaled = e.vectors
                for j in 0..<n { for i in 0..<n { scaled[i, j] *= e.values[j] } }
                return BLAS.product(scaled, e.vectors, transB: .transposed)
            }
            let (a, b) = (recomposed(low), recomposed(dense))
            let scale = b.storage.map(abs).max()!
            for t in a.storage.indices { XCTAssertEqual(a.storage[t], b.storage[t], accuracy: 1e-10 * scale) }
            let gram = BLAS.product(low.vectors, low.vectors, transA: .transposed)
            for j in 0..<n { for i in 0..<n { XCTAssertEqual(gram[i, j], i == j ? 1 : 0, accuracy: 1e-12) } }
        }
    }
}
