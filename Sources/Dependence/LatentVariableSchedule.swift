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
/// maximise the exact l(λ) on the latent rows of the *mean path* (ε = 0: u = μ_q(x) for LGF,
/// ε = 0 for a marginalizing flow), a deterministic stand-in for the noise-averaged latent.
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

    /// A schedule with `training` for its flow stages.
    public init(training: TrainingSettings) {
        self.training = training
    }

    /// The λ in effect after each λ stage.
    public struct Result {
        /// λ after each λ stage, in order (the last is the final λ).
        public var lambdas: [Double]
        /// Each flow stage's training result.
        public var stages: [TrainingResult]
    }

    /// Trains `model` on `data` (n × D, rows in the order of `spectrum`) and fits λ.
    public func run<Model: LatentVariableModel>(model: Model, data: Matrix<Model.Scalar>,
                                                validation: Matrix<Model.Scalar>? = nil,
                                                spectrum: RelatednessSpectrum) -> Result {
        precondition(data.rows == spectrum.count, "schedule: \(data.rows) rows, relatedness of \(spectrum.count)")
        var lambda = initialLambda
        var result = Result(lambdas: [], stages: [])
        for round in 0...rounds {
            if round > 0 {
                lambda = LambdaStage.fit(spectrum: spectrum, latent: model.meanPathLatent(data), step: .exact,
                                         start: lambda).lambda
                result.lambdas.append(lambda)
            }
            var settings = training
            settings.epochs = round == 0 ? initialEpochs : roundEpochs
            settings.seed = training.seed &+ UInt64(round) &* 0x9E37_79B9
            let covariance: any CovarianceModel = lambda >= 1
                ? IdentityCovariance(count: spectrum.count) : RelatednessCovariance(spectrum: spectrum, lambda: lambda)
            result.stages.append(LatentVariableTrainer(model: model, settings: settings, validationSamples: validationSamples)
                .train(data: data, validation: validation, objective: MiniBatchObjective<Model.Scalar>(model: covariance)))
        }
        return result
    }
}

extension LatentVariableModel {
    /// The base latent rows with all noise at 0 (the mean path), in Double.
    public func meanPathLatent(_ x: Matrix<Scalar>) -> Matrix<Double> {
        let latent = forward(x, noise: Matrix(rows: x.rows, columns: noiseDimension)).latent
        return Matrix<Double>(rows: latent.rows, columns: latent.columns, storage: latent.storage.map(Double.init))
    }
}
