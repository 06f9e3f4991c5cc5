import Foundation
import Numerics

/// Mini-batch training of a `LatentVariableModel` (localised or marginalizing flow) by the
/// reparametrised negative ELBO, with the base term from a pluggable `LatentObjective`.
///
/// Same schedule as `FlowTrainer` (fresh permutation per epoch from `settings.seed`, last batch
/// kept when it has at least 2 rows, Adamax/Adam with coupled weight decay, a linear learning-rate
/// warm-up over the first `settings.warmupSteps` steps, step-wise decay, optional clipping,
/// non-finite steps skipped; BLAS held at one thread for the run, the MLP passes on two lanes). The noise ε of every step comes from its own
/// generator (seeded from `settings.seed`), so runs are reproducible. Model selection uses the
/// importance-sampled validation NLL with `validationSamples` draws per row (fixed seed, so
/// epochs are compared on the same draws); the best epoch's parameters are restored at the end.
public final class LatentVariableTrainer<Model: LatentVariableModel> {
    /// The model being trained.
    public let model: Model
    /// The hyper-parameters.
    public let settings: TrainingSettings
    /// Importance samples per row for the validation NLL.
    public let validationSamples: Int
    /// Noise draws per row of the training bound: 1 trains the ELBO with the given objective; K > 1
    /// trains the importance-weighted bound (`negativeImportanceWeightedBound`), which needs the
    /// i.i.d. standard normal base law.
    public let trainingSamples: Int

    /// A trainer for `model`.
    public init(model: Model, settings: TrainingSettings, validationSamples: Int = 16, trainingSamples: Int = 1) {
        precondition(settings.batchSize >= 2 && validationSamples >= 1 && trainingSamples >= 1,
                     "batch size >= 2, validation and training samples >= 1")
        self.model = model
        self.settings = settings
        self.validationSamples = validationSamples
        self.trainingSamples = trainingSamples
    }

    /// Trains on the rows of `data` (`n × D`); `objective` is the base law of the latent rows
    /// (its `rows` argument indexes rows of `data`).
    public func train<Objective: LatentObjective>(
        data: Matrix<Model.Scalar>, validation: Matrix<Model.Scalar>? = nil, objective: Objective,
        onEpoch: (EpochSummary) -> Void = { _ in }
    ) -> TrainingResult where Objective.Scalar == Model.Scalar {
        SecondLane.training { run(data: data, validation: validation, objective: objective, onEpoch: onEpoch) }
    }

    /// The model's importance-sampled NLL of `validation` (mean per row, `validationSamples` draws
    /// per row from the fixed validation seed of `settings`): the figure every epoch is selected by.
    public func validationNLL(_ validation: Matrix<Model.Scalar>) -> Double {
        var draws = SeededGenerator(seed: settings.seed ^ 0x5EED_0F_DA7A)
        return model.importanceSampledLikelihood(validation, samples: validationSamples,
                                                 generator: &draws).negativeLogLikelihood.mean
    }

    private func run<Objective: LatentObjective>(
        data: Matrix<Model.Scalar>, validation: Matrix<Model.Scalar>?, objective: Objective, onEpoch: (EpochSummary) -> Void
    ) -> TrainingResult where Objective.Scalar == Model.Scalar {
        let n = data.rows
        precondition(trainingSamples == 1 || objective is StandardNormalObjective<Model.Scalar>,
                     "train: the importance-weighted bound (trainingSamples > 1) needs the standard normal base law")
        precondition(data.columns == model.dimension, "train: data has \(data.columns) columns, the model \(model.dimension)")
        let bs = min(settings.batchSize, n)
        let batchesPerEpoch = n / bs + (n % bs >= 2 ? 1 : 0)
        let totalSteps = max(1, batchesPerEpoch * settings.epochs)
        let settings = settings
        func rate(_ t: Int) -> Double { settings.learningRate(step: t, of: totalSteps) }
        let all = model.parameters + objective.parameters
        for q in objective.parameters { q.decays = false }
        let optimizer = Optimizer<Model.Scalar>(rule: Optimizer<Model.Scalar>.Rule(rawValue: settings.rule.rawValue)!,
                                                parameters: all, weightDecay: settings.weightDecay)
        var batches = SeededGenerator(seed: settings.seed)
        var noise = batches.split()
        var checkpoint = BestCheckpoint(parameters: all)
        var step = 0
        let clock = ContinuousClock()

        for epoch in 1...max(1, settings.epochs) where settings.epochs > 0 {
            let started = clock.now, startedCPU = processCPUSeconds()
            let order = batches.permutation(n)
            var lossSum = 0.0, taken = 0, skipped = 0, start = 0
            while start + 2 <= n {
                let rows = Array(order[start..<min(start + bs, n)])
                start += rows.count
                let lr = rate(step)
                step += 1
                for q in all { q.zeroGradient() }
                let x = data.selectingRows(rows)
                let loss = trainingSamples > 1
                    ? model.negativeImportanceWeightedBound(x, samples: trainingSamples, generator: &noise)
                    : model.negativeELBO(x, noise: model.drawNoise(rows: rows.count, generator: &noise),
                                         rows: rows, objective: objective)
                if loss.isFinite && clip(all) {
                    optimizer.step(learningRate: lr)
                    lossSum += loss
                    taken += 1
                } else {
                    skipped += 1
                }
            }
            let summary = EpochSummary(epoch: epoch, trainingLoss: taken > 0 ? lossSum / Double(taken) : .nan,
                                       validationNLL: nil, learningRate: rate(step), skippedSteps: skipped,
                                       seconds: (clock.now - started).seconds,
                                       cpuSeconds: processCPUSeconds() - startedCPU)
            if checkpoint.endEpoch(summary, validationNLL: validation.map(validationNLL),
                                   patience: settings.patience, report: onEpoch) { break }
        }
        return checkpoint.finish()
    }

    /// Clips the global gradient norm to `settings.gradientClipNorm`; false when it is not finite.
    private func clip(_ parameters: [Parameter<Model.Scalar>]) -> Bool {
        var squared = 0.0
        for q in parameters { for v in q.gradient { squared += Double(v * v) } }
        if !squared.isFinite { return false }
        if let limit = settings.gradientClipNorm, squared.squareRoot() > limit {
            let factor = Model.Scalar(limit / squared.squareRoot())
            for q in parameters {
                q.gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= factor } }
            }
        }
        return true
    }
}
