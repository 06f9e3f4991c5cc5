import Flows
import Foundation
import Numerics
import XCTest

/// The paper's 2-D maps: a 3-layer spline flow on 10,000 samples gets within 0.1 nats of the
/// closed-form NLL on Abs, Crescent and SineWave.
final class SyntheticMapTests: XCTestCase {
    func testClosedFormDensityIsNormalised() {
        // Riemann sum of p over a fine grid ≈ 1, for every map.
        for map in SyntheticMap.allCases {
            var total = 0.0
            let h = 0.02
            for a in stride(from: -8.0, through: 8.0, by: h) {
                for b in stride(from: -12.0, through: 22.0, by: h) { total += Foundation.exp(map.logDensity(a, b)) * h * h }
            }
            XCTAssertEqual(total, 1, accuracy: 1e-3, "\(map)")
        }
    }

    func testSplineFlowReachesTrueNLL() {
        for (k, map) in [SyntheticMap.abs, .crescent, .sineWave].enumerated() {
            var g = SeededGenerator(seed: 500 + UInt64(k))
            let train = map.sample(count: 10_000, generator: &g)
            let test = map.sample(count: 10_000, generator: &g)
            let standardization = Standardization(fitting: train)
            let flow: Flow<Float> = FlowArchitecture(coupling: .spline, dimension: 2, layers: 3, hidden: [64, 64],
                                                     bins: 16, bound: 4).build(generator: &g)
            var settings = TrainingSettings()
            settings.epochs = Self.epochs
            settings.batchSize = 256
            settings.learningRate = Self.learningRate
            settings.weightDecay = 0
            settings.rule = .adam
            let started = Date()
            _ = FlowTrainer(flow: flow, settings: settings)
                .train(data: Matrix<Float>(standardization.apply(train)), objective: StandardNormalObjective())
            let fitted = flow.meanNegativeLogLikelihood(Matrix<Float>(standardization.apply(test))) + standardization.logScale
            let truth = map.meanNegativeLogLikelihood(test)
            print("\(map): flow \(fitted), truth \(truth), \(Date().timeIntervalSince(started)) s")
            XCTAssertLessThan(abs(fitted - truth), 0.1, "\(map)")
        }
    }

    static let epochs = 40
    static let learningRate = 0.006
}
