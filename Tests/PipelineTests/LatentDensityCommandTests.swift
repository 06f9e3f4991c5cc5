import Flows
import Foundation
import Numerics
import XCTest

/// `gwasflow density --model lgf|marginal` end to end: per-individual log-densities that agree
/// with the reported NLLs, samples, standard errors, and one-line errors for bad settings.
final class LatentDensityCommandTests: XCTestCase {
    /// A PLINK-style table of `n` two-moons rows.
    static func writeMoons(_ n: Int, seed: UInt64, to url: URL) throws {
        var g = SeededGenerator(seed: seed)
        let x = ToyTarget.twoMoons.sample(count: n, generator: &g)
        var text = "FID IID a b\n"
        for i in 0..<n { text += "F\(i) I\(i) \(x[i, 0]) \(x[i, 1])\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static func table(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
    }

    func testLatentModelsWriteConsistentOutputs() throws {
        let folder = try temporaryFolder(self)
        try Self.writeMoons(300, seed: 1, to: folder.appendingPathComponent("moons.txt"))
        try Self.writeMoons(100, seed: 2, to: folder.appendingPathComponent("test.txt"))
        for model in ["lgf", "marginal"] {
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--test", "test.txt", "--model", model,
                                                  "--aux", "2", "--samples", "32", "--layers", "2", "--hidden", "16,16",
                                                  "--epochs", "4", "--batch", "64", "--out", model, "--quiet"], in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            let logDensity = try Self.table(folder.appendingPathComponent("\(model).logdensity.tsv"))
            XCTAssertEqual(logDensity.first, ["row", "set", "log_density", "mc_se"])
            XCTAssertEqual(logDensity.count, 301)
            let rows = logDensity.dropFirst()
            XCTAssertTrue(rows.allSatisfy { Double($0[2])?.isFinite == true && (Double($0[3]) ?? -1) >= 0 })
            let metrics = Dictionary(uniqueKeysWithValues: try Self.table(folder.appendingPathComponent("\(model).metrics.tsv"))
                .dropFirst().map { ($0[0], $0[1]) })
            XCTAssertEqual(metrics["model"], model)
            XCTAssertEqual(metrics["n_test"], "100")
            for key in ["train_nll_se", "validation_nll_se", "test_nll_se"] {
                XCTAssertGreaterThan(try XCTUnwrap(Double(try XCTUnwrap(metrics[key]))), 0, key)
            }
            // The reported NLLs are the means of the per-individual log-densities of each set.
            for set in ["train", "validation"] {
                let values = rows.filter { $0[1] == set }.map { Double($0[2])! }
                let nll = try XCTUnwrap(Double(try XCTUnwrap(metrics["\(set)_nll"])))
                XCTAssertEqual(-values.reduce(0, +) / Double(values.count), nll, accuracy: 1e-9 * max(1, abs(nll)), set)
            }
            let samples = try Self.table(folder.appendingPathComponent("\(model).samples.tsv"))
            XCTAssertEqual(samples.first, ["a", "b"])
            XCTAssertEqual(samples.count, 301)
            XCTAssertTrue(samples.dropFirst().allSatisfy { $0.count == 2 && $0.allSatisfy { Double($0)?.isFinite == true } })
        }
    }

    func testBadLatentSettingsAreOneLineErrors() throws {
        let folder = try temporaryFolder(self)
        try Self.writeMoons(50, seed: 3, to: folder.appendingPathComponent("moons.txt"))
        for extra in [["--model", "lgff"], ["--model", "lgf", "--aux", "0"], ["--model", "marginal", "--samples", "0"]] {
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--out", "q"] + extra, in: folder)
            XCTAssertEqual(result.status, 2, extra.joined(separator: " "))
            XCTAssertFalse(result.stderr.isEmpty)
        }
    }
}
