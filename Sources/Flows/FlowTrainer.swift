import Foundation
import Numerics

/// Mini-batch training of a flow against a pluggable `LatentObjective`.
///
/// Each epoch draws a fresh permutation of the training rows from a generator seeded with
/// `settings.seed`, cuts it into batches of `batchSize` (a last batch of fewer than 2 rows is
/// dropped for that epoch), and for each batch computes `L_B` (see `LatentObjective`), its
/// gradient by `backward`, optionally clips the global gradient norm, and takes one optimizer
/// step with coupled weight decay on the flow's parameters, a linear learning-rate warm-up over
/// the first `warmupSteps` steps and a step-wise exponential learning-rate decay. A step with a
/// non-finite loss or gradient is skipped and counted.
///
/// With a validation matrix, the i.i.d. validation NLL is computed after each epoch; the
/// parameters of the best epoch are restored at the end (and early stopping, if set, watches the
/// same figure). Without one, the flow keeps its final parameters.
public final class FlowTrainer<Scalar: FlowScalar> {
    /// The flow being trained.
    public let flow: any Bijection<Scalar>
    /// The hyper-parameters.
    public let settings: TrainingSettings

    /// A trainer for `flow`.
    public init(flow: any Bijection<Scalar>, settings: TrainingSettings) {
        precondition(settings.batchSize >= 2, "batch size must be at least 2")
        self.flow = flow
        self.settings = settings
    }

    private struct Batch {
        var x: Matrix<Scalar>, u: Matrix<Scalar>, du: Matrix<Scalar>, dx: Matrix<Scalar>
        var logDet: [Scalar], dLogDet: [Scalar]
        init(rows b: Int, columns p: Int) {
            x = Matrix(rows: b, columns: p); u = x; du = x; dx = x
            logDet = [Scalar](repeating: 0, count: b)
            dLogDet = [Scalar](repeating: -1 / Scalar(b), count: b)
        }
    }

    /// The trained parameters split between the two lanes of `SecondLane`, for the passes over all
    /// of them between the flow's passes (each lane touches only its own parameters).
    private final class ParameterSweep {
        let parameters: [Parameter<Scalar>]
        let lanes: [Range<Int>]
        let squares: UnsafeMutablePointer<Double>   // per parameter, written by its lane

        init(_ parameters: [Parameter<Scalar>]) {
            self.parameters = parameters
            lanes = SecondLane.halves(parameters.map(\.count))
            squares = .allocate(capacity: max(1, parameters.count))
            squares.initialize(repeating: 0, count: max(1, parameters.count))
        }

        deinit { squares.deallocate() }

        func zeroGradients() {
            SecondLane.over(lanes) { run in
                for k in run { parameters[k].zeroGradient() }
            }
        }

        /// The squared norm of all gradients: per parameter in `Scalar` with four running sums (so
        /// the loop is not one chain of dependent additions), then summed in `Double` in order.
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        func squaredGradientNorm() -> Double {
            SecondLane.over(lanes) { run in
                for k in run {
                    squares[k] = parameters[k].gradient.withUnsafeBufferPointer { g in
                        var s0: Scalar = 0, s1: Scalar = 0, s2: Scalar = 0, s3: Scalar = 0
                        let n = g.count, full = n - n % 4
                        for i in stride(from: 0, to: full, by: 4) {
                            s0 += g[i] * g[i]; s1 += g[i + 1] * g[i + 1]; s2 += g[i + 2] * g[i + 2]; s3 += g[i + 3] * g[i + 3]
                        }
                        for i in full..<n { s0 += g[i] * g[i] }
                        return Double((s0 + s1) + (s2 + s3))
                    }
                }
            }
            var squared = 0.0
            for k in parameters.indices { squared += squares[k] }
            return squared
        }

        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        func scaleGradients(by factor: Scalar) {
            SecondLane.over(lanes) { run in
                for k in run {
                    parameters[k].gradient.withUnsafeMutableBufferPointer { g in
                        for i in g.indices { g[i] *= factor }
                    }
                }
            }
        }
    }

    /// Trains on the rows of `data` (`n × p`) and returns the per-epoch figures.
    ///
    /// - Parameters:
    ///   - validation: rows for model selection and early stopping (i.i.d. NLL), or nil.
    ///   - objective: the latent law; its `rows` argument indexes rows of `data`.
    ///   - onEpoch: called after every epoch (for logs and progress).
    public func train<Objective: LatentObjective>(
        data: Matrix<Scalar>, validation: Matrix<Scalar>? = nil, objective: Objective,
        onEpoch: (EpochSummary) -> Void = { _ in }
    ) -> TrainingResult where Objective.Scalar == Scalar {
        SecondLane.training { run(data: data, validation: validation, objective: objective, onEpoch: onEpoch) }
    }

    private func run<Objective: LatentObjective>(
        data: Matrix<Scalar>, validation: Matrix<Scalar>?, objective: Objective, onEpoch: (EpochSummary) -> Void
    ) -> TrainingResult where Objective.Scalar == Scalar {
        let n = data.rows, p = flow.dimension
        precondition(data.columns == p, "train: data has \(data.columns) columns, the flow \(p)")
        precondition(n >= 2, "train: \(n) rows; at least 2 are needed for a batch")
        let bs = min(settings.batchSize, n)
        let tailRows = n % bs
        let batchesPerEpoch = n / bs + (tailRows >= 2 ? 1 : 0)
        let totalSteps = max(1, batchesPerEpoch * settings.epochs)
        let settings = settings
        func rate(_ t: Int) -> Double { settings.learningRate(step: t, of: totalSteps) }

        let flowParameters = flow.parameters
        let all = flowParameters + objective.parameters
        for q in objective.parameters { q.decays = false }
        let optimizer = Optimizer<Scalar>(rule: Optimizer<Scalar>.Rule(rawValue: settings.rule.rawValue)!,
                                          parameters: all, weightDecay: settings.weightDecay)
        var generator = SeededGenerator(seed: settings.seed)
        var full = Batch(rows: bs, columns: p)
        var tail = Batch(rows: max(tailRows, 1), columns: p)
        var rows: [Int] = []
        rows.reserveCapacity(bs)

        let sweep = ParameterSweep(all)
        var checkpoint = BestCheckpoint(parameters: all)
        var step = 0
        let clock = ContinuousClock()

        for epoch in 1...max(1, settings.epochs) where settings.epochs > 0 {
            let started = clock.now, startedCPU = processCPUSeconds()
            let order = generator.permutation(n)
            var lossSum = 0.0, taken = 0, skipped = 0
            var start = 0
            while start + 2 <= n {
                let b = min(bs, n - start)
                rows.removeAll(keepingCapacity: true)
                rows.append(contentsOf: order[start..<(start + b)])
                start += b
                let lr = rate(step)
                step += 1
                let loss: Double
                if b == bs {
                    loss = trainStep(&full, data: data, rows: rows, objective: objective, sweep: sweep)
                } else {
                    loss = trainStep(&tail, data: data, rows: rows, objective: objective, sweep: sweep)
                }
                if loss.isFinite {
                    optimizer.step(learningRate: lr)
                    lossSum += loss
                    taken += 1
                } else {
                    skipped += 1
                }
            }
            let seconds = (clock.now - started).seconds, cpuSeconds = processCPUSeconds() - startedCPU
            let lr = rate(step)
            let summary = EpochSummary(epoch: epoch, trainingLoss: taken > 0 ? lossSum / Double(taken) : .nan,
                                       validationNLL: nil, learningRate: lr, skippedSteps: skipped, seconds: seconds,
                                       cpuSeconds: cpuSeconds)
            if checkpoint.endEpoch(summary, validationNLL: validation.map { flow.meanNegativeLogLikelihood($0) },
                                   patience: settings.patience, report: onEpoch) { break }
        }
        return checkpoint.finish()
    }

    /// Forward, objective, backward and clipping for one batch; returns the loss, or a
    /// non-finite value when the step must be skipped.
    private func trainStep<Objective: LatentObjective>(
        _ batch: inout Batch, data: Matrix<Scalar>, rows: [Int], objective: Objective, sweep: ParameterSweep
    ) -> Double where Objective.Scalar == Scalar {
        let meanLogDet = forward(&batch, data: data, rows: rows, sweep: sweep)
        let loss = objective.evaluate(latent: batch.u, rows: rows, gradient: &batch.du) - meanLogDet
        if !loss.isFinite { return loss }
        return backward(&batch, sweep: sweep) ? loss : .nan
    }

    /// Gathers the batch rows, runs the flow forward, zeroes the gradients; returns the mean log-det.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func forward(_ batch: inout Batch, data: Matrix<Scalar>, rows: [Int], sweep: ParameterSweep) -> Double {
        let b = rows.count, n = data.rows, p = flow.dimension
        data.storage.withUnsafeBufferPointer { src in
            batch.x.storage.withUnsafeMutableBufferPointer { dst in
                for j in 0..<p {
                    for k in 0..<b { dst[k + j * b] = src[rows[k] + j * n] }
                }
            }
        }
        for i in 0..<b { batch.logDet[i] = 0 }
        batch.x.storage.withUnsafeBufferPointer { px in
            batch.u.storage.withUnsafeMutableBufferPointer { pu in
                batch.logDet.withUnsafeMutableBufferPointer { pl in
                    flow.forward(px.baseAddress!, into: pu.baseAddress!, logDet: pl.baseAddress!, count: b)
                }
            }
        }
        sweep.zeroGradients()
        var sum = 0.0
        for i in 0..<b { sum += Double(batch.logDet[i]) }
        return sum / Double(b)
    }

    /// Back-propagates `batch.du` and the log-det term, then clips; false when the gradient is not finite.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func backward(_ batch: inout Batch, sweep: ParameterSweep) -> Bool {
        let b = batch.logDet.count
        batch.du.storage.withUnsafeBufferPointer { pg in
            batch.dLogDet.withUnsafeBufferPointer { pl in
                batch.dx.storage.withUnsafeMutableBufferPointer { pd in
                    flow.backward(outputGradient: pg.baseAddress!, logDetGradient: pl.baseAddress!,
                                  inputGradient: pd.baseAddress!, count: b)
                }
            }
        }
        let squared = sweep.squaredGradientNorm()
        if !squared.isFinite { return false }
        if let limit = settings.gradientClipNorm, squared.squareRoot() > limit {
            sweep.scaleGradients(by: Scalar(limit / squared.squareRoot()))
        }
        return true
    }
}

/// CPU time of the whole process (all threads), in seconds.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
