import Flows
import Foundation
import Numerics
import XCTest

/// The trainer on data with a known density, and its bookkeeping.
final class TrainerTests: XCTestCase {
    /// Correlated Gaussian rows `x = L e` with `L = [[1, 0], [0.8, 0.6]]` (unit variances, ρ = 0.8).
    static func gaussian(rows n: Int, seed: UInt64) -> Matrix<Double> {
        var g = SeededGenerator(seed: seed)
        var x = Matrix<Double>(rows: n, columns: 2)
        for i in 0..<n {
            let e1 = g.normal(), e2 = g.normal()
            x[i, 0] = e1
            x[i, 1] = 0.8 * e1 + 0.6 * e2
        }
        return x
    }

    /// True NLL per row of that Gaussian: log 2π + log det L + E‖e‖²/2 = log 2π + log 0.6 + 1.
    static let gaussianEntropy = Foundation.log(2 * Double.pi) + Foundation.log(0.6) + 1

    func testAffineFlowLearnsCorrelatedGaussian() {
        var g = SeededGenerator(seed: 3)
        let flow: Flow<Double> = FlowArchitecture(dimension: 2, layers: 4, hidden: [16, 16]).build(generator: &g)
        var settings = TrainingSettings()
        settings.epochs = 30
        settings.batchSize = 128
        settings.learningRate = 0.01
        settings.weightDecay = 0
        let trainer = FlowTrainer(flow: flow, settings: settings)
        var seen = 0
        let result = trainer.train(data: Self.gaussian(rows: 4000, seed: 1), validation: Self.gaussian(rows: 2000, seed: 2),
                                   objective: StandardNormalObjective()) { _ in seen += 1 }
        XCTAssertEqual(seen, 30)
        XCTAssertEqual(result.skippedSteps, 0)
        let test = flow.meanNegativeLogLikelihood(Self.gaussian(rows: 20000, seed: 5))
        XCTAssertEqual(test, Self.gaussianEntropy, accuracy: 0.03)
        XCTAssertEqual(result.bestValidationNLL!, result.epochs.compactMap(\.validationNLL).min()!)
    }

    /// An objective that returns NaN on every third call: those steps are skipped and counted.
    final class FlakyObjective: LatentObjective {
        let inner = StandardNormalObjective<Double>()
        var calls = 0
        var parameters: [Parameter<Double>] { [] }
        func evaluate(latent: Matrix<Double>, rows: [Int], gradient: inout Matrix<Double>) -> Double {
            calls += 1
            let loss = inner.evaluate(latent: latent, rows: rows, gradient: &gradient)
            return calls % 3 == 0 ? .nan : loss
        }
    }

    func testNonFiniteStepsAreSkippedAndCounted() {
        var g = SeededGenerator(seed: 4)
        let flow: Flow<Double> = FlowArchitecture(dimension: 2, layers: 2, hidden: [8]).build(generator: &g)
        var settings = TrainingSettings()
        settings.epochs = 2
        settings.batchSize = 100
        let result = FlowTrainer(flow: flow, settings: settings)
            .train(data: Self.gaussian(rows: 600, seed: 1), objective: FlakyObjective())
        XCTAssertEqual(result.skippedSteps, 4)   // 12 batches, every third one NaN
        XCTAssertTrue(flow.parameters.allSatisfy { $0.value.allSatisfy(\.isFinite) })
    }

    func testEarlyStoppingAndSeededReproducibility() {
        func run() -> TrainingResult {
            var g = SeededGenerator(seed: 8)
            let flow: Flow<Double> = FlowArchitecture(dimension: 2, layers: 2, hidden: [8]).build(generator: &g)
            var settings = TrainingSettings()
            settings.epochs = 200
            settings.batchSize = 64
            settings.learningRate = 0.05
            settings.patience = 2
            return FlowTrainer(flow: flow, settings: settings)
                .train(data: Self.gaussian(rows: 300, seed: 1), validation: Self.gaussian(rows: 100, seed: 2),
                       objective: StandardNormalObjective())
        }
        let a = run(), b = run()
        XCTAssertTrue(a.stoppedEarly)
        XCTAssertLessThan(a.epochs.count, 200)
        XCTAssertEqual(a.epochs.count - a.bestEpoch!, 2)
        XCTAssertEqual(a.epochs.map(\.trainingLoss), b.epochs.map(\.trainingLoss))
    }
}
