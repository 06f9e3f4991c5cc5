/// The best-epoch bookkeeping both trainers share: keeps the parameters of the epoch with the lowest
/// finite validation NLL, counts epochs since then for early stopping, and restores the best at the end.
struct BestCheckpoint<Scalar: FlowScalar> {
    private let parameters: [Parameter<Scalar>]
    private var best: (epoch: Int, nll: Double, values: [[Scalar]])?
    private var sinceBest = 0

    init(parameters: [Parameter<Scalar>]) {
        self.parameters = parameters
    }

    /// Records epoch `epoch`'s validation NLL, copying the parameters when it is the best so far.
    mutating func observe(epoch: Int, validationNLL nll: Double) {
        if nll.isFinite && nll < (best?.nll ?? .infinity) {
            best = (epoch, nll, parameters.map(\.value))
            sinceBest = 0
        } else {
            sinceBest += 1
        }
    }

    /// Whether `patience` validated epochs have passed without improvement.
    func patienceExhausted(_ patience: Int?) -> Bool {
        patience.map { sinceBest >= $0 } ?? false
    }

    /// Restores the best parameters (if any epoch was validated) and packages the run.
    func finish(epochs: [EpochSummary], stoppedEarly: Bool) -> TrainingResult {
        if let best {
            for (q, v) in zip(parameters, best.values) { q.value = v }
        }
        return TrainingResult(epochs: epochs, bestEpoch: best?.epoch, bestValidationNLL: best?.nll,
                              stoppedEarly: stoppedEarly)
    }
}
