import Foundation
import XCTest

/// `gwasflow normalize` and `gwasflow transform` on the committed testdata, as a user runs them
/// (small flows and few epochs: these check the files and the round trips, not the fit).
final class NormalizeCommandTests: XCTestCase {
    static let root = SimulateCommandTests.root
    static let smallFlow = ["--layers", "4", "--hidden", "16,16", "--initial-epochs", "3", "--round-epochs", "3", "--rounds", "2",
                            "--epochs", "4", "--seed", "3", "--quiet"]

    private func run(_ arguments: [String]) throws -> GWASFlowProcess.Result {
        try GWASFlowProcess.run(arguments, in: Self.root)
    }

    private func table(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Individuals with every trait and covariate, recomputed from the input files.
    private func completeIDs() throws -> Set<String> {
        func complete(_ rows: [[String]]) -> Set<String> {
            Set(rows.dropFirst().filter { !$0.dropFirst(2).contains { $0 == "NA" || $0.isEmpty } }.map { $0[1] })
        }
        return complete(try table(Self.root.path + "/testdata/hormonal.tsv")).intersection(complete(try table(Self.root.path + "/testdata/covariates.tsv")))
    }

    func testAlternatingWithGRMThenTransformRoundTrips() throws {
        let dir = try temporaryFolder(self)
        let grm = try run(["grm", "--bfile", "testdata/sim", "--out", dir.path + "/sim", "--quiet"])
        XCTAssertEqual(grm.status, 0, grm.stderr)
        let out = dir.path + "/h"
        let r = try run(["normalize", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim", "--covar", "testdata/covariates.tsv",
                         "--grm", dir.path + "/sim.cXX.txt", "--out", out] + Self.smallFlow)
        XCTAssertEqual(r.status, 0, r.stderr)

        // GEMMA file: one row per .fam individual, NA exactly where a trait or covariate is missing.
        let fam = try table(Self.root.path + "/testdata/sim.fam").map { $0[0].split(separator: " ").map(String.init) }
        let famIDs = try String(contentsOfFile: Self.root.path + "/testdata/sim.fam", encoding: .utf8).split(separator: "\n")
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)[1] }
        XCTAssertEqual(fam.count, 800)
        let gemma = try table(out + ".pheno.txt")
        XCTAssertEqual(gemma.count, 800)
        XCTAssertTrue(gemma.allSatisfy { $0.count == 4 })
        let complete = try completeIDs()
        for (i, row) in gemma.enumerated() {
            XCTAssertEqual(row.allSatisfy { $0 != "NA" }, complete.contains(famIDs[i]), "row \(i + 1) \(famIDs[i])")
            XCTAssertTrue(row.allSatisfy { $0 == "NA" } || row.allSatisfy { $0 != "NA" })
        }
        let plink = try table(out + ".pheno.tsv")
        XCTAssertEqual(plink[0], ["FID", "IID", "TSH", "FT4", "T3", "cortisol"])
        XCTAssertEqual(plink.count, 801)
        XCTAssertEqual(Array(plink[1].dropFirst(2)), gemma[0])

        let stages = try table(out + ".lambda.tsv")
        XCTAssertEqual(stages.map { $0[0] }, ["stage", "stage0", "lambda1", "flow1", "lambda2", "flow2"])
        for row in stages.dropFirst() { let l = Double(row[1])!; XCTAssertTrue(l > 0 && l <= 1) }
        let diagnostics = try table(out + ".diagnostics.tsv")
        XCTAssertEqual(diagnostics.map { $0[0] }, ["representation", "raw", "rank-int", "flow"])
        XCTAssertTrue(diagnostics.dropFirst().allSatisfy { Int($0[1]) == complete.count && Double($0[10]) != nil })
        let log = try String(contentsOfFile: out + ".log", encoding: .utf8)
        XCTAssertTrue(log.contains("residualization TSH"), log)
        XCTAssertTrue(log.contains("R²"))

        // transform forward on the same individuals reproduces the normalized values.
        let forward = try run(["transform", "--model", out + ".model.json", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim",
                               "--covar", "testdata/covariates.tsv", "--out", dir.path + "/f", "--quiet"])
        XCTAssertEqual(forward.status, 0, forward.stderr)
        let mapped = try table(dir.path + "/f.pheno.txt")
        for (a, b) in zip(mapped, gemma) {
            for (x, y) in zip(a, b) where y != "NA" { XCTAssertEqual(Double(x)!, Double(y)!, accuracy: 1e-5) }
        }
        // --inverse maps the latent values back to the phenotypes.
        let inverse = try run(["transform", "--model", out + ".model.json", "--pheno", out + ".pheno.tsv", "--bfile", "testdata/sim",
                               "--covar", "testdata/covariates.tsv", "--inverse", "--out", dir.path + "/i", "--quiet"])
        XCTAssertEqual(inverse.status, 0, inverse.stderr)
        let original = try table(Self.root.path + "/testdata/hormonal.tsv")
        let back = try table(dir.path + "/i.pheno.tsv")
        for (a, b) in zip(back.dropFirst(), original.dropFirst()) where a[2] != "NA" {
            for j in 2..<6 { XCTAssertEqual(Double(a[j])!, Double(b[j])!, accuracy: 2e-4 * max(1, abs(Double(b[j])!))) }
        }
    }

    /// `--schedule grid` selects by the validation individuals' NLL given the training individuals
    /// (the `heldout_nll` column) by default, and by each flow's objective with `--grid-selection likelihood`.
    func testGridSelectsByHeldOutNLL() throws {
        let dir = try temporaryFolder(self)
        let grm = try run(["grm", "--bfile", "testdata/sim", "--out", dir.path + "/sim", "--quiet"])
        XCTAssertEqual(grm.status, 0, grm.stderr)
        for selection in ["validation", "likelihood"] {
            let out = dir.path + "/" + selection
            let r = try run(["normalize", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim", "--grm", dir.path + "/sim.cXX.txt",
                             "--schedule", "grid", "--grid", "1,0.6,0.3", "--grid-selection", selection, "--out", out] + Self.smallFlow)
            XCTAssertEqual(r.status, 0, r.stderr)
            let stages = try table(out + ".lambda.tsv")
            XCTAssertEqual(stages[0].last, "heldout_nll")
            let rows = stages.dropFirst()
            XCTAssertEqual(rows.count, 3)
            let heldOut = rows.map { Double($0[7]) }
            XCTAssertEqual(heldOut.contains(nil), selection == "likelihood", "\(stages)")
            let column = selection == "validation" ? 7 : 3
            let best = rows.min { Double($0[column])! < Double($1[column])! }!
            let model = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".model.json"))) as! [String: Any]
            XCTAssertEqual(model["lambda"] as? Double, Double(best[1]), "\(selection): \(stages)")
        }
    }

    func testBlocksJointAndIndependentBaseline() throws {
        let dir = try temporaryFolder(self)
        let joint = try run(["normalize", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim", "--blocks", "FID",
                             "--out", dir.path + "/j"] + Self.smallFlow)
        XCTAssertEqual(joint.status, 0, joint.stderr)
        let stages = try table(dir.path + "/j.lambda.tsv")
        XCTAssertEqual(stages.map { $0[0] }, ["stage", "joint"])
        let rho = Double(stages[1][2])!
        XCTAssertTrue(rho > 0 && rho < 1)
        let iid = try run(["normalize", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim", "--iid",
                           "--out", dir.path + "/b"] + Self.smallFlow)
        XCTAssertEqual(iid.status, 0, iid.stderr)
        XCTAssertEqual(try table(dir.path + "/b.lambda.tsv").map { $0[0] }, ["stage", "baseline"])
    }

    /// `--eigen` files over all 800 individuals while 745 have every trait: G is rebuilt from them on
    /// the training individuals (the routine `assoc` uses too) and decomposed, which must give the
    /// λ path of the `--grm` run (G restricted, then decomposed); the files hold %.10g values.
    func testEigenOfAllIndividualsGivesTheGRMLambdaPath() throws {
        let dir = try temporaryFolder(self)
        XCTAssertEqual(try run(["grm", "--bfile", "testdata/sim", "--out", dir.path + "/k", "--quiet"]).status, 0)
        XCTAssertEqual(try run(["eigen", "--grm", dir.path + "/k.cXX.txt", "--out", dir.path + "/k", "--quiet"]).status, 0)
        var paths: [[[String]]] = []
        for (name, source) in [("e", ["--eigen", dir.path + "/k"]), ("g", ["--grm", dir.path + "/k.cXX.txt"])] {
            let r = try run(["normalize", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim", "--out", dir.path + "/" + name]
                            + source + Self.smallFlow)
            XCTAssertEqual(r.status, 0, r.stderr)
            paths.append(try table(dir.path + "/\(name).lambda.tsv"))
        }
        let log = try String(contentsOfFile: dir.path + "/e.log", encoding: .utf8)
        XCTAssertTrue(log.contains("G rebuilt from --eigen and restricted to the training individuals"), log)
        XCTAssertTrue(log.contains("individuals normalized: 745"), log)
        XCTAssertEqual(paths[0].map { $0[0] }, paths[1].map { $0[0] })
        XCTAssertEqual(paths[0].count, 6)
        for (e, g) in zip(paths[0], paths[1]).dropFirst() {
            for column in [1, 3] {
                XCTAssertEqual(Double(e[column])!, Double(g[column])!, accuracy: 1e-6, "\(e[0]) \(paths[0][0][column])")
            }
        }
    }

    func testUsageErrorsAreOneLine() throws {
        let r = try run(["normalize", "--pheno", "testdata/hormonal.tsv", "--bfile", "testdata/sim", "--pcs", "testdata/pcs.eigenvec",
                         "--out", "/tmp/unused"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "gwasflow: error: --pcs and --n-pcs K go together (e.g. --n-pcs 40)\n")
    }
}
