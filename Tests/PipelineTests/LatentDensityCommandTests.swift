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
            let log = try String(contentsOf: folder.appendingPathComponent("\(model).log"), encoding: .utf8)
            XCTAssertTrue(log.contains("epochs, warm-up 0 steps;"), "latent models train without the warm-up by default:\n\(log)")
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
        for extra in [["--model", "lgff"], ["--model", "lgf", "--aux", "0"], ["--model", "marginal", "--samples", "0"],
                      ["--model", "lgf", "--train-samples", "0"], ["--model", "affine", "--train-samples", "4"],
                      ["--model", "marginal", "--train-samples", "4", "--blocks", "FID"], ["--model", "lgf", "--learned-proposal"],
                      ["--model", "marginal", "--interleaved", "--layers", "3"], ["--model", "marginal", "--interleaved", "--aux", "1"], ["--model", "marginal", "--warmup-steps", "-1"]] {
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--out", "q"] + extra, in: folder)
            XCTAssertEqual(result.status, 2, extra.joined(separator: " "))
            XCTAssertFalse(result.stderr.isEmpty)
        }
    }
    /// Reloading `Q.model.json` and importance-sampling with its stored S and seed reproduces
    /// `Q.logdensity.tsv` bit for bit (lgf and marginal).
    func testLatentModelFileReproducesLogDensities() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("moons.txt")
        try Self.writeMoons(120, seed: 5, to: path)
        let rows = try String(contentsOf: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: " ").dropFirst(2).map { Double($0)! } }
        let values = Matrix<Double>(rows: rows.count, columns: 2, storage: (0..<2).flatMap { j in rows.map { $0[j] } })
        // "marginal-q": the marginalizing flow with a learned proposal and the interleaved layout.
        for out in ["lgf", "marginal", "marginal-q"] {
            let model = out == "lgf" ? "lgf" : "marginal"
            let extra = out == "marginal-q" ? ["--learned-proposal", "--interleaved"] : []
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--model", model, "--samples", "16",
                                                  "--train-samples", "3", "--layers", "2", "--hidden", "8,8", "--epochs", "2",
                                                  "--batch", "32", "--out", out, "--quiet"] + extra, in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            let file = try LatentFlowModel<Float>(jsonData: Data(contentsOf: folder.appendingPathComponent("\(out).model.json")))
            XCTAssertEqual(file.kind.rawValue, model)
            XCTAssertEqual(file.proposalHidden, out == "marginal-q" ? [8, 8] : nil)
            XCTAssertEqual(file.importanceSamples, 16)
            let reloaded = try file.makeModel()
            let estimate = file.logDensity(values, model: reloaded)
            let written = try Self.table(folder.appendingPathComponent("\(out).logdensity.tsv")).dropFirst()
            XCTAssertEqual(written.map { Int($0[0])! }, Array(1...120))
            XCTAssertEqual(written.map { Double($0[2])! }, estimate.logDensity, out)
            XCTAssertEqual(written.map { Double($0[3])! }, estimate.monteCarloError, out)
        }
    }

    /// Families of four whose latent rows follow C = λI + (1 − λ)G (G: 1 on the diagonal, 0.5
    /// within a family, written as a GEMMA text matrix in table order): `--grm` fits λ and writes it,
    /// `--blocks FID` trains ρ per family, `--iid` is the i.i.d. fit, and plain flows refuse them.
    func testDependenceOptionsOfLatentModels() throws {
        let folder = try temporaryFolder(self)
        let families = 60, n = 4 * families, lambda = 0.4
        var g = SeededGenerator(seed: 9)
        var text = "FID IID a b\n", grm = ""
        let own = (lambda + 0.5 * (1 - lambda)).squareRoot(), shared = (0.5 * (1 - lambda)).squareRoot()
        for f in 0..<families {
            let effect = [g.normal(), g.normal()]
            for k in 0..<4 {
                let u = (0..<2).map { own * g.normal() + shared * effect[$0] }
                text += "F\(f) I\(f)_\(k) \(u[0] + 0.3 * u[1] * u[1]) \(u[1])\n"
            }
        }
        for i in 0..<n {
            grm += (0..<n).map { j in i == j ? "1" : (i / 4 == j / 4 ? "0.5" : "0") }.joined(separator: "\t") + "\n"
        }
        try text.write(to: folder.appendingPathComponent("fam.txt"), atomically: true, encoding: .utf8)
        try grm.write(to: folder.appendingPathComponent("g.cXX.txt"), atomically: true, encoding: .utf8)
        let common = ["density", "--pheno", "fam.txt", "--samples", "8", "--layers", "2", "--hidden", "8,8",
                      "--epochs", "4", "--batch", "32", "--quiet"]
        for model in ["lgf", "marginal"] {
            for (label, extra) in [("grm", ["--grm", "g.cXX.txt", "--rounds", "1"]), ("blocks", ["--blocks", "FID"]), ("iid", ["--iid"])] {
                let result = try GWASFlowProcess.run(common + ["--model", model, "--out", "\(model)-\(label)"] + extra, in: folder)
                XCTAssertEqual(result.status, 0, result.stderr)
                let metrics = Dictionary(uniqueKeysWithValues: try Self.table(folder.appendingPathComponent("\(model)-\(label).metrics.tsv"))
                    .dropFirst().map { ($0[0], $0[1]) })
                switch label {
                case "grm":
                    XCTAssertEqual(metrics["dependence"], "relatedness")
                    let fitted = try XCTUnwrap(Double(try XCTUnwrap(metrics["lambda"])))
                    XCTAssertTrue(fitted > 0 && fitted <= 1, "λ \(fitted)")
                    let stages = try Self.table(folder.appendingPathComponent("\(model)-grm.lambda.tsv"))
                    XCTAssertEqual(stages.count, 2)
                    XCTAssertEqual(Double(stages[1][1]), fitted)
                case "blocks":
                    XCTAssertEqual(metrics["dependence"], "blocks")
                    let rho = try XCTUnwrap(Double(try XCTUnwrap(metrics["rho_mean"])))
                    XCTAssertTrue(rho > 0 && rho < 1, "ρ \(rho)")
                default:
                    XCTAssertEqual(metrics["dependence"], "iid")
                }
            }
        }
        let refused = try GWASFlowProcess.run(common + ["--model", "affine", "--grm", "g.cXX.txt", "--out", "q"], in: folder)
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("--model lgf or marginal"), refused.stderr)
    }
}
