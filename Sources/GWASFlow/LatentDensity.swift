import Dependence
import Flows
import Formats
import Foundation
import Numerics

/// The latent-variable models of `gwasflow density --model lgf|marginal`.
public struct LatentDensitySettings: Sendable, Equatable {
    /// Which model.
    public enum Kind: String, Sendable, CaseIterable {
        /// Localised generative flow in the paper's form: `--layers` LGF layers of
        /// `couplingsPerLayer` affine couplings followed by `exp(s(u)) ⊙ · + t(u)`, u ∈ R^aux per
        /// layer, Gaussian heads and the u-network with the `--hidden` widths.
        case lgf
        /// Marginalizing flow: the `--model`-shaped plain flow on R^{p + aux}.
        case marginal
    }

    /// The model.
    public var kind: Kind
    /// B auxiliary dimensions (marginal) or the dimension of each layer's u (LGF); nil: the
    /// default, `auxiliary(dataDimension:)`.
    public var auxiliary: Int?
    /// Importance samples per individual for the log-densities and NLLs.
    public var samples = 256
    /// Importance samples per individual for the per-epoch validation NLL (model selection).
    public var validationSamples = 8
    /// Couplings in each LGF layer (`--couplings-per-layer`).
    public var couplingsPerLayer = 2
    /// Noise draws per individual in the training bound: 1 is the ELBO, K > 1 the importance-weighted
    /// bound (i.i.d. fits only).
    public var trainingSamples = 1
    /// Marginal: a learned proposal q(ε | x) (a Gaussian head with the `--hidden` widths; the
    /// default) or the fixed N(0, I) (false).
    public var learnedProposal = true
    /// Marginal: the interleaved layout of `MarginalizingFlow` (the default; p + B and the number
    /// of couplings even) or random permutations (false).
    public var interleaved = true
    /// Rounds of (λ stage, flow stage) of the alternating schedule with a relatedness matrix or PCs;
    /// the epochs are shared equally between stage 0 and the rounds.
    public var rounds = 3

    /// Settings for `kind` with the defaults (B chosen from the data, S = 256; a marginalizing
    /// flow with the learned proposal and the interleaved layout).
    public init(kind: Kind) {
        self.kind = kind
    }

    /// B for data of `dataDimension` columns: `auxiliary` when set; otherwise 2, except for an
    /// interleaved marginalizing flow of an odd number of columns, which gets 3 so that p + B is even.
    public func auxiliary(dataDimension p: Int) -> Int {
        auxiliary ?? (kind == .marginal && interleaved && p % 2 != 0 ? 3 : 2)
    }
}

/// The table a latent density model is fitted to.
struct LatentDensityTable {
    /// Its path (for `--blocks COLUMN`).
    var path: String
    /// The chosen columns, and their values on the complete rows.
    var names: [String], values: Matrix<Double>
    /// The complete rows' indices among the table's data rows, and the table's pseudo-`.fam`.
    var rows: [Int], fam: [FamRecord]
}

/// Fits a localised or marginalizing flow and writes `out.logdensity.tsv` (importance-sampled
/// log p(x) per individual on the original scale with its Monte Carlo SE), `out.samples.tsv`
/// (as many draws as complete rows, original scale) and `out.metrics.tsv` (NLLs with their
/// standard errors across individuals). Same split and standardisation as the plain flows.
///
/// With `settings.relatedness` the base latent of the training individuals gets the dependent law
/// of `normalize` (for a marginalizing flow on its D leading columns, `LeadingColumnsObjective`):
/// a GRM, eigendecomposition or PCs run `LatentVariableSchedule` (λ fitted, `out.lambda.tsv`),
/// blocks train their ρ jointly; `--iid` is the i.i.d. fit. λ or the mean ρ go to the metrics.
///
/// A marginalizing flow in the interleaved layout (the default) needs p + B and the number of
/// couplings even: B left unset is chosen so (`LatentDensitySettings.auxiliary(dataDimension:)`), a
/// given odd p + B or an odd `--layers` is a `UsageError` before anything is read or trained.
func fitLatentDensity<S: FlowScalar>(_: S.Type, table: LatentDensityTable, test: Matrix<Double>?,
                                     settings: DensitySettings, latent: LatentDensitySettings, out: String,
                                     context: RunContext) throws -> DensityResult {
    var table = table
    let p = table.values.columns, auxiliary = latent.auxiliary(dataDimension: p)
    if latent.kind == .marginal && latent.interleaved {
        if (p + auxiliary) % 2 != 0 {
            throw UsageError("--model marginal: the interleaved layout needs p + --aux even, got \(p) columns and --aux \(auxiliary); "
                             + "leave --aux out (it is then chosen so), give --aux \(auxiliary > 1 ? "\(auxiliary - 1) or " : "")\(auxiliary + 1), or use --random-permutations")
        }
        let layers = settings.architecture.layers
        if layers % 2 != 0 {
            throw UsageError("--model marginal: the interleaved layout needs an even --layers, got \(layers); "
                             + "give --layers \(layers + 1), or use --random-permutations")
        }
    }
    var relatedness: RelatednessInput?
    if let source = settings.relatedness {
        let input = try RelatednessInput(source, fam: table.fam, pheno: table.path, context: context)
        let covered = table.rows.indices.filter { input.covers(table.rows[$0]) }
        if covered.count < table.rows.count {
            context.warn("\(table.rows.count - covered.count) complete rows without a relatedness entry left out")
        }
        table.values = table.values.selectingRows(covered)
        table.rows = covered.map { table.rows[$0] }
        relatedness = input
    }
    var generator = SeededGenerator(seed: context.seed)
    let split = try DensitySplit(values: table.values, validationFraction: settings.validationFraction, generator: &generator)
    let structure = try relatedness.map { try $0.structure(for: split.trainRows.map { table.rows[$0] }, context: context) }
    var training = settings.training
    training.seed = generator.next()
    let a = settings.architecture
    switch latent.kind {
    case .lgf:
        let shape = LatentFlowModel<S>.LocalisedShape(dimension: p, layers: a.layers, latentDimension: auxiliary,
                                                      couplings: latent.couplingsPerLayer, hidden: a.hidden,
                                                      headHidden: a.hidden, indexing: .shiftScale)
        let model = LocalisedFlow<S>(dimension: p, layers: a.layers, latentDimension: auxiliary,
                                     couplings: latent.couplingsPerLayer, hidden: a.hidden, headHidden: a.hidden,
                                     indexing: .shiftScale, generator: &generator)
        context.setting("model", "LGF: \(a.layers) layers × (\(latent.couplingsPerLayer) affine couplings, exp(s(u)) ⊙ · + t(u)), "
                        + "u in R^\(auxiliary), hidden \(a.hidden.map(String.init).joined(separator: "-")), "
                        + "\(model.parameterCount) parameters, \(S.self)")
        let seed = generator.next()
        return try fitAndReport(model, table: table, split: split, structure: structure, test: test, training: training,
                                latent: latent, out: out, context: context, generator: &generator) {
            LatentFlowModel(localised: model, shape: shape, standardization: split.standardization, columns: table.names,
                            importanceSamples: latent.samples, importanceSeed: seed)
        }
    case .marginal:
        var architecture = a
        architecture.dimension = p + auxiliary
        let model = MarginalizingFlow<S>(architecture: architecture, auxiliary: auxiliary,
                                         proposalHidden: latent.learnedProposal ? a.hidden : nil,
                                         interleaved: latent.interleaved, generator: &generator)
        context.setting("model", "marginalizing flow: B = \(auxiliary)"
                        + (latent.auxiliary == nil && auxiliary != 2 ? " (so that p + B is even)" : "")
                        + ", \(a.layers) \(a.coupling) couplings on R^\(p + auxiliary), "
                        + (latent.interleaved ? "interleaved layout, " : "random permutations, ")
                        + (latent.learnedProposal ? "learned proposal q(eps | x), " : "fixed N(0, I) proposal, ")
                        + "hidden \(a.hidden.map(String.init).joined(separator: "-")), \(model.parameterCount) parameters, \(S.self)")
        let seed = generator.next()
        return try fitAndReport(model, table: table, split: split, structure: structure, test: test, training: training,
                                latent: latent, out: out, context: context, generator: &generator) {
            LatentFlowModel(marginal: model, architecture: architecture, standardization: split.standardization,
                            columns: table.names, importanceSamples: latent.samples, importanceSeed: seed)
        }
    }
}

/// Trains `model` on the training rows under `structure` (nil or independent: i.i.d.); returns the
/// selected flow stage's result (the last, or the best by validation NLL under the alternating λ schedule)
/// and the dependence metrics lines (`dependence`, `lambda`, `selected_stage`, `rho_mean`).
private func trainLatent<M: LatentVariableModel>(
    _ model: M, data: Matrix<M.Scalar>, validation: Matrix<M.Scalar>?, structure: DependenceStructure?,
    training: TrainingSettings, latent: LatentDensitySettings, logScale: Double, out: String, context: RunContext
) throws -> (TrainingResult, String) {
    typealias S = M.Scalar
    func onEpoch(_ progress: StepProgress) -> (EpochSummary) -> Void {
        epochReporter(loss: "negative ELBO", validation: "validation IS NLL", cpu: false, logScale: logScale,
                      context: context, progress: progress)
    }
    let trainer = LatentVariableTrainer(model: model, settings: training, validationSamples: latent.validationSamples,
                                        trainingSamples: latent.trainingSamples)
    func requireELBO() throws {
        if latent.trainingSamples > 1 {
            throw UsageError("--train-samples above 1 (the importance-weighted bound) is for i.i.d. fits; drop it or the dependence option")
        }
    }
    switch structure {
    case nil, .independent?:
        let result = context.step("train \(latent.kind.rawValue)", total: training.epochs, unit: "epochs") { progress in
            trainer.train(data: data, validation: validation, objective: StandardNormalObjective(),
                          onEpoch: onEpoch(progress))
        }
        return (result, "dependence\tiid\n")
    case let .blocks(blockOf, count)?:
        try requireELBO()
        let objective = JointBlockObjective<S>(blockOf: blockOf, blockCount: count, initialRho: 0.1)
        let result = context.step("train \(latent.kind.rawValue) with block ρ", total: training.epochs, unit: "epochs") { progress in
            model.latentDimension > model.dimension
                ? trainer.train(data: data, validation: validation,
                                objective: LeadingColumnsObjective(inner: objective, columns: model.dimension),
                                onEpoch: onEpoch(progress))
                : trainer.train(data: data, validation: validation, objective: objective, onEpoch: onEpoch(progress))
        }
        let sizes = blockOf.reduce(into: [Int](repeating: 0, count: count)) { $0[$1] += 1 }
        let related = (0..<count).filter { sizes[$0] > 1 }
        let meanRho = related.isEmpty ? Double.nan : related.reduce(0) { $0 + objective.rho[$1] } / Double(related.count)
        context.figure("mean ρ over blocks of more than one individual", meanRho)
        return (result, "dependence\tblocks\nrho_mean\t\(meanRho.isFinite ? "\(meanRho)" : "NA")\n")
    case let .relatedness(spectrum)?:
        try requireELBO()
        var schedule = LatentVariableSchedule(training: training)
        let share = max(1, training.epochs / (latent.rounds + 1))
        schedule.rounds = latent.rounds
        schedule.initialEpochs = share
        schedule.roundEpochs = share
        schedule.validationSamples = latent.validationSamples
        context.setting("schedule", "alternating: \(share) epochs at λ \(schedule.initialLambda), then \(latent.rounds) × "
                        + "(λ stage over \(schedule.lambdaDraws) noise draws, \(share) epochs)")
        let result = context.step("train \(latent.kind.rawValue) (alternating λ)") {
            schedule.run(model: model, data: data, validation: validation, spectrum: spectrum)
        }
        var lines = "stage\tlambda\n"
        for (k, lambda) in result.lambdas.enumerated() {
            context.figure("λ stage \(k + 1)", lambda)
            lines += "lambda\(k + 1)\t\(lambda)\n"
        }
        try context.write(lines, to: out + ".lambda.tsv")
        context.setting("selected flow stage", "\(result.selectedStage) of 0…\(latent.rounds) (trained at λ \(result.lambda))")
        return (result.stages[result.selectedStage], "dependence\trelatedness\nlambda\t\(result.lambda)\nselected_stage\t\(result.selectedStage)\n")
    }
}

private func fitAndReport<M: LatentVariableModel>(
    _ model: M, table: LatentDensityTable, split: DensitySplit, structure: DependenceStructure?, test: Matrix<Double>?,
    training: TrainingSettings, latent: LatentDensitySettings, out: String, context: RunContext,
    generator: inout SeededGenerator, snapshot: () -> LatentFlowModel<M.Scalar>
) throws -> DensityResult {
    typealias S = M.Scalar
    let names = table.names, values = table.values
    context.setting("training", "\(training.rule) lr \(training.learningRate), weight decay \(training.weightDecay), "
                    + "batch \(training.batchSize), \(training.epochs) epochs, warm-up \(training.warmupSteps) steps; importance samples \(latent.samples) "
                    + "(validation \(latent.validationSamples))")
    context.figure("individuals (train / validation)", "\(split.trainRows.count) / \(split.validationRows.count)")
    let logScale = split.standardization.logScale
    let (result, dependence) = try trainLatent(model, data: convert(split.train, to: S.self),
                                               validation: split.validation.map { convert($0, to: S.self) },
                                               structure: structure, training: training, latent: latent,
                                               logScale: logScale, out: out, context: context)
    if result.skippedSteps > 0 { context.warn("\(result.skippedSteps) training steps skipped: non-finite loss or gradient") }
    if let best = result.bestEpoch { context.figure("best epoch (validation NLL)", best) }

    // The model file, then the log-densities of every complete row on the original scale from it
    // (its S and seed), so that reloading the file reproduces them.
    let file = snapshot()
    let json: Data
    do { json = try file.jsonData() } catch let error as FlowModelError {
        throw UsageError("training diverged: \(error.message); try a lower --lr")
    }
    try context.write(Array(json), to: out + ".model.json")
    let estimate = context.step("importance sampling (S = \(latent.samples))") { file.logDensity(values, model: model) }
    let inValidation = Set(split.validationRows)
    var lines = "row\tset\tlog_density\tmc_se\n"
    for i in 0..<values.rows {
        lines += "\(table.rows[i] + 1)\t\(inValidation.contains(i) ? "validation" : "train")\t\(estimate.logDensity[i])\t\(estimate.monteCarloError[i])\n"
    }
    try context.write(lines, to: out + ".logdensity.tsv")

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
    metrics += "model\t\(latent.kind.rawValue)\n" + dependence + "training_samples\t\(latent.trainingSamples)\nparameters\t\(model.parameterCount)\nimportance_samples\t\(latent.samples)\n"
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
