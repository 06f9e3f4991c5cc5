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
            XCTAssertEqual(metrics["training_samples"], "8", "i.i.d. latent fits train on the K = 8 bound by default")
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
                      ["--model", "marginal", "--interleaved", "--layers", "3"], ["--model", "marginal", "--interleaved", "--aux", "1"], ["--model", "marginal", "--warmup-steps", "-1"],
                      ["--model", "lgf", "--fixed-proposal"], ["--model", "affine", "--random-permutations"],
                      ["--model", "lgf", "--couplings-per-layer", "0"], ["--model", "marginal", "--couplings-per-layer", "2"],
                      ["--model", "marginal", "--interleaved", "--random-permutations"],
                      ["--model", "marginal", "--learned-proposal", "--fixed-proposal"]] {
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--out", "q"] + extra, in: folder)
            XCTAssertEqual(result.status, 2, extra.joined(separator: " "))
            XCTAssertFalse(result.stderr.isEmpty)
        }
        // The default interleaved layout of --model marginal: an odd p + --aux or --layers is a
        // one-line error that names the way out.
        for (extra, expected) in [(["--aux", "3"], "needs p + --aux even, got 2 columns and --aux 3; leave --aux out"),
                                  (["--layers", "5"], "needs an even --layers, got 5; give --layers 6, or use --random-permutations")] {
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--model", "marginal", "--out", "q"] + extra,
                                                 in: folder)
            XCTAssertEqual(result.status, 2, extra.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains(expected), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
    }

    /// `--couplings-per-layer` sets the couplings of each LGF layer (2 by default): the log, the model
    /// file's shape and the layers of the reloaded model follow it.
    func testLGFCouplingsPerLayer() throws {
        let folder = try temporaryFolder(self)
        try Self.writeMoons(60, seed: 5, to: folder.appendingPathComponent("moons.txt"))
        let common = ["density", "--pheno", "moons.txt", "--model", "lgf", "--aux", "1", "--layers", "3", "--samples", "4",
                      "--hidden", "4,4", "--epochs", "1", "--batch", "32", "--quiet"]
        var parameters: [Int: Int] = [:]
        for (out, extra, couplings) in [("default", [String](), 2), ("one", ["--couplings-per-layer", "1"], 1),
                                        ("three", ["--couplings-per-layer", "3"], 3)] {
            let result = try GWASFlowProcess.run(common + extra + ["--out", out], in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            let log = try String(contentsOf: folder.appendingPathComponent("\(out).log"), encoding: .utf8)
            XCTAssertTrue(log.contains("model: LGF: 3 layers × (\(couplings) affine couplings, exp(s(u)) ⊙ · + t(u)), u in R^1, "), log)
            let file = try LatentFlowModel<Float>(jsonData: Data(contentsOf: folder.appendingPathComponent("\(out).model.json")))
            XCTAssertEqual(file.localised?.couplings, couplings, out)
            let metrics = Dictionary(uniqueKeysWithValues: try Self.table(folder.appendingPathComponent("\(out).metrics.tsv"))
                .dropFirst().map { ($0[0], $0[1]) })
            parameters[couplings] = try XCTUnwrap(Int(try XCTUnwrap(metrics["parameters"])))
        }
        // One more coupling per layer adds, in each of the 3 layers, an affine coupling on R^2 with
        // hidden 4-4 (1·4 + 4 + 4·4 + 4 + 4·2 + 2 = 38 parameters) and its ActNorm (log-scale and
        // bias on R^2: 4).
        XCTAssertEqual(parameters[2]! - parameters[1]!, 3 * 42)
        XCTAssertEqual(parameters[3]! - parameters[2]!, 3 * 42)
    }

    /// `--model marginal` defaults to the learned proposal and the interleaved layout, with B = 2,
    /// or 3 for an odd number of columns; `--fixed-proposal --random-permutations` is the older form,
    /// which takes any p + B and --layers.
    func testMarginalDefaultsToLearnedProposalAndInterleavedLayout() throws {
        let folder = try temporaryFolder(self)
        try Self.writeMoons(60, seed: 4, to: folder.appendingPathComponent("moons.txt"))
        let common = ["density", "--pheno", "moons.txt", "--model", "marginal", "--samples", "4", "--hidden", "4,4",
                      "--epochs", "1", "--batch", "32", "--quiet"]
        let runs: [(out: String, extra: [String], model: String)] = [
            ("two", ["--layers", "2"], "B = 2, 2 affine couplings on R^4, interleaved layout, learned proposal q(eps | x), "),
            ("one", ["--layers", "2", "--columns", "a"],
             "B = 3 (so that p + B is even), 2 affine couplings on R^4, interleaved layout, learned proposal q(eps | x), "),
            ("old", ["--layers", "3", "--aux", "1", "--fixed-proposal", "--random-permutations"],
             "B = 1, 3 affine couplings on R^3, random permutations, fixed N(0, I) proposal, "),
        ]
        for run in runs {
            let result = try GWASFlowProcess.run(common + run.extra + ["--out", run.out], in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            let log = try String(contentsOf: folder.appendingPathComponent("\(run.out).log"), encoding: .utf8)
            XCTAssertTrue(log.contains("model: marginalizing flow: " + run.model), log)
            let file = try LatentFlowModel<Float>(jsonData: Data(contentsOf: folder.appendingPathComponent("\(run.out).model.json")))
            let flow = try XCTUnwrap(file.flow)
            XCTAssertEqual(file.proposalHidden, run.out == "old" ? nil : [4, 4], run.out)
            // The interleaved layout opens and closes with its fixed permutations ([x1, ε1 | x2, ε2]
            // for p = B = 2; [x, ε1 | ε2, ε3] for p = 1, B = 3), random permutations with a coupling.
            let first = flow.layers.first
            XCTAssertEqual(first?.type, run.out == "old" ? "affine" : "permutation", run.out)
            if run.out == "two" { XCTAssertEqual(first?.order, [0, 2, 1, 3]) }
            if run.out == "one" { XCTAssertEqual(first?.order, [0, 1, 2, 3]) }
        }
    }

    /// A model file written by an older build (Tests/Fixtures/marginal-v1: the fixed proposal and
    /// random permutations, then the default) still loads and reproduces the log-densities that
    /// build wrote: the file stores the form, and the newer defaults do not touch it. (Bit for bit
    /// on the BLAS kernel it was written with; Float rounding may differ by ulps on another.)
    func testModelFileOfAnOlderBuildReproducesItsLogDensities() throws {
        let fixture = SimulateCommandTests.root.appendingPathComponent("Tests/Fixtures/marginal-v1")
        let rows = try String(contentsOf: fixture.appendingPathComponent("moons.txt"), encoding: .utf8).split(separator: "\n")
            .dropFirst().map { $0.split(separator: " ").dropFirst(2).map { Double($0)! } }
        let values = Matrix<Double>(rows: rows.count, columns: 2, storage: (0..<2).flatMap { j in rows.map { $0[j] } })
        let file = try LatentFlowModel<Float>(jsonData: Data(contentsOf: fixture.appendingPathComponent("old.model.json")))
        XCTAssertNil(file.proposal)
        XCTAssertEqual(file.flow?.layers.first?.type, "affine")
        let estimate = file.logDensity(values, model: try file.makeModel())
        let written = try Self.table(fixture.appendingPathComponent("old.logdensity.tsv")).dropFirst()
        XCTAssertEqual(written.map { Int($0[0])! }, Array(1...40))
        for (i, row) in written.enumerated() {
            XCTAssertEqual(Double(row[2])!, estimate.logDensity[i], accuracy: 1e-5, "row \(i + 1)")
            XCTAssertEqual(Double(row[3])!, estimate.monteCarloError[i], accuracy: 1e-5, "row \(i + 1)")
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
        // "marginal": the default learned proposal and interleaved layout; "marginal-old": the older
        // form, the fixed N(0, I) proposal and random permutations.
        for out in ["lgf", "marginal", "marginal-old"] {
            let model = out == "lgf" ? "lgf" : "marginal"
            let extra = out == "marginal-old" ? ["--fixed-proposal", "--random-permutations"] : []
            let result = try GWASFlowProcess.run(["density", "--pheno", "moons.txt", "--model", model, "--samples", "16",
                                                  "--train-samples", "3", "--layers", "2", "--hidden", "8,8", "--epochs", "2",
                                                  "--batch", "32", "--out", out, "--quiet"] + extra, in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            let file = try LatentFlowModel<Float>(jsonData: Data(contentsOf: folder.appendingPathComponent("\(out).model.json")))
            XCTAssertEqual(file.kind.rawValue, model)
            XCTAssertEqual(file.proposalHidden, out == "marginal" ? [8, 8] : nil)
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
                // The dependent objectives are ELBOs; only the i.i.d. fit takes the K = 8 default.
                XCTAssertEqual(metrics["training_samples"], label == "iid" ? "8" : "1", label)
                switch label {
                case "grm":
                    XCTAssertEqual(metrics["dependence"], "relatedness")
                    let fitted = try XCTUnwrap(Double(try XCTUnwrap(metrics["lambda"])))
                    XCTAssertTrue(fitted > 0 && fitted <= 1, "λ \(fitted)")
                    let stages = try Self.table(folder.appendingPathComponent("\(model)-grm.lambda.tsv"))
                    XCTAssertEqual(stages.count, 2)
                    // The model kept is the flow stage with the lower validation NLL: stage 0 was
                    // trained at λ = 0.9, stage 1 at the λ of the one λ stage.
                    switch metrics["selected_stage"] {
                    case "0": XCTAssertEqual(fitted, 0.9)
                    case "1": XCTAssertEqual(Double(stages[1][1]), fitted)
                    case let other: XCTFail("selected_stage \(other ?? "missing")")
                    }
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
