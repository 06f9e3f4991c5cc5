import Flows
import Foundation
import Numerics

/// How individuals depend on each other in a schedule, over the training rows.
public enum DependenceStructure {
    /// Independent individuals (C = I).
    case independent
    /// `C = λI + (1 − λ)G` with G (full or low-rank) given by its spectrum.
    case relatedness(RelatednessSpectrum)
    /// Equicorrelated blocks: a block index per training row and the number of blocks.
    case blocks(blockOf: [Int], count: Int)
}

/// One line of the stage record (`Q.lambda.tsv`).
public struct StageRecord: Codable, Equatable, Sendable {
    /// Stage label: `stage0`, `lambda1`, `flow1`, …, `grid`, `baseline`, `joint`.
    public var stage: String
    /// λ in effect after the stage (nil for baseline and joint).
    public var lambda: Double?
    /// Mean ρ over blocks of size > 1 after the stage (joint only).
    public var rho: Double?
    /// The exact full-data objective −log p(X)/n on the training rows after the stage.
    public var objective: Double
    /// i.i.d. validation NLL after the stage (nil without validation rows).
    public var validationNLL: Double?
    /// The validation rows' NLL conditional on the training rows under the stage's C,
    /// `−log p(X_V | X_T)/n_V` (relatedness stages given a held-out spectrum; nil otherwise).
    public var heldOutNLL: Double?
    /// Flow epochs the stage ran (0 for a λ stage).
    public var epochs: Int
    /// Wall-clock seconds of the stage.
    public var seconds: Double
}

/// A trained flow and how it got there.
public struct ScheduleResult {
    /// The selected flow: over every flow stage when validated, the best held-out NLL given the
    /// training individuals when `run` got a held-out spectrum, else the best i.i.d. validation NLL.
    public var flow: Flow<Float>
    /// Every stage, in order.
    public var records: [StageRecord]
    /// λ of the kept flow's stage (relatedness schedules): the λ it was trained under.
    public var lambda: Double?
    /// The final ρ per block (joint).
    public var rho: [Double]?
    /// The label of the stage whose flow was kept.
    public var selectedStage: String
}

/// Runs the schedules of method.md §4 with `FlowTrainer`.
///
/// Every flow stage starts a new `FlowTrainer`, so each has a fresh Adamax state and its own
/// learning-rate decay, and gets an objective built on the *current* covariance model: after a
/// λ stage, A and log det C are those of the new λ (the authors' released code cached them once).
public struct ScheduleRunner {
    /// The settings.
    public let settings: ScheduleSettings
    /// Called after every stage (for logs and progress).
    public var onStage: (StageRecord) -> Void = { _ in }
    /// Called after every epoch of every flow stage.
    public var onEpoch: (String, EpochSummary) -> Void = { _, _ in }

    /// A runner with `settings`.
    public init(settings: ScheduleSettings) {
        self.settings = settings
    }

    /// Trains on `data` (n × p training rows) under `structure`, selecting on `validation`.
    ///
    /// - Parameter heldOut: G over the training rows followed by the validation rows (rescaled like
    ///   the training spectrum, `RelatednessSpectrum.rescaled(to:)`), when the validation individuals
    ///   are related to the training individuals: every relatedness stage then records the held-out
    ///   NLL `−log p(X_V | X_T)/n_V` under its λ, and `grid` selects on it (`GridSelection.validation`).
    public func run(data: Matrix<Float>, validation: Matrix<Float>?, structure: DependenceStructure,
                    heldOut: RelatednessSpectrum? = nil) -> ScheduleResult {
        if let heldOut {
            precondition(heldOut.count == data.rows + (validation?.rows ?? 0), "held-out spectrum over \(heldOut.count) rows, \(data.rows) training + \(validation?.rows ?? 0) validation")
        }
        var state = RunState(runner: self, data: data, validation: validation, heldOut: heldOut)
        state.runEpochs = settings.kind == .alternating ? settings.initialEpochs + settings.rounds * settings.roundEpochs : settings.epochs
        switch (settings.kind, structure) {
        case (.baseline, _), (_, .independent):
            state.trainStage("baseline", epochs: settings.epochs, model: IdentityCovariance(count: data.rows), lambda: nil)
            return state.result(lambda: nil, rho: nil)
        case let (.grid, .relatedness(spectrum)):
            return grid(&state, spectrum: spectrum)
        case let (.alternating, .relatedness(spectrum)):
            return alternating(&state, spectrum: spectrum)
        case let (.joint, .blocks(blockOf, count)):
            return joint(&state, blockOf: blockOf, count: count)
        case let (.grid, .blocks(blockOf, count)), let (.alternating, .blocks(blockOf, count)):
            // A fixed-ρ block model has no spectrum to share: train at the initial ρ.
            let model = BlockCovariance(blockOf: blockOf, rho: [Double](repeating: settings.initialRho, count: count))
            state.trainStage(settings.kind.rawValue, epochs: settings.epochs, model: model, lambda: nil)
            return state.result(lambda: nil, rho: model.rho)
        case (.joint, .relatedness):
            preconditionFailure("the joint schedule needs equicorrelated blocks")
        }
    }

    /// Dense A (`cachingPrecision`, 8n² bytes: 134 MB at the limit) pays off up to this many
    /// individuals with a complete spectrum. Its O(n³) product cost 1.3–1.9 s per stage at n = 4,000
    /// against 0.1–0.3 s saved per epoch (default stages run 25–250 epochs); at n = 10,000 it would
    /// cost about 16× that per stage and 800 MB beside Qᵀ, while the O(b r p) pass over Qᵀ costs
    /// well under a second per epoch (docs/benchmarks/dependence.md).
    static let densePrecisionLimit = 4_096

    fileprivate static func model(_ spectrum: RelatednessSpectrum, lambda: Double) -> any CovarianceModel {
        lambda >= 1 ? IdentityCovariance(count: spectrum.count) : RelatednessCovariance(spectrum: spectrum, lambda: lambda)
    }

    /// The model a flow stage trains against: as `model`, with A formed densely when that is cheaper.
    private func trainingModel(_ spectrum: RelatednessSpectrum, lambda: Double) -> any CovarianceModel {
        let m = Self.model(spectrum, lambda: lambda)
        guard let related = m as? RelatednessCovariance, spectrum.isComplete, spectrum.count <= Self.densePrecisionLimit else { return m }
        return related.cachingPrecision()
    }

    private func grid(_ state: inout RunState, spectrum: RelatednessSpectrum) -> ScheduleResult {
        var best: (score: Double, lambda: Double, values: [[Float]], stage: String)?
        for lambda in settings.grid {
            state.resetFlow()
            let label = "grid λ=\(lambda)"
            let record = state.trainStage(label, epochs: settings.epochs, model: trainingModel(spectrum, lambda: lambda), lambda: lambda)
            let score = settings.gridSelection == .likelihood ? record.objective : record.heldOutNLL ?? record.validationNLL ?? record.objective
            if score < (best?.score ?? .infinity) {
                best = (score, lambda, state.flow.parameters.map(\.value), label)
            }
        }
        guard let best else { return state.result(lambda: nil, rho: nil) }
        for (p, v) in zip(state.flow.parameters, best.values) { p.value = v }
        state.best = (best.score, best.values, best.stage, best.lambda)
        return state.result(lambda: best.lambda, rho: nil)
    }

    private func alternating(_ state: inout RunState, spectrum: RelatednessSpectrum) -> ScheduleResult {
        var lambda = settings.initialLambda
        state.trainStage("stage0", epochs: settings.initialEpochs, model: trainingModel(spectrum, lambda: lambda), lambda: lambda)
        for round in stride(from: 1, through: settings.rounds, by: 1) {
            let started = ContinuousClock.now
            let (u, logDet) = state.latent()
            let fit = LambdaStage.fit(spectrum: spectrum, latent: u, step: settings.lambdaStep, start: lambda)
            lambda = fit.lambda
            // −log p(X)/n from l(λ) at the fit (no second pass over Q): −Σ log|J|/n + (p/2) log 2π − l(λ)/n.
            let n = Double(u.rows)
            let objective = -logDet.reduce(0, +) / n + 0.5 * Double(u.columns) * log(2 * Double.pi) - fit.logLikelihood / n
            // Recompute A and log det C for the new λ before the flow sees them.
            let current = trainingModel(spectrum, lambda: lambda)
            state.record(StageRecord(stage: "lambda\(round)", lambda: lambda, rho: nil, objective: objective,
                                     validationNLL: state.validationNLL(),
                                     heldOutNLL: state.heldOutNLL(lambda: lambda, training: (u, logDet), objective: objective),
                                     epochs: 0, seconds: (ContinuousClock.now - started).seconds))
            state.trainStage("flow\(round)", epochs: settings.roundEpochs, model: current, lambda: lambda)
        }
        return state.result(lambda: lambda, rho: nil)
    }

    private func joint(_ state: inout RunState, blockOf: [Int], count: Int) -> ScheduleResult {
        let objective = JointBlockObjective<Float>(blockOf: blockOf, blockCount: count, initialRho: settings.initialRho)
        state.trainStage("joint", epochs: settings.epochs, objective: objective, lambda: nil) { objective.model }
        return state.result(lambda: nil, rho: objective.rho)
    }
}

/// The mutable part of one run: the flow, the best checkpoint so far, the records.
private struct RunState {
    let runner: ScheduleRunner
    let data: Matrix<Float>
    let validation: Matrix<Float>?
    /// G over the training rows then the validation rows, for the held-out NLL.
    let heldOut: RelatednessSpectrum?
    var flow: Flow<Float>
    var records: [StageRecord] = []
    var best: (score: Double, values: [[Float]], stage: String, lambda: Double?)?
    var stages = 0
    /// Flow epochs of the whole run (all stages), over which the learning rate decays.
    var runEpochs = 0
    /// Flow epochs run so far.
    var epochsDone = 0

    init(runner: ScheduleRunner, data: Matrix<Float>, validation: Matrix<Float>?, heldOut: RelatednessSpectrum?) {
        self.runner = runner
        self.data = data
        self.validation = validation
        self.heldOut = heldOut
        flow = Self.freshFlow(runner.settings, dimension: data.columns)
    }

    static func freshFlow(_ settings: ScheduleSettings, dimension: Int) -> Flow<Float> {
        var architecture = settings.architecture
        architecture.dimension = dimension
        var generator = SeededGenerator(seed: settings.seed)
        return architecture.build(generator: &generator)
    }

    /// A new flow with the run's initial weights and batch order: every grid point starts from the
    /// same flow and sees the same batches (common random numbers sharpen the comparison).
    mutating func resetFlow() {
        flow = Self.freshFlow(runner.settings, dimension: data.columns)
        stages = 0
        epochsDone = 0
    }

    /// U = f(X) over every training row (Double) and the log-dets.
    func latent() -> (Matrix<Double>, [Double]) {
        let (u, logDet) = flow.forwardInBatches(data)
        return (Matrix<Double>(u), logDet.map(Double.init))
    }

    func validationNLL() -> Double? {
        validation.map { flow.meanNegativeLogLikelihood($0) }
    }

    /// `−log p(X_V | X_T)/n_V = (n_all · objective_all − n_T · objective_T)/n_V` under C at `lambda`,
    /// the training objective and latent rows given (nil without a held-out spectrum or validation).
    func heldOutNLL(lambda: Double?, training: (u: Matrix<Double>, logDet: [Double]), objective: Double) -> Double? {
        guard let lambda, let heldOut, let validation, validation.rows > 0 else { return nil }
        let (v, logV) = flow.forwardInBatches(validation)
        let nT = training.u.rows, p = training.u.columns, nAll = heldOut.count
        var u = Matrix<Double>(rows: nAll, columns: p)
        for j in 0..<p {
            for i in 0..<nT { u[i, j] = training.u[i, j] }
            for i in 0..<v.rows { u[nT + i, j] = Double(v[i, j]) }
        }
        let all = ScheduleRunner.model(heldOut, lambda: lambda)
            .exactObjective(latent: u, logJacobian: training.logDet + logV.map(Double.init))
        return (Double(nAll) * all - Double(nT) * objective) / Double(v.rows)
    }

    mutating func record(_ r: StageRecord) {
        records.append(r)
        runner.onStage(r)
    }

    @discardableResult
    mutating func trainStage(_ label: String, epochs: Int, model: any CovarianceModel, lambda: Double?) -> StageRecord {
        trainStage(label, epochs: epochs, objective: MiniBatchObjective<Float>(model: model), lambda: lambda) { model }
    }

    /// One flow stage: a fresh trainer (fresh Adamax state), the stage's own permutation seed,
    /// then the exact objective under the model the stage ended with.
    ///
    /// The learning-rate decay runs over the whole run (method.md §4: γ 0.9, about 32 decays over
    /// the run), not per stage: a stage starts at the rate where the previous one ended and takes
    /// its share of the decays. Restarting every stage at the initial rate with a fresh Adamax
    /// (whose first steps move every weight by about the rate) made later stages diverge; even at
    /// the decayed rate the first epoch after a λ stage threw the fit off (training loss ~10² nats),
    /// which the trainer's linear warm-up (`TrainingSettings.warmupSteps`) now prevents.
    @discardableResult
    mutating func trainStage<Objective: LatentObjective>(_ label: String, epochs: Int, objective: Objective, lambda: Double?,
                                                         finalModel: () -> any CovarianceModel) -> StageRecord
    where Objective.Scalar == Float {
        let started = ContinuousClock.now
        var settings = runner.settings.training.stage(epochs: epochs, after: epochsDone, of: runEpochs)
        epochsDone += epochs
        settings.seed = runner.settings.seed &+ UInt64(stages) &* 0x9E37_79B9
        stages += 1
        let onEpoch = runner.onEpoch
        let result = FlowTrainer(flow: flow, settings: settings)
            .train(data: data, validation: validation, objective: objective) { onEpoch(label, $0) }
        let model = finalModel()
        let (u, logDet) = latent()
        let score = result.bestValidationNLL ?? validationNLL()
        var rho: Double?
        if let blocks = model as? BlockCovariance {
            let shared = blocks.rho.indices.filter { blocks.sizes[$0] > 1 }
            rho = shared.isEmpty ? nil : shared.reduce(0) { $0 + blocks.rho[$1] } / Double(shared.count)
        }
        let objective = model.exactObjective(latent: u, logJacobian: logDet)
        let heldOutScore = heldOutNLL(lambda: lambda, training: (u, logDet), objective: objective)
        let r = StageRecord(stage: label, lambda: lambda, rho: rho, objective: objective, validationNLL: score,
                            heldOutNLL: heldOutScore, epochs: epochs, seconds: (ContinuousClock.now - started).seconds)
        record(r)
        // With a held-out spectrum, stages are compared by the dependent model's NLL of the validation
        // individuals given the training individuals under the stage's own λ: the i.i.d. NLL cannot see
        // λ, so it let stage 0 (trained at the arbitrary initial λ) win over the stages at the learned λ.
        if let selection = heldOutScore ?? score, selection < (best?.score ?? .infinity) {
            best = (selection, flow.parameters.map(\.value), label, lambda)
        }
        return r
    }

    /// Restores the best checkpoint (when validated) and packages the run; the λ reported is the
    /// one the kept flow was trained under (the last λ stage's value stays in `records`).
    func result(lambda: Double?, rho: [Double]?) -> ScheduleResult {
        if let best {
            for (p, v) in zip(flow.parameters, best.values) { p.value = v }
        }
        return ScheduleResult(flow: flow, records: records, lambda: best.map { $0.lambda } ?? lambda, rho: rho,
                              selectedStage: best?.stage ?? records.last?.stage ?? "")
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
