/// The best-epoch bookkeeping both trainers share: collects the epoch summaries, keeps the parameters
/// of the epoch with the lowest finite validation NLL, counts epochs since then for early stopping,
/// and restores the best at the end.
struct BestCheckpoint<Scalar: FlowScalar> {
    private let parameters: [Parameter<Scalar>]
    private var best: (epoch: Int, nll: Double, values: [[Scalar]])?
    private var sinceBest = 0
    private var summaries: [EpochSummary] = []
    private var stoppedEarly = false

    init(parameters: [Parameter<Scalar>]) {
        self.parameters = parameters
    }

    /// Records epoch `epoch`'s validation NLL, copying the parameters when it is the best so far.
    private mutating func observe(epoch: Int, validationNLL nll: Double) {
        if nll.isFinite && nll < (best?.nll ?? .infinity) {
            best = (epoch, nll, parameters.map(\.value))
            sinceBest = 0
        } else {
            sinceBest += 1
        }
    }

    /// Ends an epoch: records its validation NLL (nil without a validation set) in `summary` and
    /// in the checkpoint, keeps the summary, passes it to `report`, and returns true when `patience`
    /// validated epochs have passed without improvement (the run stops early).
    mutating func endEpoch(_ summary: EpochSummary, validationNLL nll: Double?, patience: Int?,
                           report: (EpochSummary) -> Void) -> Bool {
        var summary = summary
        summary.validationNLL = nll
        if let nll { observe(epoch: summary.epoch, validationNLL: nll) }
        summaries.append(summary)
        report(summary)
        stoppedEarly = nll != nil && (patience.map { sinceBest >= $0 } ?? false)
        return stoppedEarly
    }

    /// Restores the best parameters (if any epoch was validated) and packages the run.
    func finish() -> TrainingResult {
        if let best {
            for (q, v) in zip(parameters, best.values) { q.value = v }
        }
        return TrainingResult(epochs: summaries, bestEpoch: best?.epoch, bestValidationNLL: best?.nll,
                              stoppedEarly: stoppedEarly)
    }
}
