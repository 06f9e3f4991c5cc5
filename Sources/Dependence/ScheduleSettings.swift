import Flows

/// The training schedules of method.md §4.
public enum ScheduleKind: String, CaseIterable, Codable, Sendable {
    /// C = I for `baselineEpochs` epochs.
    case baseline
    /// One flow per λ of `grid`, λ fixed; the best by validation NLL (`GridSelection`) wins.
    case grid
    /// Stage 0 at `initialLambda`, then `rounds` × (λ stage, flow stage).
    case alternating
    /// Equicorrelated blocks with ρ_b trained together with the flow.
    case joint
}

/// Everything a schedule needs besides the data (defaults: method.md §5).
public struct ScheduleSettings: Codable, Equatable, Sendable {
    /// Which schedule.
    public var kind: ScheduleKind = .alternating
    /// Flow shape (dimension is overwritten with the data's p).
    public var architecture = FlowArchitecture(dimension: 1)
    /// Optimizer settings shared by every flow stage (epochs are set per stage).
    public var training = TrainingSettings()
    /// Epochs of `baseline`, of each `grid` flow and of `joint`.
    public var epochs = 250
    /// Epochs of stage 0 of `alternating` (method.md leaves it open; 100 lets the learning rate decay
    /// to about 0.006 before the first λ stage, so later stages, each with a fresh Adamax, start gently).
    public var initialEpochs = 100
    /// Epochs of each later flow stage of `alternating`.
    public var roundEpochs = 25
    /// Rounds K of `alternating`.
    public var rounds = 4
    /// λ of stage 0.
    public var initialLambda = 0.9
    /// How λ stages maximize l(λ).
    public var lambdaStep: LambdaStep = .exact
    /// How `grid` picks its λ.
    public var gridSelection: GridSelection = .validation
    /// The λ values `grid` tries.
    public var grid: [Double] = [1, 0.99, 0.975, 0.95, 0.9, 0.825, 0.75, 0.625, 0.5, 0.4, 0.33, 0.25, 0.1]
    /// ρ of every block at the start of `joint`.
    public var initialRho = 0.1
    /// Seed of the flow's initial weights and permutations (stage seeds derive from it).
    public var seed: UInt64 = 1

    /// The defaults.
    public init() {}
}

extension LambdaStep: Codable {}

/// What `grid` compares across its flows.
public enum GridSelection: String, CaseIterable, Codable, Sendable {
    /// The validation NLL (method.md §4). When the validation individuals are related to the
    /// training individuals (a `heldOut` spectrum is given), their NLL conditional on the training
    /// individuals under each flow's own λ, `−log p(X_V | X_T)/n_V`; otherwise the i.i.d. NLL of the
    /// validation rows, which cannot see λ (it is flat for every λ at or above the truth).
    case validation
    /// The exact full-data objective −log p(X)/n of the training rows under each flow's own λ:
    /// a profile likelihood over the grid.
    case likelihood
}
