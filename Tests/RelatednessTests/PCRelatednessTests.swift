import XCTest
import Formats
import Numerics
@testable import Relatedness

final class PCRelatednessTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = try temporaryFolder("pcrel") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// Pearson correlation of two vectors, the textbook formula.
    func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxy / (sxx * syy).squareRoot()
    }

    func testFactorReproducesPearsonCorrelationOfScoreVectors() throws {
        var g = SeededGenerator(seed: 7)
        let n = 50, total = 12, k = 8
        let scores = Matrix<Double>(rows: n, columns: total, storage: (0..<(n * total)).map { _ in g.normal() })
        let eigenvalues = (0..<total).map { 10 / Double($0 + 1) }
        for scale in PCScale.allCases {
            let pc = try PCRelatedness(scores: scores, count: k, scale: scale, eigenvalues: eigenvalues)
            XCTAssertEqual(pc.factor.rows, n); XCTAssertEqual(pc.factor.columns, k)
            let dense = pc.dense()
            let weight: (Int) -> Double = { c in scale == .none ? 1 : (scale == .eigenvalue ? eigenvalues[c] : eigenvalues[c].squareRoot()) }
            for i in 0..<n { for j in 0..<n {
                let expected = pearson((0..<k).map { scores[i, $0] * weight($0) }, (0..<k).map { scores[j, $0] * weight($0) })
                XCTAssertEqual(dense[i, j], expected, accuracy: 1e-12, "\(scale) \(i) \(j)")
            } }
        }
        XCTAssertThrowsError(try PCRelatedness(scores: scores, count: 13)) { XCTAssertEqual($0 as? PCRelatednessError, .tooFewPCs(requested: 13, available: 12)) }
        XCTAssertThrowsError(try PCRelatedness(scores: scores, count: 8, scale: .eigenvalue, eigenvalues: [1, 2])) {
            XCTAssertEqual($0 as? PCRelatednessError, .tooFewEigenvalues(needed: 8, available: 2))
        }
        var flat = scores
        for c in 0..<total { flat[4, c] = 2.5 }
        XCTAssertThrowsError(try PCRelatedness(scores: flat, count: 3)) { XCTAssertEqual($0 as? PCRelatednessError, .constantScores(row: 4)) }
    }

    func testFactorFileRoundTripsExactly() throws {
        var g = SeededGenerator(seed: 1)
        let w = Matrix<Double>(rows: 6, columns: 3, storage: (0..<18).map { _ in g.normal() / 3 })
        let ids = (0..<6).map { (fid: "F\($0)", iid: "I\($0)") }
        try PCFactorFile.write(w, ids: ids, to: PCFactorFile.path(folder + "/q"))
        let back = try PCFactorFile.read(path: folder + "/q.pcfactor.tsv")
        XCTAssertEqual(back.factor, w)
        XCTAssertEqual(back.ids.map { $0.iid }, ids.map { $0.iid })
        let header = try String(contentsOfFile: folder + "/q.pcfactor.tsv", encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "FID\tIID\tW1\tW2\tW3")
    }

    /// Real `.eigenvec` files from PLINK 2 (`#FID IID PC1 …` header) and PLINK 1.9 (no header),
    /// read with Formats' `Eigenvectors`, with eigenvalues from the `.eigenval` beside them; the
    /// factor built from them reproduces the Pearson correlation of the eigenvalue-weighted scores.
    func testFactorFromPlinkEigenvecAndEigenvalFiles() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 60, snps: 400, seed: 13)
        _ = try runTool("plink2", ["--bfile", "sim", "--pca", "5", "--out", "p2", "--threads", "1"], in: folder)
        _ = try runTool("plink1.9", ["--bfile", "sim", "--pca", "5", "--out", "p1", "--threads", "1"], in: folder)
        for prefix in ["p2", "p1"] {
            let file = try Eigenvectors.read(path: folder + "/\(prefix).eigenvec")
            XCTAssertEqual(file.ids.map { $0.iid }, sim.fam.map { $0.iid }, prefix)
            XCTAssertEqual(file.vectors.rows, 60, prefix)
            let text = try String(contentsOfFile: folder + "/\(prefix).eigenval", encoding: .utf8)
            let expected = text.split(separator: "\n").map { Double($0)! }
            let eigenvalues = try XCTUnwrap(try file.columnEigenvalues(), prefix)
            XCTAssertEqual(eigenvalues, expected, prefix)
            let pc = try PCRelatedness(scores: file.vectors, count: 5, scale: .eigenvalue, eigenvalues: eigenvalues)
            let dense = pc.dense()
            for (i, j) in [(0, 1), (7, 30), (59, 2)] {
                let x = (0..<5).map { file.vectors[i, $0] * eigenvalues[$0] }, y = (0..<5).map { file.vectors[j, $0] * eigenvalues[$0] }
                XCTAssertEqual(dense[i, j], pearson(x, y), accuracy: 1e-12, prefix)
            }
        }
        try AtomicFile.write("0.5\nx\n", to: folder + "/bad.eigenval")
        XCTAssertThrowsError(try Eigenvectors.readPlinkEigenvalues(path: folder + "/bad.eigenval")) { XCTAssert("\($0)".contains("bad.eigenval:2:"), "\($0)") }
    }
}
