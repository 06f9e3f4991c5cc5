import XCTest
import Numerics
import Relatedness
@testable import Dependence

/// Every covariance kind against a dense C built directly from its inputs (Cholesky inverse and
/// log-determinant), so the spectral and Woodbury shortcuts are checked independently.
final class CovarianceModelTests: XCTestCase {
    private func check(_ model: any CovarianceModel, dense c: Matrix<Double>, seed: UInt64,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        var generator = SeededGenerator(seed: seed)
        let a = try TestData.inverse(c)
        XCTAssertEqual(model.logDeterminant, try TestData.logDeterminant(c), accuracy: 1e-9, "log det C", file: file, line: line)
        let u = TestData.normals(rows: c.rows, columns: 3, generator: &generator)
        let au = BLAS.product(a, u)
        let trace = zip(u.storage, au.storage).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertEqual(model.quadraticForm(u), trace, accuracy: 1e-9 * trace, "tr(UᵀAU)", file: file, line: line)
        let rows = Array(generator.permutation(c.rows).prefix(9))
        let ub = TestData.normals(rows: rows.count, columns: 3, generator: &generator)
        let (product, diagonal) = model.precisionProduct(rows: rows, latent: ub)
        for (i, ri) in rows.enumerated() {
            XCTAssertEqual(diagonal[i], a[ri, ri], accuracy: 1e-9, "A[\(ri), \(ri)]", file: file, line: line)
            for j in 0..<ub.columns {
                let expected = rows.indices.reduce(0) { $0 + a[ri, rows[$1]] * ub[$1, j] }
                XCTAssertEqual(product[i, j], expected, accuracy: 1e-9, "(A_BB U_B)[\(i), \(j)]", file: file, line: line)
            }
        }
    }

    func testFixedRelatednessMatchesDenseInverse() throws {
        var g = TestData.pedigreeRelationship(count: 60, children: 3)
        for k in g.storage.indices { g.storage[k] *= 1.7 }   // a mean diagonal far from 1 must be rescaled
        let spectrum = try RelatednessSpectrum(grm: g)
        XCTAssertEqual(spectrum.scale, 1.7, accuracy: 1e-12)
        XCTAssertTrue(spectrum.isComplete)
        for lambda in [0.05, 0.35, 1.0] {
            let model = RelatednessCovariance(spectrum: spectrum, lambda: lambda)
            XCTAssertEqual(model.kind, .relatedness)
            try check(model, dense: TestData.relatednessCovariance(g, lambda: lambda), seed: 1)
            try check(model.cachingPrecision(), dense: TestData.relatednessCovariance(g, lambda: lambda), seed: 1)
        }
    }

    /// The parallel pass over Qᵀ: any cut of the r coordinates into ranges (uneven, one range
    /// per coordinate, more ranges than coordinates) gives the one-range result.
    func testPrecisionProductIndependentOfCoordinateCut() throws {
        var generator = SeededGenerator(seed: 4)
        let complete = try RelatednessSpectrum(grm: TestData.pedigreeRelationship(count: 50, children: 3))
        let thin = try RelatednessSpectrum(factor: TestData.normals(rows: 50, columns: 3, generator: &generator))
        for spectrum in [complete, thin] {
            let model = RelatednessCovariance(spectrum: spectrum, lambda: 0.3)
            let rows = Array(generator.permutation(50).prefix(11))
            let u = TestData.normals(rows: 11, columns: 2, generator: &generator)
            let one = model.precisionProduct(rows: rows, latent: u, pieces: 1)
            for pieces in [2, 7, spectrum.rank, spectrum.rank + 3] {
                let cut = model.precisionProduct(rows: rows, latent: u, pieces: pieces)
                for k in one.product.storage.indices { XCTAssertEqual(cut.product.storage[k], one.product.storage[k], accuracy: 1e-12, "\(pieces) pieces") }
                for i in 0..<11 { XCTAssertEqual(cut.diagonal[i], one.diagonal[i], accuracy: 1e-12, "\(pieces) pieces") }
            }
        }
        XCTAssertEqual(RelatednessCovariance.pieces(rank: 10_000), 4)
        XCTAssertEqual(RelatednessCovariance.pieces(rank: 4_096), 2)
        XCTAssertEqual(RelatednessCovariance.pieces(rank: 2_000), 1)
    }

    /// Q is stored transposed, in place across several 64 × 64 tiles and a ragged last one, with
    /// or without another reference to the eigenvectors (then they are copied, not overwritten).
    func testSpectrumStoresQTransposed() throws {
        var generator = SeededGenerator(seed: 5)
        let n = 150
        let q = TestData.normals(rows: n, columns: n, generator: &generator)
        let kept = GRMEigendecomposition(values: (0..<n).map { 1 + Double($0) / Double(n) }, vectors: q, zeroedCount: 0)
        let spectrum = RelatednessSpectrum(eigen: kept)
        XCTAssertEqual(kept.vectors, q, "the caller's eigenvectors were overwritten")
        XCTAssertEqual(spectrum.transposedVectors, q.transposed)
        let owned = RelatednessSpectrum(eigen: GRMEigendecomposition(values: kept.values, vectors: q.selectingRows(Array(0..<n)), zeroedCount: 0))
        XCTAssertEqual(owned.transposedVectors, q.transposed)
        let shared = RelatednessSpectrum(transposed: TransposedGRMEigendecomposition(values: kept.values, transposedVectors: q.transposed, zeroedCount: 0))
        XCTAssertEqual(shared.transposedVectors, spectrum.transposedVectors)
        XCTAssertEqual(shared.values, spectrum.values)
        XCTAssertEqual(shared.scale, spectrum.scale)
    }

    func testGivenEigendecompositionIsReused() throws {
        let g = TestData.pedigreeRelationship(count: 40)
        let eigen = try GRMEigen.decompose(g, centering: false)
        let model = RelatednessCovariance(spectrum: RelatednessSpectrum(eigen: eigen), lambda: 0.4)
        try check(model, dense: TestData.relatednessCovariance(g, lambda: 0.4), seed: 2)
    }

    func testLowRankWoodburyMatchesDenseInverse() throws {
        var generator = SeededGenerator(seed: 3)
        var w = TestData.normals(rows: 70, columns: 6, generator: &generator)
        // Centre each row across its entries, as PC relatedness does: rank drops to 5.
        for i in 0..<w.rows {
            let mean = w.row(i).reduce(0, +) / 6
            for j in 0..<6 { w[i, j] -= mean }
        }
        let spectrum = try RelatednessSpectrum(factor: w)
        XCTAssertEqual(spectrum.rank, 5)
        XCTAssertFalse(spectrum.isComplete)
        let g = BLAS.product(w, w, transB: .transposed)
        for lambda in [0.1, 0.6, 1.0] {
            let model = RelatednessCovariance(spectrum: spectrum, lambda: lambda)
            XCTAssertEqual(model.kind, .lowRank)
            try check(model, dense: TestData.relatednessCovariance(g, lambda: lambda), seed: 4)
        }
    }

    func testEquicorrelatedBlocksMatchDenseInverse() throws {
        let labels = (0..<50).map { "fam\($0 % 13)" }   // blocks of 3 and 4, interleaved
        let uniform = BlockCovariance(labels: labels, rho: 0.45)
        XCTAssertEqual(uniform.sizes.reduce(0, +), 50)
        try check(uniform, dense: TestData.blockCovariance(blockOf: uniform.blockOf, rho: uniform.rho), seed: 5)
        let varied = uniform.with(rho: (0..<13).map { 0.07 * Double($0) })
        try check(varied, dense: TestData.blockCovariance(blockOf: varied.blockOf, rho: varied.rho), seed: 6)
    }

    func testIdentity() throws {
        try check(IdentityCovariance(count: 30), dense: .identity(30), seed: 7)
    }
}
