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
    /// and PLINK 2's `#IID`-only layout.
    func testReadsPlinkEigenvecFiles() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 60, snps: 400, seed: 13)
        _ = try runTool("plink2", ["--bfile", "sim", "--pca", "5", "--out", "p2", "--threads", "1"], in: folder)
        _ = try runTool("plink1.9", ["--bfile", "sim", "--pca", "5", "--out", "p1", "--threads", "1"], in: folder)
        for prefix in ["p2", "p1"] {
            let pcs = try PCScores.read(path: folder + "/\(prefix).eigenvec")
            XCTAssertEqual(pcs.ids.map { $0.iid }, sim.fam.map { $0.iid }, prefix)
            XCTAssertEqual(pcs.ids.map { $0.fid }, sim.fam.map { $0.fid }, prefix)
            XCTAssertEqual(pcs.scores.columns, 5, prefix)
            XCTAssertEqual(pcs.scores.rows, 60, prefix)
            XCTAssertEqual(try EigenvalueFile.read(path: folder + "/\(prefix).eigenval").count, 5)
        }
        try AtomicFile.write("#IID\tPC1\tPC2\na\t0.1\t0.2\nb\t-0.1\t3e-2\n", to: folder + "/iid.eigenvec")
        let iid = try PCScores.read(path: folder + "/iid.eigenvec")
        XCTAssertEqual(iid.ids.map { $0.fid }, ["a", "b"])
        XCTAssertEqual(iid.scores, Matrix(rowArrays: [[0.1, 0.2], [-0.1, 0.03]]))
        try AtomicFile.write("F I 0.1 0.2\nF J 0.3\n", to: folder + "/short.eigenvec")
        XCTAssertThrowsError(try PCScores.read(path: folder + "/short.eigenvec")) { XCTAssertEqual("\($0)", folder + "/short.eigenvec:2: expected 4 fields (2 ID columns and 2 PCs), found 3") }
        try AtomicFile.write("F I 0.1 x\n", to: folder + "/bad.eigenvec")
        XCTAssertThrowsError(try PCScores.read(path: folder + "/bad.eigenvec")) { XCTAssert("\($0)".contains(":1: PC score is not a finite number: 'x'"), "\($0)") }
    }
}
