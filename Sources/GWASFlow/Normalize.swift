import Dependence
import Flows
import Formats
import Foundation
import Numerics
import Relatedness

/// Where `normalize` takes the dependence between individuals from.
public enum NormalizeRelatedness: Equatable, Sendable {
    /// A relatedness matrix: GEMMA text (`.cXX.txt`/`.sXX.txt`, `.fam` order) or a GCTA binary
    /// prefix (`PREFIX.grm.bin` + `.grm.id`); optionally a `gwasflow eigen` prefix of it, reused
    /// when the training individuals are exactly the matrix's individuals in its order.
    case grm(path: String, eigen: String?)
    /// Only an eigendecomposition (`PREFIX.eigenD.txt`, `PREFIX.eigenU.txt`, `.fam` order).
    case eigen(prefix: String)
    /// Low-rank PC relatedness from the first `count` PCs of an eigenvector file.
    case pcs(path: String, count: Int)
    /// Equicorrelated blocks from the `.fam` FID (`FID`) or a numeric column of the phenotype file.
    case blocks(column: String)
    /// Independent individuals.
    case independent
}

/// Settings of `gwasflow normalize`.
public struct NormalizeSettings: Sendable {
    /// Phenotype table (GEMMA or PLINK style).
    public var pheno: String
    /// Which phenotype columns.
    public var columns: ColumnSelection = .all
    /// The `.fam` file that fixes the individuals and their order.
    public var fam: String
    /// Covariate table, if any.
    public var covar: String?
    /// The dependence between individuals.
    public var relatedness: NormalizeRelatedness
    /// The schedule and flow settings (the schedule kind included).
    public var schedule = ScheduleSettings()
    /// Fraction of the normalized individuals held out for model selection (i.i.d. NLL).
    public var validationFraction = 0.15

    /// Settings with the defaults of method.md §5.
    public init(pheno: String, fam: String, relatedness: NormalizeRelatedness) {
        self.pheno = pheno
        self.fam = fam
        self.relatedness = relatedness
    }
}

/// What `normalize` produced.
public struct NormalizeResult {
    /// Trait names.
    public var traits: [String]
    /// Latent values, one row per `.fam` individual, NaN where not normalized.
    public var normalized: Matrix<Double>
    /// `.fam` rows (0-based) that were normalized.
    public var rows: [Int]
    /// The schedule's outcome.
    public var schedule: ScheduleResult
    /// Diagnostics rows: raw, rank-int, flow.
    public var diagnostics: [NormalityDiagnostic]
    /// The saved model.
    public var model: NormalizationModel
}

/// `gwasflow normalize`: residualize and z-score each phenotype, train a flow with the chosen
/// schedule and covariance model on the individuals with every trait observed (method.md §2–5),
/// and write `out.pheno.txt` (GEMMA), `out.pheno.tsv` (PLINK 2 / REGENIE / BOLT), `out.model.json`,
/// `out.lambda.tsv` and `out.diagnostics.tsv`.
@discardableResult
public func normalize(settings: NormalizeSettings, out: String, context: RunContext) throws -> NormalizeResult {
    guard settings.validationFraction >= 0 && settings.validationFraction < 1 else {
        throw UsageError("--validation-fraction must be in [0, 1), got \(settings.validationFraction)")
    }
    context.input("fam", settings.fam)
    context.input("pheno", settings.pheno)
    let fam = try PlinkFam.read(path: settings.fam)
    let pheno = try PhenotypeTable.read(path: settings.pheno, fam: fam, columns: settings.columns)
    context.figure(".fam individuals", fam.count)
    context.figure("phenotype rows matched", pheno.match.description)
    var covariates: CovariateTable?
    if let path = settings.covar {
        context.input("covar", path)
        covariates = try CovariateTable.read(path: path, fam: fam)
        for note in covariates!.notes { context.setting("covariates", note) }
    }

    // Residualization per trait on its own observed individuals, then z-scores.
    let residualization: Residualization
    do {
        residualization = try Residualization.fit(phenotypes: pheno.values, names: pheno.names,
                                                  covariates: covariates?.values, covariateNames: covariates?.names ?? [])
    } catch let error as ResidualizationError {
        throw UsageError(error.description)
    }
    let keptCovariates = covariates.map { table in
        table.values.selectingColumns(residualization.covariateNames.map { table.names.firstIndex(of: $0)! })
    }
    let z = residualization.apply(phenotypes: pheno.values, covariates: keptCovariates)
    logResidualization(residualization, context: context)

    let relatedness = try RelatednessInput(settings.relatedness, fam: fam, pheno: settings.pheno, context: context)
    let rows = (0..<fam.count).filter { i in relatedness.covers(i) && (0..<z.columns).allSatisfy { !z[i, $0].isNaN } }
    guard rows.count >= max(10, 2 * z.columns + 2) else {
        throw UsageError("only \(rows.count) individuals have every trait\(settings.covar == nil ? "" : ", every covariate") and a relatedness entry; normalize needs at least \(max(10, 2 * z.columns + 2))")
    }
    context.figure("individuals normalized", rows.count)

    // Training / validation split (seeded), then G restricted to the training individuals.
    var generator = SeededGenerator(seed: context.seed)
    let validationCount = Int((settings.validationFraction * Double(rows.count)).rounded())
    let shuffled = generator.permutation(rows.count).map { rows[$0] }
    let validationRows = shuffled.prefix(validationCount).sorted()
    let trainingRows = shuffled.dropFirst(validationCount).sorted()
    context.figure("training individuals", trainingRows.count)
    context.figure("validation individuals", validationRows.count)
    let structure = try context.step("relatedness structure") { try relatedness.structure(for: trainingRows, context: context) }
    // Grid and alternating select by validation NLL: the validation individuals are related to the
    // training individuals, so their NLL is taken conditional on them under each stage's λ, which needs
    // G over both (one more decomposition, shared by every stage).
    var heldOut: RelatednessSpectrum?
    let selectsOnHeldOut = settings.schedule.kind == .alternating
        || (settings.schedule.kind == .grid && settings.schedule.gridSelection == .validation)
    if selectsOnHeldOut, !validationRows.isEmpty, case let .relatedness(training) = structure {
        context.setting("\(settings.schedule.kind.rawValue) selection", "validation NLL conditional on the training individuals, −log p(X_V | X_T)/n_V under each stage's λ")
        heldOut = try context.step("relatedness over training + validation individuals") {
            guard case let .relatedness(both) = try relatedness.structure(for: trainingRows + validationRows, context: context) else { return nil }
            return both.rescaled(to: training.scale)
        }
    }

    let data = Matrix<Float>(z.selectingRows(trainingRows))
    let validation = validationRows.isEmpty ? nil : Matrix<Float>(z.selectingRows(validationRows))
    var scheduleSettings = settings.schedule
    scheduleSettings.architecture.dimension = z.columns
    for (key, value) in scheduleSettingsLog(scheduleSettings) { context.setting(key, value) }
    var runner = ScheduleRunner(settings: scheduleSettings)
    runner.onStage = { record in
        var parts = ["objective \(String(format: "%.6f", record.objective))"]
        if let l = record.lambda { parts.insert("λ \(String(format: "%.6f", l))", at: 0) }
        if let r = record.rho { parts.insert("mean ρ \(String(format: "%.6f", r))", at: 0) }
        if let v = record.validationNLL { parts.append("validation NLL \(String(format: "%.6f", v))") }
        if let v = record.heldOutNLL { parts.append("held-out NLL given the training individuals \(String(format: "%.6f", v))") }
        context.figure("stage \(record.stage)", parts.joined(separator: ", "))
    }
    let result = context.step("train flow (\(scheduleSettings.kind.rawValue))") {
        runner.run(data: data, validation: validation, structure: structure, heldOut: heldOut)
    }
    if let lambda = result.lambda { context.figure("lambda (of the selected checkpoint)", String(format: "%.6f", lambda)) }
    if let last = result.records.last(where: { $0.stage.hasPrefix("lambda") }), let lambda = last.lambda {
        context.figure("lambda of the last λ stage", String(format: "%.6f", lambda))
    }
    context.figure("selected checkpoint", result.selectedStage)

    // Map every normalized individual; NaN elsewhere.
    let latent = Matrix<Double>(result.flow.forwardInBatches(Matrix<Float>(z.selectingRows(rows))).latent)
    var normalized = Matrix<Double>(rows: fam.count, columns: z.columns, repeating: .nan)
    for (r, i) in rows.enumerated() { for j in 0..<z.columns { normalized[i, j] = latent[r, j] } }

    let diagnostics = try context.step("diagnostics") {
        try normalityDiagnostics(z: z, latent: latent, rows: rows, training: trainingRows, validation: validationRows,
                                 flow: result.flow)
    }
    for d in diagnostics {
        context.figure("Mardia \(d.representation)", String(format: "skewness p %.3g, kurtosis p %.3g", d.mardia.skewnessP, d.mardia.kurtosisP))
    }

    let model = NormalizationModel(flow: result.flow, architecture: scheduleSettings.architecture, residualization: residualization,
                                   schedule: scheduleSettings.kind, lambda: result.lambda, rho: result.rho)
    let names = pheno.names
    try context.write(NormalizedPhenotypeText.gemma(normalized), to: out + ".pheno.txt")
    try context.write(NormalizedPhenotypeText.plink(normalized, fam: fam, names: names), to: out + ".pheno.tsv")
    try context.write(model.json(), to: out + ".model.json")
    try context.write(stageTable(result.records), to: out + ".lambda.tsv")
    try context.write(([NormalityDiagnostic.header] + diagnostics.map(\.line)).joined(separator: "\n") + "\n",
                      to: out + ".diagnostics.tsv")
    return NormalizeResult(traits: names, normalized: normalized, rows: rows, schedule: result, diagnostics: diagnostics, model: model)
}

/// Residualization fits in the log: coefficients and R² per trait.
private func logResidualization(_ r: Residualization, context: RunContext) {
    if !r.droppedCovariates.isEmpty {
        context.setting("constant covariate columns dropped (the intercept is always fitted)", r.droppedCovariates.joined(separator: ", "))
    }
    let terms = ["intercept"] + r.covariateNames
    for t in r.traits {
        let coefficients = zip(terms, t.coefficients).map { "\($0) \(String(format: "%.6g", $1))" }.joined(separator: ", ")
        context.figure("residualization \(t.name)", "n \(t.observedCount), R² \(String(format: "%.4f", t.rSquared)), \(coefficients), residual sd \(String(format: "%.6g", t.standardDeviation))")
    }
}

private func scheduleSettingsLog(_ s: ScheduleSettings) -> [(String, String)] {
    var out: [(String, String)] = [
        ("schedule", s.kind.rawValue),
        ("flow", "\(s.architecture.layers) \(s.architecture.coupling.rawValue) couplings, hidden \(s.architecture.hidden)"),
        ("batch size", "\(s.training.batchSize)"), ("learning rate", "\(s.training.learningRate)"),
        ("learning-rate warm-up (steps of each flow stage)", "\(s.training.warmupSteps)"),
        ("weight decay", "\(s.training.weightDecay)"), ("flow seed", "\(s.seed)"),
    ]
    switch s.kind {
    case .alternating:
        out += [("stage 0", "\(s.initialEpochs) epochs at λ \(s.initialLambda)"),
                ("rounds", "\(s.rounds) × (λ stage \(s.lambdaStep.rawValue), \(s.roundEpochs) flow epochs)")]
    case .grid:
        out += [("grid", s.grid.map { "\($0)" }.joined(separator: ",")), ("epochs per λ", "\(s.epochs)")]
    case .baseline, .joint:
        out += [("epochs", "\(s.epochs)")]
    }
    return out
}

/// `Q.lambda.tsv`: one row per stage.
private func stageTable(_ records: [StageRecord]) -> String {
    func g(_ x: Double?) -> String { x.map { String(format: "%.8g", $0) } ?? "NA" }
    var lines = ["stage\tlambda\trho\tobjective\tvalidation_nll\tepochs\tseconds\theldout_nll"]
    for r in records {
        lines.append([r.stage, g(r.lambda), g(r.rho), g(r.objective), g(r.validationNLL), "\(r.epochs)", String(format: "%.3f", r.seconds),
                      g(r.heldOutNLL)]
            .joined(separator: "\t"))
    }
    return lines.joined(separator: "\n") + "\n"
}

/// Mardia's tests on every normalized individual and i.i.d. validation NLLs, for the residualized
/// z-scores (`raw`), their per-trait rank-INT (`rank-int`) and the flow's latent values (`flow`).
private func normalityDiagnostics(z: Matrix<Double>, latent: Matrix<Double>, rows: [Int], training: [Int], validation: [Int],
                                  flow: Flow<Float>) throws -> [NormalityDiagnostic] {
    let raw = z.selectingRows(rows)
    var ranked = raw
    for j in 0..<raw.columns {
        let t = RankInverseNormal.transform(raw.column(j))
        for i in 0..<raw.rows { ranked[i, j] = t[i] }
    }
    let position = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
    let trainingIndex = training.map { position[$0]! }, validationIndex = validation.map { position[$0]! }
    func gaussianNLL(_ m: Matrix<Double>) throws -> Double? {
        validation.isEmpty ? nil : try NormalityDiagnostic.gaussianNLL(training: m.selectingRows(trainingIndex),
                                                                       validation: m.selectingRows(validationIndex))
    }
    let flowNLL = validation.isEmpty ? nil : flow.meanNegativeLogLikelihood(Matrix<Float>(raw.selectingRows(validationIndex)))
    return [
        NormalityDiagnostic(representation: "raw", mardia: try MardiaTest(raw), validationNLL: try gaussianNLL(raw)),
        NormalityDiagnostic(representation: "rank-int", mardia: try MardiaTest(ranked), validationNLL: try gaussianNLL(ranked)),
        NormalityDiagnostic(representation: "flow", mardia: try MardiaTest(latent), validationNLL: flowNLL),
    ]
}
