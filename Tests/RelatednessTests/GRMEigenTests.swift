import XCTest
import Formats
import Numerics
@testable import Relatedness

final class GRMEigenTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = try temporaryFolder("eigen") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// A dataset whose `.fam` phenotypes are all present, so GEMMA analyses every individual.
    func simulate(n: Int, m: Int, seed: UInt64) throws -> SimulatedGenotypes {
        var sim = try SimulatedGenotypes.write(folder: folder, individuals: n, snps: m, seed: seed)
        for i in sim.fam.indices { sim.fam[i].phenotype = "1" }
        try AtomicFile.write(PlinkFam.text(sim.fam), to: sim.prefix + ".fam")
        return sim
    }

    func gemmaEigen(_ kFile: String, _ out: String) throws -> (GRMEigendecomposition, String) {
        let log = try runTool("gemma", ["-bfile", "sim", "-k", kFile, "-eigen", "-o", out, "-outdir", "out"], in: folder)
        return (try GEMMAEigenFiles.read(prefix: folder + "/out/" + out), log)
    }

    /// Eigenvalues agree; for eigenvalues separated from their neighbours the eigenvectors agree
    /// up to sign (|u·u_gemma| ≈ 1).
    func assertSameDecomposition(_ ours: GRMEigendecomposition, _ theirs: GRMEigendecomposition,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.count, theirs.count, file: file, line: line)
        let n = ours.count
        for k in 0..<n { XCTAssertEqual(ours.values[k], theirs.values[k], accuracy: 1e-9 * max(1, abs(ours.values[k])), "value \(k)", file: file, line: line) }
        var compared = 0
        for k in 0..<n {
            let gapBelow = k > 0 ? ours.values[k] - ours.values[k - 1] : .infinity
            let gapAbove = k < n - 1 ? ours.values[k + 1] - ours.values[k] : .infinity
            guard min(gapBelow, gapAbove) > 1e-4 else { continue }
            var dot = 0.0
            for i in 0..<n { dot += ours.vectors[i, k] * theirs.vectors[i, k] }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-6, "vector \(k)", file: file, line: line)
            compared += 1
        }
        XCTAssertGreaterThan(compared, n / 2, "too few separated eigenvalues to compare vectors", file: file, line: line)
    }

    func testMatchesGEMMAEigenOnCenteredAndStandardizedGRMs() throws {
        let sim = try simulate(n: 90, m: 800, seed: 12)
        let bed = try PlinkDataset(prefix: sim.prefix).bed
        for kind in GRMKind.allCases {
            let grm = GRMBuilder(bed: bed, kind: kind).grm()
            try GEMMAMatrixText.write(grm.matrix, to: folder + "/q.\(kind.gemmaInfix).txt")
            // Read back what we wrote, as GEMMA does, so both start from the same 10-digit matrix.
            let written = try GEMMAMatrixText.readSquare(path: folder + "/q.\(kind.gemmaInfix).txt")
            let ours = try GRMEigen.decompose(written)
            let (theirs, _) = try gemmaEigen("q.\(kind.gemmaInfix).txt", "e\(kind.gemmaCode)")
            assertSameDecomposition(ours, theirs)
            XCTAssertEqual(ours.values[0], 0, "a centred GRM has the constant vector with eigenvalue 0")
            // Our files read back as what GEMMA wrote.
            try GEMMAEigenFiles.write(ours, prefix: folder + "/ours\(kind.gemmaCode)")
            assertSameDecomposition(try GEMMAEigenFiles.read(prefix: folder + "/ours\(kind.gemmaCode)"), theirs)
        }
    }

    /// A matrix with chosen eigenvalues around GEMMA's 1e-10 cut, a large negative one, and a
    /// non-centred part (a constant added to every entry) that GEMMA's centring removes.
    func testZeroedEigenvaluesAndCentringFollowGEMMA() throws {
        let n = 40
        _ = try simulate(n: n, m: 60, seed: 2)
        var g = SeededGenerator(seed: 9)
        var a = Matrix<Double>(rows: n, columns: n)
        for j in 0..<n { for i in 0...j { let v = g.normal(); a[i, j] = v; a[j, i] = v } }
        let basis = try LAPACK.symmetricEigen(GRMEigen.doubleCentered(a)).vectors
        // The basis column along the constant vector gets eigenvalue 0.
        let constant = (0..<n).max { abs(basis.column($0).reduce(0, +)) < abs(basis.column($1).reduce(0, +)) }!
        var chosen = (0..<n).map { 0.5 + Double($0) / Double(n) }
        chosen[constant] = 0
        let others = (0..<n).filter { $0 != constant }
        for (k, v) in zip(others, [5e-11, -5e-11, 9e-11, -2e-10, -0.5, 2e-10, 1.5e-10]) { chosen[k] = v }
        var k = Matrix<Double>(rows: n, columns: n)
        for j in 0..<n { for i in 0..<n {
            var s = 0.3  // the non-centred part
            for c in 0..<n { s += basis[i, c] * chosen[c] * basis[j, c] }
            k[i, j] = s
        } }
        // Full precision: 10 digits would move eigenvalues near 1e-10 by about that much.
        let text = (0..<n).map { i in (0..<n).map { String(format: "%.17g", k[i, $0]) }.joined(separator: "\t") + "\n" }.joined()
        try AtomicFile.write(text, to: folder + "/k.txt")
        let (theirs, log) = try gemmaEigen("k.txt", "z")
        let ours = try GRMEigen.decompose(try GEMMAMatrixText.readSquare(path: folder + "/k.txt"))
        XCTAssertEqual(ours.zeroedCount, 6)
        XCTAssert(log.contains("Matrix G has 6 eigenvalues close to zero"), log)
        XCTAssertEqual(Array(ours.values.prefix(8)), [0, 0, 0, 0, 0, 0, ours.values[6], ours.values[7]])
        XCTAssertEqual(ours.values[6], 1.5e-10, accuracy: 1e-14)
        assertSameDecomposition(ours, theirs)
        // Without centring the constant part shows up as a large eigenvalue (0.3 n = 12).
        let raw = try GRMEigen.decompose(k, centering: false)
        XCTAssertEqual(raw.values.last!, 0.3 * Double(n), accuracy: 1e-9)
    }

    /// The eigenvectors read as rows are exactly the transpose of those read as columns, for a
    /// file big enough (> 1 MB) to be parsed in pieces on several threads.
    func testEigenFilesReadTransposedAreTheTranspose() throws {
        let n = 300
        var g = SeededGenerator(seed: 8)
        let q = Matrix<Double>(rows: n, columns: n, storage: (0..<(n * n)).map { _ in g.normal() })
        try GEMMAEigenFiles.write(GRMEigendecomposition(values: (0..<n).map { Double($0) }, vectors: q, zeroedCount: 1), prefix: folder + "/t")
        let columns = try GEMMAEigenFiles.read(prefix: folder + "/t")
        let rows = try GEMMAEigenFiles.readTransposed(prefix: folder + "/t")
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: folder + "/t.eigenU.txt")[.size] as! Int, 1 << 20)
        XCTAssertEqual(rows.values, columns.values)
        XCTAssertEqual(rows.zeroedCount, 1)
        XCTAssertEqual(rows.transposedVectors.rows, n)
        for i in 0..<n { for k in 0..<n where rows.transposedVectors[k, i] != columns.vectors[i, k] {
            return XCTFail("Qᵀ[\(k), \(i)] = \(rows.transposedVectors[k, i]), Q[\(i), \(k)] = \(columns.vectors[i, k])")
        } }
        try AtomicFile.write("1\n2\n3\n", to: folder + "/x.eigenD.txt")
        try AtomicFile.write("1\t0\n0\t1\n", to: folder + "/x.eigenU.txt")
        XCTAssertThrowsError(try GEMMAEigenFiles.readTransposed(prefix: folder + "/x")) { XCTAssert("\($0)".contains("but 3 eigenvalues"), "\($0)") }
    }

    /// `recomposed(rows:)` (what `assoc` and `normalize --eigen` use for a subset of the files'
    /// individuals) against the sum Σ_k Q[a, k] d_k Q[b, k] written out, with the rows out of order
    /// and a negative eigenvalue kept as stored; the two layouts convert into each other exactly.
    func testRecomposedSubsetAndLayoutConversions() throws {
        let n = 130
        var g = SeededGenerator(seed: 11)
        let q = Matrix<Double>(rows: n, columns: n, storage: (0..<(n * n)).map { _ in g.normal() })
        let values = (0..<n).map { $0 == 0 ? -0.5 : Double($0) / 10 }
        let columns = GRMEigendecomposition(values: values, vectors: q, zeroedCount: 0)
        let rows = TransposedGRMEigendecomposition(columns)
        for i in 0..<n { for k in 0..<n where rows.transposedVectors[k, i] != q[i, k] {
            return XCTFail("Qᵀ[\(k), \(i)] = \(rows.transposedVectors[k, i]), Q[\(i), \(k)] = \(q[i, k])")
        } }
        let back = GRMEigendecomposition(rows)
        XCTAssertEqual(back.vectors.storage, q.storage)
        XCTAssertEqual(back.values, values)

        let subset = [7, 100, 3, 129, 64, 65, 0]
        let k = rows.recomposed(rows: subset)
        XCTAssertEqual(k.rows, subset.count)
        XCTAssertEqual(k.columns, subset.count)
        for (a, i) in subset.enumerated() {
            for (b, j) in subset.enumerated() {
                let expected = (0..<n).reduce(0.0) { $0 + q[i, $1] * values[$1] * q[j, $1] }
                XCTAssertEqual(k[a, b], expected, accuracy: 1e-10 * max(1, abs(expected)), "K[\(i), \(j)]")
            }
        }
    }

    func testEigenFilesRejectMismatchedSizes() throws {
        try AtomicFile.write("1\n2\n3\n", to: folder + "/x.eigenD.txt")
        try AtomicFile.write("1\t0\n0\t1\n", to: folder + "/x.eigenU.txt")
        XCTAssertThrowsError(try GEMMAEigenFiles.read(prefix: folder + "/x")) { XCTAssert("\($0)".contains("but 3 eigenvalues"), "\($0)") }
        try AtomicFile.write("1 2\n", to: folder + "/y.eigenD.txt")
        try AtomicFile.write("1\n", to: folder + "/y.eigenU.txt")
        XCTAssertThrowsError(try GEMMAEigenFiles.read(prefix: folder + "/y")) { XCTAssert("\($0)".contains("one eigenvalue per line"), "\($0)") }
    }
}
