import XCTest
import Numerics
@testable import Dependence

final class MardiaTestTests: XCTestCase {
    /// The O(n p³) tensor form against the textbook O(n² p) double sum with S⁻¹ from Cholesky.
    func testMatchesBruteForceDoubleSum() throws {
        var generator = SeededGenerator(seed: 60)
        let n = 150, p = 3
        var x = TestData.normals(rows: n, columns: p, generator: &generator)
        for i in 0..<n { x[i, 1] = exp(0.6 * x[i, 1]) + 0.3 * x[i, 0]; x[i, 2] += x[i, 0] * x[i, 0] }
        var centred = x
        for j in 0..<p { let m = x.column(j).reduce(0, +) / Double(n); for i in 0..<n { centred[i, j] -= m } }
        var s = BLAS.product(centred, centred, transA: .transposed)
        for k in s.storage.indices { s.storage[k] /= Double(n) }
        let inverse = try TestData.inverse(s)
        let projected = BLAS.product(centred, inverse)
        let gram = BLAS.product(projected, centred, transB: .transposed)
        var b1 = 0.0, b2 = 0.0
        for i in 0..<n { for j in 0..<n { b1 += pow(gram[i, j], 3) }; b2 += gram[i, i] * gram[i, i] }
        b1 /= Double(n * n)
        b2 /= Double(n)
        let test = try MardiaTest(x)
        XCTAssertEqual(test.skewness, b1, accuracy: 1e-9 * b1)
        XCTAssertEqual(test.kurtosis, b2, accuracy: 1e-9 * b2)
        XCTAssertEqual(test.skewnessDegreesOfFreedom, 10)
        XCTAssertEqual(test.kurtosisZ, (b2 - 15) / (8 * 15 / Double(n)).squareRoot(), accuracy: 1e-9)
        XCTAssertLessThan(test.skewnessP, 1e-10)
    }

    /// Monte Carlo null: on Gaussian data both tests reject at 5% about 5% of the time (400
    /// replicates, n = 400, p = 3; binomial SE ≈ 1.1%, and the asymptotic kurtosis test is
    /// known to be a little conservative at this n, hence the wide band).
    func testNullRejectionRatesNearNominal() throws {
        var generator = SeededGenerator(seed: 61)
        var skewRejections = 0, kurtosisRejections = 0
        let replicates = 400
        for _ in 0..<replicates {
            let test = try MardiaTest(TestData.normals(rows: 400, columns: 3, generator: &generator))
            if test.skewnessP < 0.05 { skewRejections += 1 }
            if test.kurtosisP < 0.05 { kurtosisRejections += 1 }
        }
        let skewRate = Double(skewRejections) / Double(replicates), kurtosisRate = Double(kurtosisRejections) / Double(replicates)
        XCTAssertGreaterThan(skewRate, 0.015)
        XCTAssertLessThan(skewRate, 0.09)
        XCTAssertGreaterThan(kurtosisRate, 0.01)
        XCTAssertLessThan(kurtosisRate, 0.09)
    }
}

final class NormalityDiagnosticTests: XCTestCase {
    /// The fitted-Gaussian NLL against the closed form for one dimension.
    func testGaussianNLLInOneDimension() throws {
        let training = Matrix<Double>(rows: 4, columns: 1, storage: [1, 2, 3, 6])   // mean 3, variance 3.5
        let validation = Matrix<Double>(rows: 2, columns: 1, storage: [0, 5])
        let expected = 0.5 * log(2 * Double.pi * 3.5) + 0.5 * ((9 + 4) / 2) / 3.5
        XCTAssertEqual(try NormalityDiagnostic.gaussianNLL(training: training, validation: validation), expected, accuracy: 1e-12)
    }
}
