import XCTest
import Numerics
@testable import Dependence

final class ResidualizationTests: XCTestCase {
    /// One covariate: the slope is S_xy/S_xx, R² is the squared Pearson correlation, each computed
    /// on the individuals where that trait is observed; a constant covariate column (GEMMA's
    /// column of 1s) is dropped, not an error.
    func testSimpleRegressionPerTraitOnObservedRows() throws {
        var generator = SeededGenerator(seed: 50)
        let n = 200
        var y = Matrix<Double>(rows: n, columns: 2)
        var c = Matrix<Double>(rows: n, columns: 2, repeating: 1)
        for i in 0..<n {
            let x = generator.normal()
            c[i, 1] = x
            y[i, 0] = 2 + 0.8 * x + generator.normal()
            y[i, 1] = i % 7 == 0 ? .nan : -1 + 0.1 * x + 0.5 * generator.normal()
        }
        let fit = try Residualization.fit(phenotypes: y, names: ["a", "b"], covariates: c, covariateNames: ["one", "x"])
        XCTAssertEqual(fit.droppedCovariates, ["one"])
        XCTAssertEqual(fit.covariateNames, ["x"])
        for t in 0..<2 {
            let rows = (0..<n).filter { !y[$0, t].isNaN }
            let xs = rows.map { c[$0, 1] }, ys = rows.map { y[$0, t] }
            let mx = xs.reduce(0, +) / Double(rows.count), my = ys.reduce(0, +) / Double(rows.count)
            let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }, syy = ys.reduce(0) { $0 + ($1 - my) * ($1 - my) }
            XCTAssertEqual(fit.traits[t].observedCount, rows.count)
            XCTAssertEqual(fit.traits[t].coefficients[1], sxy / sxx, accuracy: 1e-10)
            XCTAssertEqual(fit.traits[t].coefficients[0], my - sxy / sxx * mx, accuracy: 1e-10)
            XCTAssertEqual(fit.traits[t].rSquared, sxy * sxy / (sxx * syy), accuracy: 1e-10)
        }
        let z = fit.apply(phenotypes: y, covariates: c.selectingColumns([1]))
        for t in 0..<2 {
            let values = z.column(t).filter { !$0.isNaN }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            XCTAssertEqual(mean, 0, accuracy: 1e-12)
            XCTAssertEqual(variance, 1, accuracy: 1e-12)
        }
        XCTAssertEqual(z.column(1).filter(\.isNaN).count, (0..<n).filter { $0 % 7 == 0 }.count)
        let complete = (0..<n).filter { $0 % 7 != 0 }
        let back = fit.invert(zScores: z.selectingRows(complete), covariates: c.selectingRows(complete).selectingColumns([1]))
        for (r, i) in complete.enumerated() { for t in 0..<2 { XCTAssertEqual(back[r, t], y[i, t], accuracy: 1e-10) } }
    }

    func testRankDeficientDesignIsAnError() {
        var c = Matrix<Double>(rows: 20, columns: 2)
        var y = Matrix<Double>(rows: 20, columns: 1)
        for i in 0..<20 { c[i, 0] = Double(i); c[i, 1] = 2 * Double(i); y[i, 0] = Double(i * i % 5) }
        XCTAssertThrowsError(try Residualization.fit(phenotypes: y, names: ["t"], covariates: c)) { error in
            XCTAssertEqual(error as? ResidualizationError, .rankDeficient(trait: "t"))
        }
    }
}
