import Flows
import Foundation
import Numerics
import XCTest

/// `gwasflow density` end to end: outputs, metrics recomputed from the written model file, errors.
final class DensityCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("density-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A PLINK-style table of Crescent draws with an extra noise column; `missing` rows get NA.
    func writeTable(_ name: String, rows n: Int, seed: UInt64, missing: Int = 0) throws -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        let x = SyntheticMap.crescent.sample(count: n, generator: &g)
        var text = "FID IID x1 noise x2\n"
        for i in 0..<n {
            let a = i < missing ? "NA" : "\(x[i, 0])"
            text += "f\(i) i\(i) \(a) \(g.normal()) \(x[i, 1])\n"
        }
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return x.selectingRows(Array(missing..<n))
    }

    func metrics(_ prefix: String) throws -> [String: String] {
        let text = try String(contentsOf: folder.appendingPathComponent(prefix + ".metrics.tsv"), encoding: .utf8)
        var m: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            m[String(f[0])] = String(f[1])
        }
        return m
    }

    func testSplineDensityWritesModelMetricsAndLog() throws {
        _ = try writeTable("train.txt", rows: 600, seed: 1, missing: 3)
        let test = try writeTable("test.txt", rows: 300, seed: 2)
        let r = try GWASFlowProcess.run(["density", "--pheno", "train.txt", "--columns", "x1,x2", "--model", "spline",
                                         "--layers", "2", "--hidden", "16,16", "--bins", "8", "--epochs", "4",
                                         "--batch", "64", "--test", "test.txt", "--seed", "5", "--out", "q"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = try metrics("q")
        for key in ["train_nll", "validation_nll", "test_nll", "seconds_per_epoch"] {
            XCTAssertNotNil(Double(m[key] ?? ""), key)
        }
        XCTAssertEqual(m["n_train"], "507")          // 597 complete rows, 15 % (90) held out
        XCTAssertEqual(m["n_validation"], "90")
        XCTAssertEqual(m["n_test"], "300")

        // The written model reproduces the reported test NLL on the original scale.
        let model = try FlowModel<Float>(jsonData: Data(contentsOf: folder.appendingPathComponent("q.model.json")))
        XCTAssertEqual(model.columns, ["x1", "x2"])
        XCTAssertEqual(model.architecture.coupling, .spline)
        XCTAssertEqual(model.architecture.bins, 8)
        let standardization = try XCTUnwrap(model.standardization)
        let flow = try model.makeFlow()
        let nll = flow.meanNegativeLogLikelihood(Matrix<Float>(standardization.apply(test))) + standardization.logScale
        XCTAssertEqual(nll, try XCTUnwrap(Double(m["test_nll"]!)), accuracy: 1e-9)

        let log = try String(contentsOf: folder.appendingPathComponent("q.log"), encoding: .utf8)
        for k in 1...4 { XCTAssertTrue(log.contains("epoch \(k)"), "log line for epoch \(k)") }
        XCTAssertTrue(log.contains("3 rows with a missing value left out"))
        XCTAssertTrue(log.contains("epochs, warm-up 50 steps,"), "plain flows keep the default warm-up:\n\(log)")

        // Same seed, same bytes.
        let again = try GWASFlowProcess.run(["density", "--pheno", "train.txt", "--columns", "x1,x2", "--model", "spline",
                                             "--layers", "2", "--hidden", "16,16", "--bins", "8", "--epochs", "4",
                                             "--batch", "64", "--test", "test.txt", "--seed", "5", "--out", "q2"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("q.model.json")),
                       try Data(contentsOf: folder.appendingPathComponent("q2.model.json")))
    }

    /// `--model realnvp` (the and the papers' name) is the affine flow: same seed, same model file.
    func testRealNVPIsTheAffineFlow() throws {
        _ = try writeTable("train.txt", rows: 200, seed: 3)
        for model in ["affine", "realnvp"] {
            let r = try GWASFlowProcess.run(["density", "--pheno", "train.txt", "--columns", "x1,x2", "--model", model,
                                             "--layers", "2", "--hidden", "8,8", "--epochs", "2", "--batch", "64",
                                             "--seed", "4", "--out", model, "--quiet"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let affine = try Data(contentsOf: folder.appendingPathComponent("affine.model.json"))
        XCTAssertEqual(try FlowModel<Float>(jsonData: affine).architecture.coupling, .affine)
        XCTAssertEqual(affine, try Data(contentsOf: folder.appendingPathComponent("realnvp.model.json")))
    }

    func testBadOptionsFailWithOneLine() throws {
        _ = try writeTable("train.txt", rows: 50, seed: 1)
        for (args, expected) in [(["--model", "glow"], "--model must be affine (or realnvp), spline, lgf or marginal"),
                                 (["--hidden", "128,x"], "--hidden must be positive widths"),
                                 (["--columns", "x1,zz"], "zz"),
                                 (["--validation", "1.5"], "--validation must be in [0, 1)")] {
            let r = try GWASFlowProcess.run(["density", "--pheno", "train.txt", "--epochs", "1", "--out", "bad"] + args, in: folder)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(expected), r.stderr)
        }
    }
}
