import Flows
import Foundation
import Numerics

/// The alternating schedule of method.md §4 for latent-variable flows (localised generative flows,
/// marginalizing flows), whose base latent — z_L for LGF, the (x, ε) latent rows in R^{D+B} for a
/// marginalizing flow — is given the dependent law U ~ MN(0, λI + (1 − λ)G, I).
///
/// Flow stages minimise the negative ELBO with the base term replaced by the eq. (2) mini-batch
/// objective of the current model (`MiniBatchObjective`, rebuilt after every λ stage), which keeps
/// the combined mini-batch loss unbiased for the full-data negative ELBO at fixed noise. λ stages
/// maximise the exact l(λ) summed over `lambdaDraws` independent noise draws (the draws' latent
/// matrices side by side as extra columns, all sharing C). Random rather than zero noise matters
/// for marginalizing flows: with ε = 0 the auxiliary latent columns become functions of x and
/// inherit the relatives' correlation, which drives λ to 0.
///
/// C applies to the first D = `model.dimension` columns of the base latent: all of them for LGF;
/// for a marginalizing flow the B remaining columns keep the i.i.d. N(0, I) law of the auxiliary
/// noise (`LeadingColumnsObjective`), and λ stages fit λ on the D leading columns only, so the
/// independent auxiliary columns do not pull λ̂ towards 1.
public struct LatentVariableSchedule {
    /// Optimizer settings of every flow stage (epochs are set per stage, seeds derive from `seed`).
    public var training: TrainingSettings
    /// Epochs of stage 0 (at `initialLambda`).
    public var initialEpochs = 20
    /// Epochs of each later flow stage.
    public var roundEpochs = 15
    /// Number of (λ stage, flow stage) rounds.
    public var rounds = 3
    /// λ of stage 0.
    public var initialLambda = 0.9
    /// Importance samples per row of the validation NLL.
    public var validationSamples = 8
    /// Noise draws whose latent matrices each λ stage fits together; 0 fits the mean path
    /// (all noise 0: u = μ_q(x) in every LGF layer), which suits LGF but not marginalizing flows.
    public var lambdaDraws = 4

    /// A schedule with `training` for its flow stages.
    public init(training: TrainingSettings) {
        self.training = training
    }

    /// The λ path and the flow stage the model was left at.
    public struct Result {
        /// λ after each λ stage, in order.
        public var lambdas: [Double]
        /// Each flow stage's training result.
        public var stages: [TrainingResult]
        /// The flow stage whose parameters the model holds at the end: with validation rows the one
        /// with the lowest validation NLL over all stages (as `ScheduleRunner` selects), else the last.
        public var selectedStage: Int
        /// The λ that stage was trained at (`initialLambda` for stage 0).
        public var lambda: Double
    }

    /// The optimizer settings of flow stage `round` (0 at `initialLambda`): its epochs, its part of
    /// one learning-rate decay over all flow stages (`TrainingSettings.stage`: it starts at the rate
    /// the previous stage ended at), and a seed derived from `training.seed` (so the stage's batches,
    /// noise and validation draws are its own). Each stage has a fresh Adamax and its own warm-up.
    /// Restarting every stage at the full rate with a decay of its own left each 10-epoch stage of
    /// the Table 1 bench far from converged and lost to the i.i.d. fit on the sign map
    /// (docs/benchmarks/beyond.md, session 7).
    public func stageSettings(round: Int) -> TrainingSettings {
        var settings = training.stage(epochs: round == 0 ? initialEpochs : roundEpochs,
                                      after: round == 0 ? 0 : initialEpochs + (round - 1) * roundEpochs,
                                      of: initialEpochs + rounds * roundEpochs)
        settings.seed = training.seed &+ UInt64(round) &* 0x9E37_79B9
        return settings
    }

    /// Trains `model` on `data` (n × D, rows in the order of `spectrum`) and fits λ. With
    /// `validation` rows the model ends at the best flow stage by validation NLL: a flow stage
    /// restarts the optimizer on an objective whose λ has just moved, and can end worse than an
    /// earlier stage (docs/benchmarks/beyond.md, session 6).
    public func run<Model: LatentVariableModel>(model: Model, data: Matrix<Model.Scalar>,
                                                validation: Matrix<Model.Scalar>? = nil,
                                                spectrum: RelatednessSpectrum) -> Result {
        precondition(data.rows == spectrum.count, "schedule: \(data.rows) rows, relatedness of \(spectrum.count)")
        var lambda = initialLambda
        var result = Result(lambdas: [], stages: [], selectedStage: rounds, lambda: lambda)
        var best: (nll: Double, values: [[Model.Scalar]], stage: Int, lambda: Double)?
        var noise = SeededGenerator(seed: training.seed ^ 0x1A3B_DA7A)
        for round in 0...rounds {
            if round > 0 {
                let latent = model.sampledLatent(data, draws: lambdaDraws, leadingColumns: model.dimension, generator: &noise)
                lambda = LambdaStage.fit(spectrum: spectrum, latent: latent, step: .exact, start: lambda).lambda
                result.lambdas.append(lambda)
            }
            let settings = stageSettings(round: round)
            // The dense A where it is cheaper, as `ScheduleRunner` does (one O(n³) product per stage
            // instead of an O(b² n) product per batch).
            let covariance: any CovarianceModel = lambda >= 1
                ? IdentityCovariance(count: spectrum.count)
                : spectrum.isComplete && spectrum.count <= ScheduleRunner.densePrecisionLimit
                ? RelatednessCovariance(spectrum: spectrum, lambda: lambda).cachingPrecision()
                : RelatednessCovariance(spectrum: spectrum, lambda: lambda)
            let trainer = LatentVariableTrainer(model: model, settings: settings, validationSamples: validationSamples)
            let objective = MiniBatchObjective<Model.Scalar>(model: covariance)
            let stage = model.latentDimension > model.dimension
                ? trainer.train(data: data, validation: validation,
                                objective: LeadingColumnsObjective(inner: objective, columns: model.dimension))
                : trainer.train(data: data, validation: validation, objective: objective)
            result.stages.append(stage)
            if let nll = stage.bestValidationNLL, nll < (best?.nll ?? .infinity) {
                best = (nll, model.parameters.map(\.value), round, lambda)
            }
        }
        result.lambda = lambda
        if let best {
            for (p, v) in zip(model.parameters, best.values) { p.value = v }
            result.selectedStage = best.stage
            result.lambda = best.lambda
        }
        return result
    }
}

extension LatentVariableModel {
    /// The first `leadingColumns` (default: all) base latent columns of `draws` independent noise
    /// draws side by side (n × draws·leadingColumns), or of the mean path (noise 0) when `draws`
    /// is 0, in Double.
    public func sampledLatent(_ x: Matrix<Scalar>, draws: Int, leadingColumns: Int? = nil,
                              generator: inout SeededGenerator) -> Matrix<Double> {
        let k = leadingColumns ?? latentDimension
        precondition(k >= 1 && k <= latentDimension, "sampledLatent: 1...\(latentDimension) leading columns")
        var storage: [Double] = []
        storage.reserveCapacity(x.rows * k * max(draws, 1))
        for _ in 0..<max(draws, 1) {
            let noise = draws == 0 ? Matrix(rows: x.rows, columns: noiseDimension) : drawNoise(rows: x.rows, generator: &generator)
            storage += forward(x, noise: noise).latent.storage[0..<(x.rows * k)].map(Double.init)
        }
        return Matrix(rows: x.rows, columns: k * max(draws, 1), storage: storage)
    }
}
