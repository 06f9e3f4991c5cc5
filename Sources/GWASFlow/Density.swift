import Flows
import Formats
import Foundation
import Numerics

/// Settings of `gwasflow density`.
public struct DensitySettings: Sendable, Equatable {
    /// The table's columns to model.
    public var columns: ColumnSelection = .all
    /// Coupling type, blocks, hidden widths, spline bins and bound (the dimension is set from the data).
    public var architecture = FlowArchitecture(dimension: 1)
    /// Optimiser, batch size, epochs, learning rate, … (the seed is taken from the run).
    public var training = TrainingSettings()
    /// Fraction of the individuals held out for validation (0: none).
    public var validationFraction = 0.15
    /// A second table (same columns) whose NLL is reported as `test_nll`.
    public var test: String?
    /// Train in Double instead of Float.
    public var double = false
    /// Fit a localised generative flow or a marginalizing flow instead of a plain flow (nil: plain).
    public var latent: LatentDensitySettings?
    /// Dependence between individuals for `latent` models (nil: i.i.d.), as for `normalize`; the
    /// table's rows line up with the relatedness source as a `.fam` would (see `density`).
    public var relatedness: NormalizeRelatedness?

    /// The defaults: the paper's affine architecture, Adamax, batch 256, 250 epochs, 15 % validation.
    public init() {}
}

/// What `gwasflow density` measured; NLLs in nats per individual on the original data scale.
public struct DensityResult: Sendable {
    /// Individuals in the training, validation and test sets.
    public var trainCount: Int, validationCount: Int, testCount: Int?
    /// Mean NLL of the returned model on each set (validation and test nil when absent).
    public var trainNLL: Double, validationNLL: Double?, testNLL: Double?
    /// Median wall-clock seconds per training epoch.
    public var secondsPerEpoch: Double
    /// The epochs run, the epoch whose weights were kept, and skipped steps.
    public var training: TrainingResult
}

/// `gwasflow density`: fits an i.i.d. normalizing flow to columns of a table and writes
/// `out.model.json` (architecture, weights, standardisation), `out.metrics.tsv`
/// (`metric<TAB>value`) and, through the run, the per-epoch figures for `out.log`.
///
/// Rows with a missing value in a chosen column are left out. The table needs no `.fam`: a
/// PLINK-style table (`FID IID …` header) is read in file order, a headerless one row by row.
/// Individuals are split at random (seeded) into training and validation sets; the columns are
/// z-scored with the training moments, and the model with the best validation NLL is kept.
///
/// With `settings.relatedness` (latent models only) the table's data rows play the `.fam`: in file
/// order for a GEMMA text matrix or `--eigen`, by FID/IID for a GCTA binary matrix, PCs or blocks.
@discardableResult
public func density(pheno: String, settings: DensitySettings, out: String, context: RunContext) throws -> DensityResult {
    context.input("pheno", pheno)
    if settings.relatedness != nil && settings.latent == nil {
        throw UsageError("--grm, --eigen, --pcs, --blocks and --iid apply to --model lgf or marginal; for plain flows of related individuals use gwasflow normalize")
    }
    let (names, values, rows, fam) = try readDensityTable(pheno, columns: settings.columns, context: context, role: "phenotypes")
    guard names.count >= 1 else { throw UsageError("--columns selects no column of \(pheno)") }
    var test: Matrix<Double>?
    if let path = settings.test {
        context.input("test", path)
        let (testNames, testValues, _, _) = try readDensityTable(path, columns: settings.columns, context: context, role: "test rows")
        guard testNames.count == names.count else {
            throw UsageError("--test \(path) has \(testNames.count) selected columns, --pheno \(pheno) has \(names.count)")
        }
        test = testValues
    }
    if let latent = settings.latent {
        return settings.double
            ? try fitLatentDensity(Double.self, table: LatentDensityTable(path: pheno, names: names, values: values, rows: rows, fam: fam),
                                   test: test, settings: settings, latent: latent, out: out, context: context)
            : try fitLatentDensity(Float.self, table: LatentDensityTable(path: pheno, names: names, values: values, rows: rows, fam: fam),
                                   test: test, settings: settings, latent: latent, out: out, context: context)
    }
    if settings.double {
        return try fitDensity(Double.self, names: names, values: values, test: test, settings: settings, out: out, context: context)
    }
    return try fitDensity(Float.self, names: names, values: values, test: test, settings: settings, out: out, context: context)
}

/// The complete rows of the chosen columns of a table read without a `.fam`: names, values, the
/// complete rows' indices among the data rows, and the table's pseudo-`.fam`.
private func readDensityTable(_ path: String, columns: ColumnSelection, context: RunContext,
                              role: String) throws -> ([String], Matrix<Double>, [Int], [FamRecord]) {
    let fam = try standaloneFam(path)
    let table = try PhenotypeTable.read(path: path, fam: fam, columns: columns)
    let complete = table.completeRows
    let dropped = table.values.rows - complete.count
    if dropped > 0 { context.warn("\(path): \(dropped) rows with a missing value left out") }
    context.figure("\(role) read", "\(complete.count) complete rows × \(table.names.count) columns (\(table.names.joined(separator: ", ")))")
    return (table.names, table.values.selectingRows(complete), complete, fam)
}

/// One pseudo-`.fam` record per data row of a table, in file order, so that the table can be read
/// with the usual phenotype reader (IDs from a PLINK-style header, line numbers otherwise).
private func standaloneFam(_ path: String) throws -> [FamRecord] {
    let lines = Array(try TextLines(path: path))
    guard let first = lines.first else { throw FormatError(path: path, "empty file: expected one row per individual") }
    if isPlinkHeader(first.fields) {
        let byIID = (first.fields[0].hasPrefix("#") ? first.fields[0].dropFirst() : first.fields[0]).uppercased() == "IID"
        return lines.dropFirst().map { line in
            let f = line.fields
            let iid = String(byIID || f.count < 2 ? f[0] : f[1])
            return FamRecord(fid: byIID ? iid : String(f[0]), iid: iid)
        }
    }
    return lines.map { FamRecord(fid: "\($0.number)", iid: "\($0.number)") }
}

private func isPlinkHeader(_ fields: [Substring]) -> Bool {
    guard let name = fields.first.map({ ($0.hasPrefix("#") ? $0.dropFirst() : $0).uppercased() }) else { return false }
    return name == "FID" || name == "IID"
}

private func fitDensity<S: FlowScalar>(_: S.Type, names: [String], values: Matrix<Double>, test: Matrix<Double>?,
                                       settings: DensitySettings, out: String, context: RunContext) throws -> DensityResult {
    let p = values.columns
    var generator = SeededGenerator(seed: context.seed)
    let split = try DensitySplit(values: values, validationFraction: settings.validationFraction, generator: &generator)
    let (trainRows, nValidation, standardization) = (split.trainRows, split.validationRows.count, split.standardization)
    let trainData = convert(split.train, to: S.self)
    let validationData = split.validation.map { convert($0, to: S.self) }

    var architecture = settings.architecture
    architecture.dimension = p
    var training = settings.training
    training.seed = generator.next()
    let flow: Flow<S> = architecture.build(generator: &generator)
    context.setting("model", "\(architecture.layers) \(architecture.coupling) couplings, hidden \(architecture.hidden.map(String.init).joined(separator: "-"))"
                    + (architecture.coupling == .spline ? ", \(architecture.bins) bins on ±\(architecture.bound)" : "")
                    + (architecture.actNorm ? ", ActNorm" : "") + ", \(flow.parameterCount) parameters, \(S.self)")
    context.setting("training", "\(training.rule) lr \(training.learningRate), weight decay \(training.weightDecay), "
                    + "batch \(training.batchSize), \(training.epochs) epochs, warm-up \(training.warmupSteps) steps, decay \(training.decayRate) ×\(training.decays)"
                    + (training.gradientClipNorm.map { ", clip \($0)" } ?? "") + (training.patience.map { ", patience \($0)" } ?? ""))
    context.figure("individuals (train / validation)", "\(trainRows.count) / \(nValidation)")

    let logScale = standardization.logScale
    let result = context.step("train flow", total: training.epochs, unit: "epochs") { progress in
        FlowTrainer(flow: flow, settings: training).train(
            data: trainData, validation: validationData, objective: StandardNormalObjective(),
            onEpoch: epochReporter(loss: "train loss", validation: "validation NLL", cpu: true, logScale: logScale,
                                   context: context, progress: progress))
    }
    if result.skippedSteps > 0 { context.warn("\(result.skippedSteps) training steps skipped: non-finite loss or gradient") }
    if result.stoppedEarly { context.figure("early stop after epoch", result.epochs.count) }
    if let best = result.bestEpoch { context.figure("best epoch (validation NLL)", best) }

    let trainNLL = flow.meanNegativeLogLikelihood(trainData) + logScale
    let validationNLL = validationData.map { flow.meanNegativeLogLikelihood($0) + logScale }
    let testNLL = test.map { flow.meanNegativeLogLikelihood(convert(standardization.apply($0), to: S.self)) + logScale }
    let model = FlowModel(flow: flow, architecture: architecture, standardization: standardization, columns: names)
    let json: Data
    do { json = try model.jsonData() } catch let error as FlowModelError {
        throw UsageError("training diverged: \(error.message); try a lower --lr")
    }
    try context.write(Array(json), to: out + ".model.json")

    var metrics = "metric\tvalue\n"
    metrics += "train_nll\t\(format(trainNLL))\n"
    metrics += "validation_nll\t\(validationNLL.map(format) ?? "NA")\n"
    if let testNLL { metrics += "test_nll\t\(format(testNLL))\n" }
    metrics += "seconds_per_epoch\t\(format(result.medianSecondsPerEpoch))\n"
    metrics += "cpu_seconds_per_epoch\t\(format(result.medianCPUSecondsPerEpoch))\n"
    metrics += "epochs\t\(result.epochs.count)\n"
    metrics += "best_epoch\t\(result.bestEpoch.map(String.init) ?? "NA")\n"
    metrics += "skipped_steps\t\(result.skippedSteps)\n"
    metrics += "n_train\t\(trainRows.count)\nn_validation\t\(nValidation)\n"
    if let test { metrics += "n_test\t\(test.rows)\n" }
    try context.write(metrics, to: out + ".metrics.tsv")
    context.figure("train NLL", trainNLL)
    if let validationNLL { context.figure("validation NLL", validationNLL) }
    if let testNLL { context.figure("test NLL", testNLL) }
    context.figure("seconds per epoch (median)", result.medianSecondsPerEpoch)
    return DensityResult(trainCount: trainRows.count, validationCount: nValidation, testCount: test?.rows,
                         trainNLL: trainNLL, validationNLL: validationNLL, testNLL: testNLL,
                         secondsPerEpoch: result.medianSecondsPerEpoch, training: result)
}

/// The seeded split of the complete rows into training and validation individuals, and the data
/// z-scored with the training moments.
struct DensitySplit {
    /// Row indices (into the complete rows, ascending) of each set.
    var trainRows: [Int], validationRows: [Int]
    /// The z-scoring fitted on the training rows.
    var standardization: Standardization
    /// The standardised training rows, and the validation rows (nil without validation).
    var train: Matrix<Double>, validation: Matrix<Double>?

    /// Splits with the next draws of `generator` (one `split()` of it).
    init(values: Matrix<Double>, validationFraction: Double, generator: inout SeededGenerator) throws {
        let n = values.rows
        var splitGenerator = generator.split()
        let nValidation = validationFraction > 0 ? max(2, Int((validationFraction * Double(n)).rounded())) : 0
        guard n - nValidation >= 2 else {
            throw UsageError("\(n) complete rows: too few to train with --validation \(validationFraction)")
        }
        let order = splitGenerator.permutation(n)
        validationRows = Array(order[..<nValidation]).sorted()
        trainRows = Array(order[nValidation...]).sorted()
        standardization = Standardization(fitting: values.selectingRows(trainRows))
        train = standardization.apply(values.selectingRows(trainRows))
        validation = nValidation > 0 ? standardization.apply(values.selectingRows(validationRows)) : nil
    }
}

func convert<S: FlowScalar>(_ x: Matrix<Double>, to: S.Type) -> Matrix<S> {
    Matrix(rows: x.rows, columns: x.columns, storage: x.storage.map { S($0) })
}

/// Reports each training epoch of `density` as the run-log figure `epoch N`: the training loss and
/// the validation NLL moved to the original data scale by `logScale`, the learning rate, the wall time
/// (and the CPU time with `cpu`) and any skipped steps; advances `progress` by one epoch. Plain flows
/// call the loss "train loss" and the NLL "validation NLL"; latent models "negative ELBO" and
/// "validation IS NLL" (importance-sampled).
func epochReporter(loss: String, validation: String, cpu: Bool, logScale: Double, context: RunContext,
                   progress: StepProgress) -> (EpochSummary) -> Void {
    { e in
        var line = "\(loss) \(format(e.trainingLoss + logScale))"
        if let v = e.validationNLL { line += ", \(validation) \(format(v + logScale))" }
        line += ", lr \(format(e.learningRate)), \(format(e.seconds)) s" + (cpu ? " (CPU \(format(e.cpuSeconds)) s)" : "")
        if e.skippedSteps > 0 { line += ", \(e.skippedSteps) steps skipped (non-finite)" }
        context.figure("epoch \(e.epoch)", line)
        progress.advance(by: 1)
    }
}

/// Shortest text that reads back as the same Double.
private func format(_ x: Double) -> String { x.isFinite ? "\(x)" : "NA" }
