import Foundation

/// Hyper-parameters of `FlowTrainer` (defaults: the paper's GWAS setting, method.md §4–5).
public struct TrainingSettings: Sendable, Codable, Equatable {
    /// Rows per mini-batch; a last partial batch is used when it has at least 2 rows.
    public var batchSize = 256
    /// Passes over the training rows.
    public var epochs = 250
    /// Initial learning rate.
    public var learningRate = 0.03
    /// Adamax (default) or Adam.
    public var rule: Optimizer<Float>.Rule = .adamax
    /// Coupled L2 weight decay on the flow's parameters.
    public var weightDecay = 0.01
    /// Step-wise exponential decay: the rate is multiplied by `decayRate` every
    /// `max(1, totalSteps / decays)` steps, so it decays about `decays` times over the run.
    public var decayRate = 0.9
    /// Number of decays over the run (see `decayRate`).
    public var decays = 32
    /// Linear learning-rate warm-up: the rate of step t = 1, 2, … of a run of T steps is multiplied
    /// by min(1, t / w) with w = min(warmupSteps, T / 4); 0: none. Every run starts a fresh Adamax,
    /// whose first steps move every weight by about the full rate whatever its gradient (u = |g|
    /// after one step); at 0.03 on 128-wide layers that threw the identity-initialised flow to losses
    /// of 10²–10⁴ nats in the first epoch, and how far it recovered depended on the seed. The cap at
    /// a quarter of the run keeps short runs (a 28-step round of an alternating schedule on 1,000
    /// rows) from spending every step below the rate.
    public var warmupSteps = 50
    /// Clip the global gradient norm to this value (nil: no clipping).
    public var gradientClipNorm: Double? = nil
    /// Stop when the validation NLL has not improved for this many epochs (nil: never).
    public var patience: Int? = nil
    /// Seed of the per-epoch batch permutations.
    public var seed: UInt64 = 1

    /// The defaults.
    public init() {}

    /// The settings of one stage of `epochs` epochs in a run split into stages (the flow stages of an
    /// alternating schedule) after `done` of the run's `total` epochs: the stage starts at the rate
    /// the run's decay has reached and takes its share of the `decays`, so the stages together decay
    /// like one run; warm-up, optimizer state and seed stay the stage's own.
    public func stage(epochs: Int, after done: Int, of total: Int) -> TrainingSettings {
        var settings = self
        settings.epochs = epochs
        let total = Double(max(1, total, done + epochs))
        let decaysBefore = Int((Double(decays) * Double(done) / total).rounded())
        let decaysAfter = Int((Double(decays) * Double(done + epochs) / total).rounded())
        settings.learningRate = learningRate * Foundation.pow(decayRate, Double(decaysBefore))
        settings.decays = decaysAfter - decaysBefore
        return settings
    }

    /// The learning rate of 0-based step `step` of a run of `totalSteps` steps: the warm-up
    /// (`warmupSteps`), then the step-wise decay (`decayRate` every `max(1, totalSteps / decays)` steps).
    public func learningRate(step: Int, of totalSteps: Int) -> Double {
        let warmup = min(warmupSteps, totalSteps / 4)
        let ramp = step < warmup ? Double(step + 1) / Double(warmup) : 1
        let decayInterval = max(1, totalSteps / max(1, decays))
        return ramp * learningRate * Foundation.pow(decayRate, Double(step / decayInterval))
    }
}

/// Figures of one training epoch, for the run log.
public struct EpochSummary: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the steps taken (nats per individual).
    public var trainingLoss: Double
    /// Mean i.i.d. validation NLL after the epoch (nil without a validation set).
    public var validationNLL: Double?
    /// Learning rate at the end of the epoch.
    public var learningRate: Double
    /// Steps skipped in this epoch because the loss or gradient was not finite.
    public var skippedSteps: Int
    /// Wall-clock seconds of the epoch's training steps (validation excluded).
    public var seconds: Double
    /// CPU seconds of the process (all threads) over the same steps: on a shared machine the
    /// wall time includes waiting for a core, this does not (but it counts BLAS threads spinning).
    public var cpuSeconds: Double
}

/// What `FlowTrainer.train` did.
public struct TrainingResult: Sendable {
    /// One summary per epoch run.
    public var epochs: [EpochSummary]
    /// The epoch whose parameters the flow holds at the end (best validation NLL), if validated.
    public var bestEpoch: Int?
    /// The best validation NLL, if validated.
    public var bestValidationNLL: Double?
    /// Whether early stopping ended the run.
    public var stoppedEarly: Bool
    /// Steps skipped over the run because the loss or gradient was not finite.
    public var skippedSteps: Int { epochs.reduce(0) { $0 + $1.skippedSteps } }
    /// Median wall-clock seconds per epoch.
    public var medianSecondsPerEpoch: Double { median(epochs.map(\.seconds)) }
    /// Median process CPU seconds per epoch.
    public var medianCPUSecondsPerEpoch: Double { median(epochs.map(\.cpuSeconds)) }

    private func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        if s.isEmpty { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
}
