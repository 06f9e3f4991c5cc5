import Foundation
import XCTest
import Formats
import Numerics
import Relatedness

/// `assoc` and `compare` on their other relatedness inputs, on the committed testdata (800
/// individuals, 55 missing trait values): PC relatedness from its low-rank factor against the same
/// matrix written densely, and eigen files of every `.fam` individual when some lack the trait.
final class AssocRelatednessInputTests: XCTestCase {
    static let root = SimulateCommandTests.root
    let data = root.appendingPathComponent("testdata").path

    func run(_ arguments: [String], in folder: URL) throws -> GWASFlowProcess.Result {
        let r = try GWASFlowProcess.run(arguments + ["--quiet"], in: folder)
        XCTAssertEqual(r.status, 0, "\(arguments.first ?? ""): \(r.stderr)")
        return r
    }

    /// Largest |Δ log10 p| between two tables, after checking they test the same SNPs.
    func worstDifference(_ a: String, _ b: String) throws -> Double {
        let (x, y) = (try AssocFile(path: a), try AssocFile(path: b))
        XCTAssertEqual(x.ids, y.ids)
        XCTAssertGreaterThan(x.ids.count, 1_000)
        return zip(x.numbers("p_score"), y.numbers("p_score")).map { abs(log10($0) - log10($1)) }.max()!
    }

    func testPCRelatednessMatchesItsDenseMatrix() throws {
        let folder = try temporaryFolder(self)
        let out = folder.path
        _ = try run(["grm", "--pcs", data + "/pcs.eigenvec", "--n-pcs", "8", "--bfile", data + "/sim", "--dense", "--out", out + "/pc"], in: folder)
        for columns in ["TSH", "TSH,FT4"] {
            let common = ["assoc", "--bfile", data + "/sim", "--pheno", data + "/hormonal.tsv", "--columns", columns,
                          "--covar", data + "/covariates.tsv", "--precision", "double"]
            _ = try run(common + ["--pcs", data + "/pcs.eigenvec", "--n-pcs", "8", "--out", out + "/low"], in: folder)
            _ = try run(common + ["--grm", out + "/pc.pcrel.txt", "--out", out + "/dense"], in: folder)
            // The dense file holds %.10g values: agreement to that precision, far below GEMMA's 0.01.
            XCTAssertLessThan(try worstDifference(out + "/low.assoc.txt", out + "/dense.assoc.txt"), 1e-6, columns)
            let log = try String(contentsOfFile: out + "/low.log", encoding: .utf8)
            XCTAssertTrue(log.contains("PC relatedness from 8 PCs"), log)
        }
    }

    /// Eigen files over all 800 individuals while only those with TSH are analysed: K is recomposed
    /// and decomposed again, which must give the GRM run's results (the GRM subset, then decomposed).
    func testEigenOfAllIndividualsServesASubset() throws {
        let folder = try temporaryFolder(self)
        let out = folder.path
        _ = try run(["grm", "--bfile", data + "/sim", "--out", out + "/k"], in: folder)
        _ = try run(["eigen", "--grm", out + "/k.cXX.txt", "--out", out + "/k"], in: folder)
        let common = ["assoc", "--bfile", data + "/sim", "--pheno", data + "/hormonal.tsv", "--columns", "TSH", "--precision", "double"]
        _ = try run(common + ["--eigen", out + "/k", "--chr", "1", "--out", out + "/e"], in: folder)
        _ = try run(common + ["--grm", out + "/k.cXX.txt", "--chr", "1", "--out", out + "/g"], in: folder)
        XCTAssertLessThan(try worstDifference(out + "/e.assoc.txt", out + "/g.assoc.txt"), 1e-6)
        let log = try String(contentsOfFile: out + "/e.log", encoding: .utf8)
        XCTAssertTrue(log.contains("K is recomposed from the eigen files"), log)
        XCTAssertFalse(log.contains("analysed individuals: 800 of 800"), "some individuals lack TSH")
    }

    /// `eigen --pheno`: K decomposed once over exactly the individuals `assoc` analyses (two traits
    /// and the covariates: 745 of 800), so `assoc --eigen` takes the files as they are; its p-values
    /// equal those of the path that recomposes K from eigen files over all 800 in every run.
    func testEigenOfTheAnalysedIndividuals() throws {
        let folder = try temporaryFolder(self)
        let out = folder.path
        _ = try run(["grm", "--bfile", data + "/sim", "--out", out + "/k"], in: folder)
        _ = try run(["eigen", "--grm", out + "/k.cXX.txt", "--out", out + "/k"], in: folder)
        let selection = ["--pheno", data + "/hormonal.tsv", "--columns", "TSH,FT4", "--covar", data + "/covariates.tsv"]
        _ = try run(["eigen", "--grm", out + "/k.cXX.txt", "--bfile", data + "/sim", "--out", out + "/a"] + selection, in: folder)
        let common = ["assoc", "--bfile", data + "/sim", "--chr", "1", "--precision", "double"] + selection
        _ = try run(common + ["--eigen", out + "/k", "--out", out + "/all"], in: folder)
        _ = try run(common + ["--eigen", out + "/a", "--out", out + "/analysed"], in: folder)
        XCTAssertLessThan(try worstDifference(out + "/all.assoc.txt", out + "/analysed.assoc.txt"), 1e-6)
        let values = try String(contentsOfFile: out + "/a.eigenD.txt", encoding: .utf8).split(separator: "\n")
        let assocLog = try String(contentsOfFile: out + "/analysed.log", encoding: .utf8)
        XCTAssertTrue(assocLog.contains("analysed individuals: \(values.count) of 800"), assocLog)
        XCTAssertLessThan(values.count, 800)
        XCTAssertFalse(assocLog.contains("K is recomposed"), assocLog)
        XCTAssertTrue(try String(contentsOfFile: out + "/all.log", encoding: .utf8).contains("K is recomposed"))

        let orphan = try GWASFlowProcess.run(["eigen", "--grm", out + "/k.cXX.txt", "--pheno", data + "/hormonal.tsv", "--out", out + "/x"], in: folder)
        XCTAssertEqual(orphan.status, 2, orphan.stderr)
        XCTAssertTrue(orphan.stderr.contains("--pheno needs --bfile"), orphan.stderr)
    }

    /// `compare --pcs`: the three arms with PC relatedness for the flows and the LMMs.
    func testCompareTakesPCs() throws {
        let folder = try temporaryFolder(self)
        let r = try run([
            "compare", "--bfile", data + "/sim", "--pheno", data + "/hormonal.tsv", "--columns", "TSH,FT4,T3",
            "--covar", data + "/covariates.tsv", "--pcs", data + "/pcs.eigenvec", "--n-pcs", "8",
            "--epochs", "4", "--initial-epochs", "2", "--rounds", "1", "--round-epochs", "2", "--layers", "2",
            "--out", folder.path + "/r"], in: folder)
        XCTAssertTrue(r.stdout.contains("Alternating"), r.stdout)
        let table = try String(contentsOfFile: folder.path + "/r.compare.tsv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t") }
        XCTAssertEqual(table.dropFirst().map { String($0[0]) }, ["single", "baseline", "alternating"])
        for row in table.dropFirst() {
            let loci = try String(contentsOfFile: folder.path + "/r.\(row[0]).loci.tsv", encoding: .utf8).split(separator: "\n").count - 1
            XCTAssertEqual(Int(row[1]), loci, String(row[0]))
        }
        let log = try String(contentsOfFile: folder.path + "/r.log", encoding: .utf8)
        XCTAssertTrue(log.contains("PC relatedness from 8 PCs, decomposed from its low-rank factor"), log)
        XCTAssertTrue(log.contains("PC relatedness from 8 PCs (low rank, Woodbury)"), log)
    }
}
