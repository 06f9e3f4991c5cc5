import Dependence
import Flows
import Foundation
import Numerics
import Simulation

/// The relationship matrix of nuclear families (two unrelated parents, `children` full sibs;
/// parent–child and sib–sib 0.5), families one after another, the last one cut at n.
func pedigree(count n: Int, children: Int) -> Matrix<Double> {
    let size = 2 + children
    var g = Matrix<Double>.identity(n)
    for start in stride(from: 0, to: n, by: size) {
        for a in start..<min(n, start + size) {
            for b in start..<min(n, start + size) where a != b && !(a - start < 2 && b - start < 2) { g[a, b] = 0.5 }
        }
    }
    return g
}

/// The map's rows from latent rows (x1 = u1, x2 = m(u1) + σ u2, swapped for CrescentCubed).
func mapped(_ map: SyntheticMap, _ u: Matrix<Double>) -> Matrix<Float> {
    var x = Matrix<Float>(rows: u.rows, columns: 2)
    let (a, b) = map.swapped ? (1, 0) : (0, 1)
    for i in 0..<u.rows {
        x[i, a] = Float(u[i, 0])
        x[i, b] = Float(map.mean(u[i, 0]) + map.noise * u[i, 1])
    }
    return x
}

/// i.i.d. vs dependency-corrected LGF and marginalizing flows on the paper's 2-D maps with
/// training rows U ~ MN(0, λI + (1 − λ)G, I) pushed through the map; held-out NLL on i.i.d. rows.
/// How a dependent-data fit is trained.
enum DependentTraining: String, CaseIterable {
    /// Standard normal base law, `epochs` in one stage.
    case iid
    /// The alternating λ schedule over the same number of epochs (stage 0 and three rounds).
    case corrected
    /// The eq. (2) objective at the true λ in one stage of `epochs` (no λ stages, no restarts).
    case oracle
    /// One oracle-style fit per λ of `lambdaGrid`, selected by validation NLL (`table1-latent` only).
    case grid
}

func dependent(seeds: Int, epochs: Int, lambda: Double, maps: [SyntheticMap], kinds: [String] = ["lgf", "marginal"],
               trainings: [DependentTraining] = [.iid, .corrected], batch: Int = 128) throws {
    let n = 1000
    let g = pedigree(count: n, children: 3)
    let sampler = try MatrixNormalSampler(relatedness: g)
    let spectrum = try RelatednessSpectrum(grm: g)
    print("map\tmodel\ttraining\tseed\tlambda_hat\ttest_nll\ttest_nll_se\ttrue_nll\tseconds")
    for map in maps {
        for seed in 1...seeds {
            var data = SeededGenerator(seed: 2000 + UInt64(seed))
            let train = mapped(map, try sampler.sample(lambda: lambda, traits: 2, generator: &data))
            let testRows = map.sample(count: 1000, generator: &data)
            let test = Matrix<Float>(testRows)
            let truth = map.meanNegativeLogLikelihood(testRows)
            let settings = benchSettings(learningRate: 0.01, batch: batch, seed: seed)
            for kind in kinds {
                for training in trainings {
                    var w = SeededGenerator(seed: UInt64(seed))
                    let started = Date()
                    // "lgf": the paper's form; "marginal" and its variants "marginal-q", "-i", "-iq".
                    let variant = Candidate(rawValue: kind)?.marginalVariant
                    let model: any LatentVariableModel<Float> = kind == "lgf"
                        ? lgf(width: 24, indexing: .shiftScale, generator: &w)
                        : marginal(width: 24, proposal: variant!.proposal, interleaved: variant!.interleaved, generator: &w)
                    let lambdaHat = fitDependent(model, train: train, spectrum: spectrum, settings: settings,
                                                 epochs: epochs, training: training, lambda: lambda)
                    var draws = SeededGenerator(seed: 99 + UInt64(seed))
                    let (nll, se) = model.importanceSampledLikelihood(test, samples: 128, generator: &draws).negativeLogLikelihood
                    print("\(map.rawValue)\t\(kind)\t\(training.rawValue)\t\(seed)\t"
                          + "\(lambdaHat.map { String(format: "%.3f", $0) } ?? "NA")\t\(String(format: "%.4f", nll))\t"
                          + "\(String(format: "%.4f", se))\t\(String(format: "%.4f", truth))\t"
                          + "\(String(format: "%.1f", Date().timeIntervalSince(started)))")
                    fflush(stdout)
                }
            }
        }
    }
}

/// Trains as `training` says; returns the fitted λ (corrected) or the true one (oracle).
/// (With `validation` rows, every stage keeps its best epoch by the validation IS NLL with
/// `validationSamples` draws per row.) Corrected: `LatentVariableSchedule` with 3 rounds
/// (BEYOND_ROUNDS=R: R rounds), every flow stage `epochs`/(rounds + 1) epochs, λ stages over the
/// library's noise draws (BEYOND_DRAWS=N: N draws).
func fitDependent<M: LatentVariableModel>(_ model: M, train: Matrix<Float>, validation: Matrix<Float>? = nil,
                                          validationSamples: Int = 8, spectrum: RelatednessSpectrum,
                                          settings: TrainingSettings, epochs: Int, training: DependentTraining,
                                          lambda: Double) -> Double?
    where M.Scalar == Float
{
    var s = settings
    s.epochs = epochs
    let trainer = LatentVariableTrainer(model: model, settings: s, validationSamples: validationSamples)
    switch training {
    case .iid:
        let result = trainer.train(data: train, validation: validation, objective: StandardNormalObjective())
        if stageLog { stageNote("iid\tbest validation NLL \(result.bestValidationNLL ?? .nan) at epoch \(result.bestEpoch ?? 0)") }
        return nil
    case .oracle:
        let objective = MiniBatchObjective<Float>(model: RelatednessCovariance(spectrum: spectrum, lambda: lambda).cachingPrecision())
        _ = model.latentDimension > model.dimension
            ? trainer.train(data: train, validation: validation,
                            objective: LeadingColumnsObjective(inner: objective, columns: model.dimension))
            : trainer.train(data: train, validation: validation, objective: objective)
        return lambda
    case .corrected:
        break
    case .grid:
        preconditionFailure("fitDependent: the grid arm is run by table1Latent")
    }
    let env = ProcessInfo.processInfo.environment
    var schedule = LatentVariableSchedule(training: settings)
    schedule.rounds = env["BEYOND_ROUNDS"].flatMap(Int.init) ?? 3
    schedule.initialEpochs = epochs / (schedule.rounds + 1)
    schedule.roundEpochs = epochs / (schedule.rounds + 1)
    schedule.validationSamples = validationSamples
    if let draws = env["BEYOND_DRAWS"].flatMap(Int.init) { schedule.lambdaDraws = draws }
    let result = schedule.run(model: model, data: train, validation: validation, spectrum: spectrum)
    if stageLog {
        let stages = result.stages.map { s in
            String(format: "%.4f@%d[%@]", s.bestValidationNLL ?? .nan, s.bestEpoch ?? 0,
                   s.epochs.map { String(format: "%.3f", $0.validationNLL ?? .nan) }.joined(separator: " "))
        }
        stageNote("corrected\tlambdas \(result.lambdas.map { String(format: "%.3f", $0) }.joined(separator: ","))\tselected \(result.selectedStage)\t"
            + stages.joined(separator: " | "))
    }
    return result.lambda
}

/// BEYOND_STAGES=1: `fitDependent` logs every fit's stages (validation NLL per epoch) on stderr.
let stageLog = ProcessInfo.processInfo.environment["BEYOND_STAGES"] == "1"

/// One line on stderr.
func stageNote(_ line: String) {
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
}
