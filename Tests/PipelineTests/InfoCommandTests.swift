import Foundation
import XCTest

/// `gwasflow info` on the committed testdata, every figure recomputed here from the files' bytes
/// and text, plus partial matches and errors.
final class InfoCommandTests: XCTestCase {
    static let root = SimulateCommandTests.root

    /// The `key: value` lines printed, in order.
    func run(_ arguments: [String], in folder: URL = root) throws -> (status: Int32, lines: [(String, String)], stderr: String) {
        let result = try GWASFlowProcess.run(["info"] + arguments, in: folder)
        let lines = result.stdout.split(separator: "\n").map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1].dropFirst()) : "")
        }
        return (result.status, lines, result.stderr)
    }

    func value(_ lines: [(String, String)], _ key: String) -> String? { lines.first { $0.0 == key }?.1 }

    /// Text rows of a testdata table, header first, split on tabs.
    func table(_ name: String) throws -> [[Substring]] {
        try String(contentsOf: Self.root.appendingPathComponent("testdata/" + name), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t") }
    }

    func testTestdataFiguresMatchAnIndependentCount() throws {
        let r = try run(["--bfile", "testdata/sim", "--pheno", "testdata/hormonal.tsv", "--covar", "testdata/covariates.tsv",
                         "--pcs", "testdata/pcs.eigenvec"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.lines.allSatisfy { !$0.0.isEmpty && !$0.1.isEmpty }, "every line is key: value")
        let fam = try String(contentsOf: Self.root.appendingPathComponent("testdata/sim.fam"), encoding: .utf8).split(separator: "\n")
        let bim = try String(contentsOf: Self.root.appendingPathComponent("testdata/sim.bim"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(value(r.lines, "individuals"), "\(fam.count)")
        XCTAssertEqual(value(r.lines, "SNPs"), "\(bim.count)")
        let chromosomes = Set(bim.map { $0.split(separator: "\t")[0] })
        XCTAssertEqual(value(r.lines, "chromosomes"), "\(chromosomes.count)")
        for c in chromosomes {
            XCTAssertEqual(value(r.lines, "SNPs on chromosome \(c)"), "\(bim.filter { $0.hasPrefix(c + "\t") }.count)")
        }
        XCTAssertEqual(value(r.lines, "families"), "\(Set(fam.map { $0.split(separator: " ")[0] }).count)")
        // Missing calls straight from the .bed bytes: code 01 in SNP-major 2-bit layout.
        let bed = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("testdata/sim.bed")))
        let per = (fam.count + 3) / 4
        var missing = 0
        for snp in 0..<bim.count {
            for i in 0..<fam.count where (bed[3 + snp * per + i / 4] >> UInt8(2 * (i % 4))) & 3 == 1 { missing += 1 }
        }
        let rate = try XCTUnwrap(Double(try XCTUnwrap(value(r.lines, "missing-genotype rate"))))
        XCTAssertEqual(rate, Double(missing) / Double(fam.count * bim.count), accuracy: 1e-5 * rate)  // printed with %.6g

        let pheno = try table("hormonal.tsv")
        XCTAssertEqual(value(r.lines, "pheno columns"), pheno[0].dropFirst(2).joined(separator: ", "))
        for (j, name) in pheno[0].enumerated().dropFirst(2) {
            XCTAssertEqual(value(r.lines, "pheno missing \(name)"), "\(pheno.dropFirst().filter { $0[j] == "NA" }.count)")
        }
        XCTAssertEqual(value(r.lines, "pheno individuals"), "\(fam.count) of \(fam.count) .fam individuals matched")
        XCTAssertEqual(value(r.lines, "covar columns"), "intercept, age, sex, batch=B2, batch=B3")
        XCTAssertEqual(value(r.lines, "pcs columns"), "10")
        let complete = pheno.dropFirst().filter { !$0.contains("NA") }.count
        XCTAssertEqual(value(r.lines, "individuals complete in every file"), "\(complete)")
    }

    func testPartialMatchIsReported() throws {
        let folder = try temporaryFolder(self)
        var rows = try table("hormonal.tsv").map { $0.joined(separator: "\t") }
        rows.remove(at: 5); rows.remove(at: 9)
        rows.append("NOPE\tNOPE\t1\t2\t3\t4")
        try (rows.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("partial.tsv"), atomically: true, encoding: .utf8)
        let r = try run(["--bfile", Self.root.path + "/testdata/sim", "--pheno", "partial.tsv"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(value(r.lines, "pheno individuals"),
                       "798 of 800 .fam individuals matched; 2 absent (set missing); 1 row not in the .fam (ignored, e.g. NOPE NOPE)")
        XCTAssertNil(value(r.lines, "covar"))
    }

    func testMissingInputsAreOneLineErrors() throws {
        let folder = try temporaryFolder(self)
        for arguments in [["--bfile", "nothing/here"], ["--bfile", Self.root.path + "/testdata/sim", "--pheno", "absent.tsv"], []] {
            let r = try run(arguments, in: folder)
            XCTAssertEqual(r.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("gwasflow: error: "), r.stderr)
        }
    }
}
