import Foundation
import XCTest

/// `gwasflow grm`, `assoc` and `compare` run as a user would, on the committed testdata.
final class CompareCommandTests: XCTestCase {
    static let root = SimulateCommandTests.root

    func rows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
    }

    /// The three arms end to end with short flow schedules; every count in compare.tsv is checked
    /// against the arm's own files, and Single's p-values against its per-trait tables.
    func testCompareRunsTheThreeArmsAndCountsTheirLoci() throws {
        let folder = try temporaryFolder(self)
        let data = Self.root.appendingPathComponent("testdata").path
        let grm = try GWASFlowProcess.run(["grm", "--bfile", data + "/sim", "--out", folder.path + "/k", "--quiet"], in: folder)
        XCTAssertEqual(grm.status, 0, grm.stderr)
        let r = try GWASFlowProcess.run([
            "compare", "--bfile", data + "/sim", "--pheno", data + "/hormonal.tsv", "--columns", "TSH,FT4,T3",
            "--covar", data + "/covariates.tsv", "--grm", folder.path + "/k.cXX.txt", "--truth", data + "/truth.tsv",
            "--epochs", "6", "--initial-epochs", "3", "--rounds", "2", "--round-epochs", "2", "--layers", "4",
            "--quiet", "--out", folder.path + "/r"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let table = try rows(folder.appendingPathComponent("r.compare.tsv"))
        XCTAssertEqual(table.first, ["method", "loci", "lambda_gc", "seconds", "true_loci", "false_loci"])
        XCTAssertEqual(table.dropFirst().map { $0[0] }, ["single", "baseline", "alternating"])
        for row in table.dropFirst() {
            let loci = try rows(folder.appendingPathComponent("r.\(row[0]).loci.tsv")).count - 1
            XCTAssertEqual(Int(row[1]), loci, row[0])
            XCTAssertEqual(Int(row[4])! <= 10 && Int(row[5])! <= loci, true, "true loci ≤ causal SNPs (10), false ≤ loci")
            XCTAssertEqual(Double(row[2])!, 1, accuracy: 0.15, "λ_GC of \(row[0])")
        }
        XCTAssertGreaterThan(Int(table[1][1])!, 0, "Single should find loci on the testdata")
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 4, r.stdout)
        XCTAssertTrue(r.stdout.contains("Alternating"))

        // Single: p = min(1, 3 · min_t p_t), from the three per-trait tables.
        let single = try rows(folder.appendingPathComponent("r.single.assoc.txt"))
        let perTrait = try ["TSH", "FT4", "T3"].map { try rows(folder.appendingPathComponent("r.single.\($0).assoc.txt")) }
        XCTAssertEqual(single.count, perTrait[0].count)
        for k in 1..<single.count {
            XCTAssertEqual(single[k][1], perTrait[0][k][1])
            let expected = min(1, 3 * perTrait.map { Double($0[k].last!)! }.min()!)
            XCTAssertEqual(Double(single[k][3])!, expected, accuracy: 1e-6 * expected, single[k][1])
        }
    }

    func testAssocUsageErrorsAreOneLine() throws {
        let folder = try temporaryFolder(self)
        let data = Self.root.appendingPathComponent("testdata").path
        for (arguments, fragment) in [
            (["--grm", "a.txt", "--eigen", "e"], "one of --grm, --eigen, --pcs, not several"),
            (["--pcs", "p.eigenvec"], "--pcs and --n-pcs K go together"),
            (["--grm", "a.txt", "--snps", "5-2"], "--snps expects FROM-TO"),
            (["--grm", "missing.cXX.txt"], "missing.cXX.txt"),
        ] {
            let r = try GWASFlowProcess.run(["assoc", "--bfile", data + "/sim", "--pheno", data + "/hormonal.tsv", "--out", folder.path + "/a"] + arguments, in: folder)
            XCTAssertEqual(r.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(fragment), r.stderr)
        }
    }
}
