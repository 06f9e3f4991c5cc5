import Foundation
import XCTest

/// `gwasflow simulate` end to end: the committed `testdata/` is exactly what its documented
/// command produces, and bad settings are one-line errors with exit status 2.
final class SimulateCommandTests: XCTestCase {
    /// The repository root (this file is Tests/PipelineTests/…).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `gwasflow simulate …` line of testdata/README.md, split into arguments.
    func documentedArguments() throws -> [String] {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("testdata/README.md"), encoding: .utf8)
        let line = try XCTUnwrap(readme.split(separator: "\n").first { $0.hasPrefix("gwasflow simulate ") })
        return line.split(separator: " ").dropFirst().map(String.init)
    }

    func testCommittedTestdataIsReproducedByteForByte() throws {
        let folder = try temporaryFolder(self)
        let arguments = try documentedArguments().map { $0.replacingOccurrences(of: "testdata/", with: folder.path + "/") }
        XCTAssertTrue(arguments.contains("--seed"))
        let result = try GWASFlowProcess.run(arguments, in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let names = ["sim.bed", "sim.bim", "sim.fam", "hormonal.tsv", "covariates.tsv", "pcs.eigenvec", "pcs.eigenval",
                     "truth.tsv", "truth.variance.tsv"]
        let committed = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("testdata").path)
        XCTAssertEqual(Set(committed), Set(names + ["README.md"]).union(committed.filter { $0.hasSuffix(".log") }),
                       "testdata/ holds files the command does not write")
        for name in names {
            let expected = try Data(contentsOf: Self.root.appendingPathComponent("testdata/" + name))
            let produced = try Data(contentsOf: folder.appendingPathComponent(name))
            XCTAssertTrue(expected == produced, "\(name) differs from testdata/\(name): rerun the command in testdata/README.md")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("sim.log").path))
    }

    func testDefaultFileNamesFollowThePrefix() throws {
        let folder = try temporaryFolder(self)
        let result = try GWASFlowProcess.run(["simulate", "--n", "60", "--snps", "400", "--chromosomes", "2", "--traits", "A,B",
                                              "--causal-per-trait", "1", "--shared-causal", "0", "--pcs", "3",
                                              "--out", "run/sim", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        for suffix in [".bed", ".bim", ".fam", ".pheno.tsv", ".covar.tsv", ".eigenvec", ".eigenval", ".truth.tsv",
                       ".truth.variance.tsv", ".log"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path + "/run/sim" + suffix), suffix)
        }
        let header = try String(contentsOfFile: folder.path + "/run/sim.pheno.tsv", encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "FID\tIID\tA\tB")
        let counted = try GWASFlowProcess.run(["simulate", "--n", "60", "--snps", "1000", "--chromosomes", "2", "--traits", "5",
                                               "--causal-per-trait", "1", "--shared-causal", "0", "--pcs", "0",
                                               "--out", "five", "--quiet"], in: folder)
        XCTAssertEqual(counted.status, 0, counted.stderr)
        let names = try String(contentsOfFile: folder.path + "/five.pheno.tsv", encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(names, "FID\tIID\tTSH\tFT4\tT3\tcortisol\ttrait5")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path + "/five.eigenvec"))
    }

    func testBadSettingsAreOneLineErrors() throws {
        let folder = try temporaryFolder(self)
        for (arguments, fragment) in [(["--n", "1"], "at least 2 individuals"),
                                      (["--traits", "TSH,TSH"], "distinct"),
                                      (["--snps", "20", "--chromosomes", "1"], "causal SNPs found"),
                                      (["--polygenic", "0.9"], "below 1")] {
            let result = try GWASFlowProcess.run(["simulate", "--out", "x"] + arguments, in: folder)
            XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(fragment), result.stderr)
        }
    }
}
