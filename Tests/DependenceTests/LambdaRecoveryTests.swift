import XCTest
import Flows
import Numerics
@testable import Dependence

/// Issue 5's λ recovery: U ~ MN(0, λI + (1 − λ)G, I) with G a pedigree relationship matrix, a
/// non-linear invertible map applied, and the schedules must find λ back through the flow.
final class LambdaRecoveryTests: XCTestCase {
    static let n = 2_000

    /// x2 = u2 + 0.6(u1² − 1); x1 = u1 · e^{0.3 tanh(x2)} + 0.5 sin(x2): skewed, curved, invertible.
    static func simulate(lambda: Double, g: Matrix<Double>, seed: UInt64) throws -> Matrix<Float> {
        var generator = SeededGenerator(seed: seed)
        let u = try TestData.matrixNormal(covariance: TestData.relatednessCovariance(g, lambda: lambda), columns: 2,
                                          generator: &generator)
        var x = Matrix<Float>(rows: u.rows, columns: 2)
        for i in 0..<u.rows {
            let x2 = u[i, 1] + 0.6 * (u[i, 0] * u[i, 0] - 1)
            x[i, 1] = Float(x2)
            x[i, 0] = Float(u[i, 0] * exp(0.3 * tanh(x2)) + 0.5 * sin(x2))
        }
        return x
    }

    static func settings(_ kind: ScheduleKind) -> ScheduleSettings {
        var s = ScheduleSettings()
        s.kind = kind
        s.architecture = FlowArchitecture(dimension: 2, layers: 6, hidden: [32, 32])
        s.training.batchSize = 256
        s.initialEpochs = 15
        s.roundEpochs = 10
        s.rounds = 3
        s.epochs = 15
        s.seed = 7
        return s
    }

    func testAlternatingRecoversLambda() throws {
        let g = TestData.pedigreeRelationship(count: Self.n, children: 3)
        let spectrum = try RelatednessSpectrum(grm: g)
        for (index, truth) in [0.3, 0.6, 0.9].enumerated() {
            let x = try Self.simulate(lambda: truth, g: g, seed: 100 + UInt64(index))
            let result = ScheduleRunner(settings: Self.settings(.alternating)).run(data: x, validation: nil, structure: .relatedness(spectrum))
            let path = result.records.compactMap(\.lambda)
            print("true λ \(truth): λ after each stage \(path.map { String(format: "%.3f", $0) })")
            XCTAssertEqual(result.lambda!, truth, accuracy: 0.05, "true λ \(truth), path \(path)")
            // No downward drift: every λ stage after the first stays within the band.
            for (k, r) in result.records.enumerated() where r.stage.hasPrefix("lambda") && r.stage != "lambda1" {
                XCTAssertEqual(r.lambda!, truth, accuracy: 0.05, "stage \(k) \(r.stage)")
            }
        }
    }
}
