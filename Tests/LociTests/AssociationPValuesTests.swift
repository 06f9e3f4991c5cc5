import Foundation
import XCTest
import Formats
@testable import Loci

final class AssociationPValuesTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "gwasflow-assocp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func write(_ text: String, _ name: String) throws -> String {
        let path = folder + "/" + name
        try AtomicFile.write(text, to: path)
        return path
    }

    func testReadsGemmaUnivariateAndSkipsNonNumericP() throws {
        let path = try write("""
            chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tlogl_H1\tl_remle\tl_mle\tp_wald\tp_lrt\tp_score
            1\trs1\t100\t0\tA\tG\t0.2\t0.1\t0.05\t-10\t1\t1\t1.5e-8\t2e-8\t3e-8
            1\trs2\t200\t0\tA\tG\t0.2\t0.1\t0.05\t-10\t1\t1\tnan\tnan\tnan
            1\trs3\t300\t0\tA\tG\t0.2\t0.1\t0.05\t-10\t1\t1\t0.5\t0.4\t0.3

            """, "g.assoc.txt")
        let wald = try AssociationPValues(path: path)
        XCTAssertEqual(wald.idField, "rs")
        XCTAssertEqual(wald.pField, "p_wald")
        XCTAssertEqual(wald.rows, [.init(id: "rs1", p: 1.5e-8, line: 2), .init(id: "rs3", p: 0.5, line: 4)])
        XCTAssertEqual(wald.skipped, 1)
        let score = try AssociationPValues(path: path, pField: "p_score")
        XCTAssertEqual(score.rows.map(\.p), [3e-8, 0.3])
    }

    func testReadsGemmaMultivariateScoreOnlyAndPlinkStyle() throws {
        let gemma = try write("chr rs ps n_miss allele1 allele0 af beta_1 beta_2 Vbeta_1_1 Vbeta_1_2 Vbeta_2_2 p_score\n1 a 1 0 A G 0.3 0.1 0.2 0.01 0 0.01 0.002\n", "m.assoc.txt")
        let m = try AssociationPValues(path: gemma)
        XCTAssertEqual(m.pField, "p_score")
        XCTAssertEqual(m.rows.map(\.p), [0.002])
        let plink = try write(" CHR SNP BP A1 TEST NMISS BETA STAT P\n 1 x 10 A ADD 100 0.1 2 NA\n 1 y 20 A ADD 100 0.1 2 1e-300\n 1 z\n", "p.qassoc")
        let p = try AssociationPValues(path: plink)
        XCTAssertEqual(p.idField, "SNP")
        XCTAssertEqual(p.rows.map(\.id), ["y"])
        XCTAssertEqual(p.rows[0].p, 1e-300)
        XCTAssertEqual(p.skipped, 2, "NA p-value and a short line, as PLINK --clump skips them")
    }

    func testErrorsNameFileLineAndProblem() throws {
        let noP = try write("SNP BETA\nx 1\n", "a.txt")
        XCTAssertThrowsError(try AssociationPValues(path: noP)) { e in
            XCTAssert("\(e)".contains("a.txt") && "\(e)".contains("p-value column"), "\(e)")
        }
        let big = try write("SNP P\nx 0.1\ny 1.5\n", "b.txt")
        XCTAssertThrowsError(try AssociationPValues(path: big)) { e in
            XCTAssert("\(e)".contains("b.txt") && "\(e)".contains("3") && "\(e)".contains("outside [0, 1]"), "\(e)")
        }
        let dup = try write("SNP P\nx 0.1\nx 0.2\n", "c.txt")
        XCTAssertThrowsError(try AssociationPValues(path: dup)) { e in XCTAssert("\(e)".contains("appears twice"), "\(e)") }
        let empty = try write("\n\n", "d.txt")
        XCTAssertThrowsError(try AssociationPValues(path: empty)) { e in XCTAssert("\(e)".contains("empty"), "\(e)") }
        XCTAssertThrowsError(try AssociationPValues(path: folder + "/missing.txt"))
        let named = try write("SNP P\nx 0.1\n", "e.txt")
        XCTAssertThrowsError(try AssociationPValues(path: named, pField: "p_lrt")) { e in XCTAssert("\(e)".contains("p_lrt"), "\(e)") }
    }
}
