import Flows
import Foundation
import Numerics

/// The latent-variable models of `gwasflow density --model lgf|marginal`.
public struct LatentDensitySettings: Sendable, Equatable {
    /// Which model.
    public enum Kind: String, Sendable, CaseIterable {
        /// Localised generative flow: `--layers` LGF layers of `couplingsPerLayer` conditional
        /// affine couplings, u ∈ R^aux per layer, Gaussian heads with the `--hidden` widths.
        case lgf
        /// Marginalizing flow: the `--model`-shaped plain flow on R^{p + aux}.
        case marginal
    }

    /// The model.
    public var kind: Kind
    /// B auxiliary dimensions (marginal) or the dimension of each layer's u (LGF).
    public var auxiliary = 2
    /// Importance samples per individual for the log-densities and NLLs.
    public var samples = 256
    /// Importance samples per individual for the per-epoch validation NLL (model selection).
    public var validationSamples = 8
    /// Conditional couplings in each LGF layer.
    public var couplingsPerLayer = 2

    /// Settings for `kind` with the defaults (B = 2, S = 256).
    public init(kind: Kind) {
        self.kind = kind
    }
}

/// Fits a localised or marginalizing flow i.i.d. and writes `out.logdensity.tsv` (importance-sampled
/// log p(x) per individual on the original scale with its Monte Carlo SE), `out.samples.tsv`
/// (as many draws as complete rows, original scale) and `out.metrics.tsv` (NLLs with their
/// standard errors across individuals). Same split and standardisation as the plain flows.
func fitLatentDensity<S: FlowScalar>(_: S.Type, names: [String], values: Matrix<Double>, test: Matrix<Double>?,
                                     settings: DensitySettings, latent: LatentDensitySettings, out: String,
                                     context: RunContext) throws -> DensityResult {
    let p = values.columns
    var generator = SeededGenerator(seed: context.seed)
    let split = try DensitySplit(values: values, validationFraction: settings.validationFraction, generator: &generator)
    var training = settings.training
    training.seed = generator.next()
    let a = settings.architecture
    switch latent.kind {
    case .lgf:
        let model = LocalisedFlow<S>(dimension: p, layers: a.layers, latentDimension: latent.auxiliary,
                                     couplings: latent.couplingsPerLayer, hidden: a.hidden, headHidden: a.hidden,
                                     generator: &generator)
        context.setting("model", "LGF: \(a.layers) layers × \(latent.couplingsPerLayer) conditional affine couplings, "
                        + "u in R^\(latent.auxiliary), hidden \(a.hidden.map(String.init).joined(separator: "-")), "
                        + "\(model.parameterCount) parameters, \(S.self)")
        return try fitAndReport(model, names: names, split: split, values: values, test: test, training: training,
                                latent: latent, out: out, context: context, generator: &generator)
    case .marginal:
        var architecture = a
        architecture.dimension = p + latent.auxiliary
        let model = MarginalizingFlow<S>(architecture: architecture, auxiliary: latent.auxiliary, generator: &generator)
        context.setting("model", "marginalizing flow: B = \(latent.auxiliary), \(a.layers) \(a.coupling) couplings on R^\(p + latent.auxiliary), "
                        + "hidden \(a.hidden.map(String.init).joined(separator: "-")), \(model.parameterCount) parameters, \(S.self)")
        return try fitAndReport(model, names: names, split: split, values: values, test: test, training: training,
                                latent: latent, out: out, context: context, generator: &generator)
    }
}

private func fitAndReport<M: LatentVariableModel>(
    _ model: M, names: [String], split: DensitySplit, values: Matrix<Double>, test: Matrix<Double>?,
    training: TrainingSettings, latent: LatentDensitySettings, out: String, context: RunContext,
    generator: inout SeededGenerator
) throws -> DensityResult {
    typealias S = M.Scalar
    context.setting("training", "\(training.rule) lr \(training.learningRate), weight decay \(training.weightDecay), "
                    + "batch \(training.batchSize), \(training.epochs) epochs; importance samples \(latent.samples) "
                    + "(validation \(latent.validationSamples))")
    context.figure("individuals (train / validation)", "\(split.trainRows.count) / \(split.validationRows.count)")
    let logScale = split.standardization.logScale
    let result = context.step("train \(latent.kind.rawValue)", total: training.epochs, unit: "epochs") { progress in
        LatentVariableTrainer(model: model, settings: training, validationSamples: latent.validationSamples)
            .train(data: convert(split.train, to: S.self), validation: split.validation.map { convert($0, to: S.self) },
                   objective: StandardNormalObjective()) { e in
                var line = "negative ELBO \(e.trainingLoss + logScale)"
                if let v = e.validationNLL { line += ", validation IS NLL \(v + logScale)" }
                line += ", lr \(e.learningRate), \(e.seconds) s"
                if e.skippedSteps > 0 { line += ", \(e.skippedSteps) steps skipped (non-finite)" }
                context.figure("epoch \(e.epoch)", line)
                progress.advance(by: 1)
            }
    }
    if result.skippedSteps > 0 { context.warn("\(result.skippedSteps) training steps skipped: non-finite loss or gradient") }
    if let best = result.bestEpoch { context.figure("best epoch (validation NLL)", best) }

    // Log-densities of every complete row on the original scale.
    let all = convert(split.standardization.apply(values), to: S.self)
    var estimate = context.step("importance sampling (S = \(latent.samples))") {
        model.importanceSampledLikelihood(all, samples: latent.samples, generator: &generator)
    }
    estimate.logDensity = estimate.logDensity.map { $0 - logScale }
    let inValidation = Set(split.validationRows)
    var table = "row\tset\tlog_density\tmc_se\n"
    for i in 0..<values.rows {
        table += "\(i + 1)\t\(inValidation.contains(i) ? "validation" : "train")\t\(estimate.logDensity[i])\t\(estimate.monteCarloError[i])\n"
    }
    try context.write(table, to: out + ".logdensity.tsv")

    func nll(_ rows: [Int]) -> (mean: Double, standardError: Double)? {
        if rows.isEmpty { return nil }
        let n = Double(rows.count)
        let mean = -rows.reduce(0) { $0 + estimate.logDensity[$1] } / n
        let squares = rows.reduce(0) { $0 + (estimate.logDensity[$1] + mean) * (estimate.logDensity[$1] + mean) }
        return (mean, (squares / max(n - 1, 1) / n).squareRoot())
    }
    let trainNLL = nll(split.trainRows)!, validationNLL = nll(split.validationRows)
    let testNLL = test.map { t -> (mean: Double, standardError: Double) in
        let r = model.importanceSampledLikelihood(convert(split.standardization.apply(t), to: S.self),
                                                  samples: latent.samples, generator: &generator).negativeLogLikelihood
        return (r.mean + logScale, r.standardError)
    }

    let sampled = model.sample(count: values.rows, generator: &generator)
    let draws = split.standardization.invert(Matrix<Double>(rows: sampled.rows, columns: sampled.columns,
                                                            storage: sampled.storage.map(Double.init)))
    var samples = names.joined(separator: "\t") + "\n"
    for i in 0..<draws.rows { samples += (0..<draws.columns).map { "\(draws[i, $0])" }.joined(separator: "\t") + "\n" }
    try context.write(samples, to: out + ".samples.tsv")

    var metrics = "metric\tvalue\n"
    metrics += "model\t\(latent.kind.rawValue)\nparameters\t\(model.parameterCount)\nimportance_samples\t\(latent.samples)\n"
    metrics += "train_nll\t\(trainNLL.mean)\ntrain_nll_se\t\(trainNLL.standardError)\n"
    metrics += "validation_nll\t\(validationNLL.map { "\($0.mean)" } ?? "NA")\n"
    metrics += "validation_nll_se\t\(validationNLL.map { "\($0.standardError)" } ?? "NA")\n"
    if let testNLL { metrics += "test_nll\t\(testNLL.mean)\ntest_nll_se\t\(testNLL.standardError)\n" }
    metrics += "seconds_per_epoch\t\(result.medianSecondsPerEpoch)\nepochs\t\(result.epochs.count)\n"
    metrics += "best_epoch\t\(result.bestEpoch.map(String.init) ?? "NA")\nskipped_steps\t\(result.skippedSteps)\n"
    metrics += "n_train\t\(split.trainRows.count)\nn_validation\t\(split.validationRows.count)\n"
    if let test { metrics += "n_test\t\(test.rows)\n" }
    try context.write(metrics, to: out + ".metrics.tsv")
    context.figure("train NLL (IS)", "\(trainNLL.mean) ± \(trainNLL.standardError)")
    if let v = validationNLL { context.figure("validation NLL (IS)", "\(v.mean) ± \(v.standardError)") }
    if let t = testNLL { context.figure("test NLL (IS)", "\(t.mean) ± \(t.standardError)") }
    return DensityResult(trainCount: split.trainRows.count, validationCount: split.validationRows.count,
                         testCount: test?.rows, trainNLL: trainNLL.mean, validationNLL: validationNLL?.mean,
                         testNLL: testNLL?.mean, secondsPerEpoch: result.medianSecondsPerEpoch, training: result)
}
