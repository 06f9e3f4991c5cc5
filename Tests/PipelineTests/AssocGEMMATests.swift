import Foundation
import XCTest
import Association
import Formats
import GWASFlow
import Numerics
import Simulation

/// `gwasflow assoc` against the Debian `gemma` 0.98.5 (`-lmm 3`, univariate and multivariate) on a
/// simulated cohort with families, two covariates besides the intercept, missing genotypes and
/// missing phenotypes.
final class AssocGEMMATests: XCTestCase {
    static let gemma = "/usr/bin/gemma"

    func cohort(traits d: Int, seed: UInt64) throws -> AssocCohort {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.gemma), "gemma is not installed (apt-get install gemma)")
        var vg = Matrix<Double>(rows: d, columns: d), ve = Matrix<Double>(rows: d, columns: d)
        for a in 0..<d { for b in 0..<d {
            vg[a, b] = a == b ? 2.5 + 0.5 * Double(a) : 1.0
            ve[a, b] = a == b ? 1.0 : -0.2
        } }
        let settings = PopulationSettings(individuals: 500, snps: 3_000, chromosomes: 2, ldDecay: 0)
        return try AssocCohort.make(folder: try temporaryFolder(self), population: settings, vg: vg, ve: ve,
                                    missingRate: 0.05, seed: seed)
    }

    /// Runs gemma -lmm 3 on traits `columns` (1-based); returns its association file and log text.
    func runGEMMA(_ c: AssocCohort, columns: [Int], name: String) throws -> (AssocFile, String) {
        let outdir = c.prefix + "-gemma"
        let (status, output) = try WorkflowDryRunTests.run(Self.gemma, [
            "-bfile", c.prefix, "-k", c.grmPath, "-p", c.phenoPath, "-c", c.covarPath, "-n"] + columns.map(String.init)
            + ["-lmm", "3", "-o", name, "-outdir", outdir])
        XCTAssertEqual(status, 0, output)
        return (try AssocFile(path: "\(outdir)/\(name).assoc.txt"), try String(contentsOfFile: "\(outdir)/\(name).log.txt", encoding: .utf8))
    }

    func runOurs(_ c: AssocCohort, columns: [Int], name: String) throws -> (AssocFile, AssocResult) {
        let settings = AssocSettings(relatedness: .grm(c.grmPath), columns: .positions(columns), covar: c.covarPath)
        let result = try assoc(bfile: c.prefix, pheno: c.phenoPath, settings: settings, out: "\(c.prefix)-\(name)", context: RunContext())
        return (try AssocFile(path: result.tables[0].path), result)
    }

    /// A number after `key` on a line of GEMMA's log.
    func logValue(_ log: String, _ key: String) -> Double {
        let line = log.split(separator: "\n").first { $0.contains(key) }!
        return Double(line.split(separator: "=").last!.trimmingCharacters(in: .whitespaces))!
    }

    /// The d × d matrix printed after `heading` in GEMMA's log (MLE blocks are full rows).
    func logMatrix(_ log: String, _ heading: String, d: Int) -> Matrix<Double> {
        let lines = log.split(separator: "\n")
        let start = lines.firstIndex { $0.contains(heading) }! + 1
        return Matrix(rowArrays: (0..<d).map { lines[start + $0].split(whereSeparator: { $0 == "\t" || $0 == " " }).map { Double($0)! } })
    }

    /// Same SNPs, same descriptive columns, and every numeric column within tolerance.
    func assertSameTable(_ ours: AssocFile, _ theirs: AssocFile, maxLog10P: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.header, theirs.header, file: file, line: line)
        XCTAssertEqual(ours.ids, theirs.ids, "tested SNPs differ", file: file, line: line)
        guard ours.ids == theirs.ids, ours.header == theirs.header else { return }
        XCTAssertGreaterThan(ours.rows.count, 2_000, file: file, line: line)
        for (a, b) in zip(ours.rows, theirs.rows) {
            XCTAssertEqual(Array(a[0..<7]), Array(b[0..<7]), "chr rs ps n_miss allele1 allele0 af", file: file, line: line)
        }
        let p = ours.numbers("p_score"), q = theirs.numbers("p_score")
        let worst = zip(p, q).map { abs(log10($0) - log10($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, maxLog10P, "max |Δ log10 p|", file: file, line: line)
        XCTAssertLessThan(q.min()!, 1e-3, "the data should contain some association signal", file: file, line: line)
    }

    func testUnivariateMatchesGEMMA() throws {
        let c = try cohort(traits: 1, seed: 11)
        let (theirs, log) = try runGEMMA(c, columns: [1], name: "uni")
        let (ours, result) = try runOurs(c, columns: [1], name: "uni")
        assertSameTable(ours, theirs, maxLog10P: 0.01)
        // beta to 1e-4 of max(|beta|, se) (betas near 0 carry GEMMA's 7 printed digits of se, not of beta); se to 1e-4.
        let beta = ours.numbers("beta"), se = ours.numbers("se"), gBeta = theirs.numbers("beta"), gSE = theirs.numbers("se")
        for k in beta.indices {
            XCTAssertEqual(beta[k], gBeta[k], accuracy: 1e-4 * max(abs(gBeta[k]), gSE[k]), "beta of \(ours.ids[k])")
            XCTAssertEqual(se[k], gSE[k], accuracy: 1e-4 * gSE[k], "se of \(ours.ids[k])")
        }
        let fit = result.univariateFits[0]
        XCTAssertEqual(fit.restricted.vg, logValue(log, "## vg estimate"), accuracy: 1e-4 * fit.restricted.vg)
        XCTAssertEqual(fit.restricted.ve, logValue(log, "## ve estimate"), accuracy: 1e-4 * fit.restricted.ve)
        XCTAssertEqual(fit.restricted.logLikelihood, logValue(log, "## REMLE log-likelihood"), accuracy: 1e-3)
        XCTAssertEqual(fit.maximum.logLikelihood, logValue(log, "## MLE log-likelihood"), accuracy: 1e-3)
        XCTAssertNotEqual(fit.maximum.lambda, fit.restricted.lambda, accuracy: 1e-3, "ML and REML λ should differ on this data")
    }

    func assertMultivariateMatchesGEMMA(traits d: Int, seed: UInt64) throws {
        let c = try cohort(traits: d, seed: seed)
        let columns = Array(1...d)
        let (theirs, log) = try runGEMMA(c, columns: columns, name: "mv\(d)")
        let (ours, result) = try runOurs(c, columns: columns, name: "mv\(d)")
        assertSameTable(ours, theirs, maxLog10P: 0.02)
        let fit = try XCTUnwrap(result.multivariateFit).maximum
        XCTAssertTrue(fit.converged)
        XCTAssertEqual(fit.logLikelihood, logValue(log, "## MLE log-likelihood"), accuracy: 1e-2)
        for (ourMatrix, heading) in [(fit.vg, "MLE estimate for Vg"), (fit.ve, "MLE estimate for Ve")] {
            let gemma = logMatrix(log, "## " + heading, d: d)
            for i in 0..<d { for j in 0..<d {
                let scale = (gemma[i, i] * gemma[j, j]).squareRoot()
                XCTAssertEqual(ourMatrix[i, j], gemma[i, j], accuracy: 1e-4 * scale, "\(heading) [\(i), \(j)]")
            } }
        }
        // Effects and their covariances, each relative to its diagonal scale.
        for k in ours.rows.indices {
            for i in 1...d {
                let col = ours.column("beta_\(i)")
                let v = Double(theirs.rows[k][ours.column("Vbeta_\(i)_\(i)")])!
                XCTAssertEqual(Double(ours.rows[k][col])!, Double(theirs.rows[k][col])!, accuracy: 1e-4 * v.squareRoot(), "beta_\(i) of \(ours.ids[k])")
                for j in i...d {
                    let vj = Double(theirs.rows[k][ours.column("Vbeta_\(j)_\(j)")])!
                    let cv = ours.column("Vbeta_\(i)_\(j)")
                    XCTAssertEqual(Double(ours.rows[k][cv])!, Double(theirs.rows[k][cv])!, accuracy: 1e-4 * (v * vj).squareRoot(), "Vbeta_\(i)_\(j) of \(ours.ids[k])")
                }
            }
        }
    }

    func testMultivariateTwoTraitsMatchesGEMMA() throws {
        try assertMultivariateMatchesGEMMA(traits: 2, seed: 12)
    }

    /// Seed 16: on seeds 13 and 15 of this cohort GEMMA's d = 3 ML step diverges (its printed MLE
    /// log-likelihood is 66 and 10 units below ours at our Vg/Ve; an independent numpy evaluation of
    /// the likelihood at both points agrees), while its REML values match ours.
    func testMultivariateThreeTraitsMatchesGEMMA() throws {
        try assertMultivariateMatchesGEMMA(traits: 3, seed: 16)
    }
}
