import Flows
import Foundation
import Numerics
import XCTest
@testable import Dependence

/// The dependent-data objective on the base latent of localised and marginalizing flows.
final class LatentVariableDependenceTests: XCTestCase {
    /// With the noise of every individual fixed, the mean of the combined mini-batch loss
    /// `eq. (2)(U_B) − (1/b) Σ_B t_i` over *all* C(n, b) batches equals the full-data objective
    /// `exactObjective(U, t)` (method.md eq. (1) with the log-weights in place of log-dets).
    func checkUnbiased<M: LatentVariableModel>(_ model: M, covariance: any CovarianceModel, seed: UInt64,
                                               file: StaticString = #filePath, line: UInt = #line)
        where M.Scalar == Double
    {
        let n = covariance.count, b = 3
        var g = SeededGenerator(seed: seed)
        let x = TestData.normals(rows: n, columns: model.dimension, generator: &g)
        let noise = model.drawNoise(rows: n, generator: &g)
        let (u, t) = model.forward(x, noise: noise)
        let exact = covariance.exactObjective(latent: u, logJacobian: t)
        let objective = MiniBatchObjective<Double>(model: covariance)
        var total = 0.0, count = 0
        func subsets(_ start: Int, _ chosen: [Int]) {
            if chosen.count == b {
                model.zeroGradients()
                total += model.negativeELBO(x.selectingRows(chosen), noise: noise.selectingRows(chosen), rows: chosen,
                                            objective: objective)
                count += 1
                return
            }
            if start == n { return }
            subsets(start + 1, chosen + [start])
            subsets(start + 1, chosen)
        }
        subsets(0, [])
        XCTAssertEqual(count, 35)
        XCTAssertEqual(total / Double(count), exact, accuracy: 1e-10 * max(1, abs(exact)), file: file, line: line)
    }

    func testCombinedObjectiveIsUnbiased() throws {
        let spectrum = try RelatednessSpectrum(grm: TestData.pedigreeRelationship(count: 7, children: 2))
        let relatedness = RelatednessCovariance(spectrum: spectrum, lambda: 0.4)
        let blocks = BlockCovariance(blockOf: [0, 0, 0, 1, 1, 2, 2], rho: [0.3, 0.6, 0.1])
        for (k, covariance) in [relatedness, blocks as any CovarianceModel].enumerated() {
            var g = SeededGenerator(seed: 500 + UInt64(k))
            let lgf = LocalisedFlow<Double>(dimension: 2, layers: 2, latentDimension: 2, couplings: 1, hidden: [6],
                                            headHidden: [5], generator: &g)
            let marginal = MarginalizingFlow<Double>(architecture: FlowArchitecture(dimension: 4, layers: 2, hidden: [6]),
                                                     auxiliary: 2, generator: &g)
            for parameters in [lgf.parameters, marginal.parameters] {
                for p in parameters { for i in 0..<p.count { p.value[i] = 0.3 * g.normal() } }
            }
            checkUnbiased(lgf, covariance: covariance, seed: 510 + UInt64(k))
            checkUnbiased(marginal, covariance: covariance, seed: 520 + UInt64(k))
        }
    }

    /// Rows of U ~ MN(0, λI + (1 − λ)G, I) pushed through x2 = u2 + 0.5(u1² − 1),
    /// x1 = u1 + 0.3 sin(x2) (curved, invertible).
    static func curvedRows(relatedness g: Matrix<Double>, lambda: Double, generator: inout SeededGenerator) throws -> Matrix<Float> {
        let u = try TestData.matrixNormal(covariance: TestData.relatednessCovariance(g, lambda: lambda), columns: 2,
                                          generator: &generator)
        var x = Matrix<Float>(rows: g.rows, columns: 2)
        for i in 0..<g.rows {
            let x2 = u[i, 1] + 0.5 * (u[i, 0] * u[i, 0] - 1)
            x[i, 1] = Float(x2)
            x[i, 0] = Float(u[i, 0] + 0.3 * sin(x2))
        }
        return x
    }

    /// Trains `model` with the alternating schedule (30 epochs at λ = 0.9, then 3 × (λ stage,
    /// 15 epochs)) and asserts the last λ within ±0.07 of `truth`.
    func assertRecovers<M: LatentVariableModel>(_ model: M, rows x: Matrix<Float>, spectrum: RelatednessSpectrum, truth: Double,
                                                seed: UInt64, lambdaDraws: Int, label: String,
                                                file: StaticString = #filePath, line: UInt = #line) where M.Scalar == Float {
        var training = TrainingSettings()
        training.batchSize = 128
        training.learningRate = 0.01
        training.weightDecay = 0
        training.seed = seed
        var schedule = LatentVariableSchedule(training: training)
        schedule.initialEpochs = 30
        schedule.roundEpochs = 15
        schedule.rounds = 3
        schedule.lambdaDraws = lambdaDraws
        let result = schedule.run(model: model, data: x, spectrum: spectrum)
        print("\(label) λ recovery: true \(truth), λ after each stage \(result.lambdas)")
        XCTAssertEqual(result.lambdas.count, 3, file: file, line: line)
        XCTAssertEqual(result.lambdas.last!, truth, accuracy: 0.07, "path \(result.lambdas)", file: file, line: line)
        XCTAssertTrue(result.stages.allSatisfy { $0.skippedSteps == 0 }, file: file, line: line)
    }

    /// U ~ MN(0, λI + (1 − λ)G, I) for nuclear families, a curved invertible map applied, then an
    /// LGF trained with the alternating schedule on its base latent (λ stages on the mean path) must
    /// find λ within ±0.07.
    func testLocalisedFlowRecoversLambda() throws {
        let g = TestData.pedigreeRelationship(count: 1_500, children: 3)
        let spectrum = try RelatednessSpectrum(grm: g)
        for (k, truth) in [0.3, 0.7].enumerated() {
            var generator = SeededGenerator(seed: 600 + UInt64(k))
            let x = try Self.curvedRows(relatedness: g, lambda: truth, generator: &generator)
            let model = LocalisedFlow<Float>(dimension: 2, layers: 2, latentDimension: 2, couplings: 2, hidden: [24, 24],
                                             headHidden: [8], generator: &generator)
            assertRecovers(model, rows: x, spectrum: spectrum, truth: truth, seed: 610 + UInt64(k), lambdaDraws: 0, label: "LGF")
        }
    }

    /// With validation rows the alternating schedule ends at the flow stage with the lowest
    /// validation NLL, reports the λ that stage was trained at, and the model holds that stage's
    /// parameters: its validation NLL recomputed from scratch equals the stage's recorded best. The
    /// learning rate is set high and not decayed (the stages' shared decay would otherwise make
    /// the last stage the best) so that a later stage ends worse than an earlier one, the case
    /// where keeping the last stage would be wrong.
    func testScheduleKeepsTheBestFlowStageByValidation() throws {
        let g = TestData.pedigreeRelationship(count: 300, children: 3)
        let spectrum = try RelatednessSpectrum(grm: g)
        var generator = SeededGenerator(seed: 650)
        let x = try Self.curvedRows(relatedness: g, lambda: 0.5, generator: &generator)
        let validation = try Self.curvedRows(relatedness: TestData.pedigreeRelationship(count: 90, children: 1),
                                             lambda: 1, generator: &generator)
        let model = Self.smallLGF(hidden: 16, generator: &generator)
        var schedule = Self.shortSchedule(batch: 64, learningRate: 0.1, seed: 662, rounds: 2)
        schedule.training.decayRate = 1
        schedule.validationSamples = 4
        let result = schedule.run(model: model, data: x, validation: validation, spectrum: spectrum)
        let nlls = result.stages.map { $0.bestValidationNLL ?? .nan }
        print("schedule selection: stage validation NLLs \(nlls), λ path \(result.lambdas), selected \(result.selectedStage)")
        XCTAssertEqual(nlls.count, 3)
        let best = nlls.indices.min { nlls[$0] < nlls[$1] }!
        XCTAssertLessThan(best, schedule.rounds, "scenario: the last stage must not be the best one")
        XCTAssertEqual(result.selectedStage, best)
        XCTAssertEqual(result.lambda, best == 0 ? schedule.initialLambda : result.lambdas[best - 1])
        let recomputed = LatentVariableTrainer(model: model, settings: schedule.stageSettings(round: best),
                                               validationSamples: schedule.validationSamples).validationNLL(validation)
        XCTAssertEqual(recomputed, nlls[best])
    }

    /// A one-layer LGF on R² (u ∈ R¹, two couplings of `hidden` units), for the short runs here.
    static func smallLGF(hidden: Int, generator: inout SeededGenerator) -> LocalisedFlow<Float> {
        LocalisedFlow<Float>(dimension: 2, layers: 1, latentDimension: 1, couplings: 2, hidden: [hidden], headHidden: [4],
                             generator: &generator)
    }

    /// A schedule of `rounds` rounds of 4-epoch flow stages (stage 0 too), no weight decay, for the
    /// short runs here.
    static func shortSchedule(batch: Int, learningRate: Double, seed: UInt64, rounds: Int) -> LatentVariableSchedule {
        var training = TrainingSettings()
        training.batchSize = batch
        training.learningRate = learningRate
        training.weightDecay = 0
        training.seed = seed
        var schedule = LatentVariableSchedule(training: training)
        schedule.initialEpochs = 4
        schedule.roundEpochs = 4
        schedule.rounds = rounds
        return schedule
    }

    /// The flow stages of the alternating schedule share one learning-rate decay: no stage starts
    /// above the rate the previous one ended at, and the last ends about `decays` decays below the
    /// initial rate, as one run of all the epochs would. Restarting every stage at the full rate
    /// with a decay of its own (the schedule before session 7) fails both.
    func testScheduleStagesContinueOneRateDecay() throws {
        let g = TestData.pedigreeRelationship(count: 200, children: 3)
        let spectrum = try RelatednessSpectrum(grm: g)
        var generator = SeededGenerator(seed: 670)
        let x = try Self.curvedRows(relatedness: g, lambda: 0.5, generator: &generator)
        let model = Self.smallLGF(hidden: 8, generator: &generator)
        let schedule = Self.shortSchedule(batch: 50, learningRate: 0.01, seed: 671, rounds: 3)
        let result = schedule.run(model: model, data: x, spectrum: spectrum)
        let rates = result.stages.map { $0.epochs.map(\.learningRate) }
        for k in 1..<rates.count {
            XCTAssertLessThanOrEqual(rates[k].first!, rates[k - 1].last!, "stage \(k) starts above stage \(k - 1)'s end")
        }
        let training = schedule.training
        let decayed = training.learningRate * pow(training.decayRate, Double(training.decays))
        XCTAssertEqual(rates.last!.last!, decayed, accuracy: 1e-9 * training.learningRate)
    }

    /// With the standard normal as the inner law, the leading-columns objective is the standard
    /// normal on every column (loss and gradient); with a relatedness inner law its loss is the
    /// inner loss of the leading columns plus the standard normal of the others.
    func testLeadingColumnsObjective() throws {
        var g = SeededGenerator(seed: 700)
        let latent = TestData.normals(rows: 5, columns: 4, generator: &g)
        var full = Matrix<Double>(rows: 5, columns: 4), split = full
        let expected = StandardNormalObjective<Double>().evaluate(latent: latent, rows: Array(0..<5), gradient: &full)
        let loss = LeadingColumnsObjective(inner: StandardNormalObjective<Double>(), columns: 2)
            .evaluate(latent: latent, rows: Array(0..<5), gradient: &split)
        XCTAssertEqual(loss, expected, accuracy: 1e-12)
        for k in full.storage.indices { XCTAssertEqual(split.storage[k], full.storage[k], accuracy: 1e-15) }

        let spectrum = try RelatednessSpectrum(grm: TestData.pedigreeRelationship(count: 5, children: 3))
        let inner = MiniBatchObjective<Double>(model: RelatednessCovariance(spectrum: spectrum, lambda: 0.4))
        var innerGradient = Matrix<Double>(rows: 5, columns: 2), restGradient = innerGradient
        let innerLoss = inner.evaluate(latent: latent.selectingColumns([0, 1]), rows: Array(0..<5), gradient: &innerGradient)
        let restLoss = StandardNormalObjective<Double>().evaluate(latent: latent.selectingColumns([2, 3]), rows: Array(0..<5),
                                                                  gradient: &restGradient)
        let combined = LeadingColumnsObjective(inner: inner, columns: 2).evaluate(latent: latent, rows: Array(0..<5), gradient: &split)
        XCTAssertEqual(combined, innerLoss + restLoss, accuracy: 1e-12)
        XCTAssertEqual(Array(split.storage[0..<10]), innerGradient.storage)
        XCTAssertEqual(Array(split.storage[10...]), restGradient.storage)
    }

    /// As `testLocalisedFlowRecoversLambda` for a marginalizing flow (B = 2): C on the D = 2 leading
    /// latent columns, the 2 auxiliary columns i.i.d.; λ stages over 4 noise draws must find λ
    /// within ±0.07 (one C over all four columns gave λ̂ ≈ 0.6–0.8 for a truth of 0.3).
    func testMarginalizingFlowRecoversLambda() throws {
        let g = TestData.pedigreeRelationship(count: 1_500, children: 3)
        let spectrum = try RelatednessSpectrum(grm: g)
        for (k, truth) in [0.3, 0.7].enumerated() {
            var generator = SeededGenerator(seed: 620 + UInt64(k))
            let x = try Self.curvedRows(relatedness: g, lambda: truth, generator: &generator)
            let model = MarginalizingFlow<Float>(architecture: FlowArchitecture(dimension: 4, layers: 4, hidden: [24, 24]),
                                                 auxiliary: 2, generator: &generator)
            assertRecovers(model, rows: x, spectrum: spectrum, truth: truth, seed: 630 + UInt64(k), lambdaDraws: 4,
                           label: "marginal")
        }
    }
}
