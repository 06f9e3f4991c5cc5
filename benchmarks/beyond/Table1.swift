import Dependence
import Flows
import Foundation
import Numerics
import Simulation

/// Where the training rows' relatedness G comes from in `beyond-bench table1`.
enum Table1Relatedness: String {
    /// The paper's synthetic G (the authors' released code, experiment "rm"): a dense random
    /// correlation matrix, see `paperRelatedness`.
    case paper
    /// Nuclear families of 5 (`pedigree(count:children: 3)`): relatives at 0.5, the rest 0.
    case families
}

/// The dense random relatedness matrix of the paper's fixed-covariance experiments: a
/// lower-triangular L with every entry below the diagonal uniform on [0.5, 0.99], P = (L − I)ᵀ(L − I)
/// rescaled to unit diagonal (what scikit-learn's `make_sparse_spd_matrix` returns with sparsity 0,
/// coefficients in [0.5, 0.99] and `norm_diag`; its random relabelling of the rows is left out, it
/// only reorders individuals). G_jk ≈ 0.96 √(min(j, k) / max(j, k)): every pair is related and
/// a few eigenvalues carry most of the trace, so the training rows share a large common component.
func paperRelatedness(count n: Int, generator g: inout SeededGenerator) -> Matrix<Double> {
    var factor = Matrix<Double>(rows: n, columns: n)
    for j in 0..<n {
        factor[j, j] = -1
        for i in (j + 1)..<n { factor[i, j] = 0.5 + 0.49 * g.uniform() }
    }
    var p = BLAS.product(factor, factor, transA: .transposed)
    let scale = (0..<n).map { 1 / p[$0, $0].squareRoot() }
    for j in 0..<n { for i in 0..<n { p[i, j] *= scale[i] * scale[j] } }
    return p
}

/// The paper's Table 1, fixed-covariance rows: on each 2-D map, `n` training rows whose latent
/// U ~ MN(0, λI + (1 − λ)G, I₂) (λ = 0.5) is pushed through the map's generative construction
/// (`mapped`), `n` i.i.d. validation rows (checkpoint and grid selection) and 2,000 i.i.d. test rows.
/// Baseline (C = I), grid (13 λ, selection by validation NLL) and alternating (stage 0 at λ₀ = 0.9,
/// `rounds` rounds, exact λ stages) share the flow (3 spline couplings, 64-64, 16 bins, ActNorm), the
/// optimiser and the initial weights. Rows are z-scored with the training moments (a fixed affine
/// map, whose log-Jacobian is added back), so NLLs are nats per individual on the map's own scale.
func table1(seeds: Int, epochs: Int, n: Int, relatedness: Table1Relatedness, maps: [SyntheticMap],
            schedules: [ScheduleKind] = [.baseline, .grid, .alternating], rounds: Int = 4) throws {
    print("map\tschedule\tseed\tlambda_hat\ttest_nll\ttrue_nll\tepochs\tseconds\tlambda_path")
    for map in maps {
        for seed in 1...seeds {
            let (spectrum, train, validation, test, truth, standardization) =
                try table1Sample(map: map, seed: seed, n: n, relatedness: relatedness).fields

            var settings = ScheduleSettings()
            settings.architecture = FlowArchitecture(coupling: .spline, dimension: 2, layers: 3, hidden: [64, 64],
                                                     actNorm: true, bins: 16, bound: 5)
            settings.training.batchSize = 256
            settings.training.learningRate = 0.01
            settings.training.weightDecay = 0.001
            overrideWarmup(&settings.training)
            settings.seed = UInt64(seed)
            settings.epochs = epochs
            settings.initialEpochs = epochs / 2
            settings.roundEpochs = epochs / 4
            settings.rounds = rounds
            for kind in schedules {
                settings.kind = kind
                let started = Date()
                let result = ScheduleRunner(settings: settings)
                    .run(data: train, validation: validation, structure: kind == .baseline ? .independent : .relatedness(spectrum))
                // λ̂: the grid's selected λ; the last λ stage's estimate for alternating.
                let lambdaHat = kind == .alternating ? result.records.last { $0.stage.hasPrefix("lambda") }?.lambda : result.lambda
                let nll = result.flow.meanNegativeLogLikelihood(test) + standardization.logScale
                let trained = result.records.reduce(0) { $0 + $1.epochs }
                // λ after every λ stage (alternating), and the stage whose flow was kept.
                let path = result.records.filter { $0.stage.hasPrefix("lambda") }.compactMap(\.lambda)
                    .map { String(format: "%.3f", $0) } + [result.selectedStage]
                print("\(map.rawValue)\t\(kind.rawValue)\t\(seed)\t\(lambdaHat.map { String(format: "%.3f", $0) } ?? "NA")\t"
                      + "\(String(format: "%.4f", nll))\t\(String(format: "%.4f", truth))\t\(trained)\t"
                      + "\(String(format: "%.1f", Date().timeIntervalSince(started)))\t\(path.joined(separator: ","))")
                fflush(stdout)
            }
        }
    }
}

/// The λ values the grid arm of `table1Latent` tries (1: the i.i.d. fit).
let lambdaGrid = [0.2, 0.35, 0.5, 0.65, 0.8, 1.0]

/// The true λ of the Table 1 setting.
let table1Lambda = 0.5

/// One seed's data of the Table 1 setting: G (the paper's or nuclear families), `n` training rows with
/// latent U ~ MN(0, 0.5 I + 0.5 G, I₂) through `map`, `n` i.i.d. validation and 2,000 i.i.d. test rows,
/// all z-scored with the training moments; `truth` is the map's NLL of the test rows.
struct Table1Sample {
    var spectrum: RelatednessSpectrum
    var train, validation, test: Matrix<Float>
    var truth: Double
    var standardization: Standardization

    /// The fields in declaration order, for destructuring.
    var fields: (RelatednessSpectrum, Matrix<Float>, Matrix<Float>, Matrix<Float>, Double, Standardization) {
        (spectrum, train, validation, test, truth, standardization)
    }
}

/// The data of `seed` (see `Table1Sample`).
func table1Sample(map: SyntheticMap, seed: Int, n: Int, relatedness: Table1Relatedness) throws -> Table1Sample {
    var data = SeededGenerator(seed: 5000 + UInt64(seed))
    let g = relatedness == .paper ? paperRelatedness(count: n, generator: &data) : pedigree(count: n, children: 3)
    let spectrum = try RelatednessSpectrum(grm: g)
    let latent = try MatrixNormalSampler(relatedness: g).sample(lambda: table1Lambda, traits: 2, generator: &data)
    let raw = mapped(map, latent)
    let validationRows = Matrix<Float>(map.sample(count: n, generator: &data))
    let testRows = map.sample(count: 2000, generator: &data)
    let standardization = Standardization(fitting: raw)
    return Table1Sample(spectrum: spectrum, train: standardization.apply(raw), validation: standardization.apply(validationRows),
                        test: standardization.apply(Matrix<Float>(testRows)), truth: map.meanNegativeLogLikelihood(testRows),
                        standardization: standardization)
}

/// The paper's Table 1 setting (dense random G, λ = 0.5, `n` training rows, `n` i.i.d. validation
/// rows, 2,000 i.i.d. test rows, z-scored with the training moments) for the latent-variable models:
/// LGF (lgf-shift: the session-3 form, the u side starting small; lgf-paper: the authors' 2-D form at the
/// library's initial scale; coupling width 24) and the marginalizing flow (B = 2, width 24; "-q" with a
/// learned proposal, "-i" with the interleaved layout), each trained i.i.d., with the alternating λ
/// schedule (same total epochs), at the true λ (oracle), or over `lambdaGrid` (grid: one fit per λ,
/// selected by validation IS NLL with S = 16), on the ELBO with batches of `batch`; every stage keeps
/// its best validation epoch (IS NLL, S = 4). Test NLL importance-sampled (S = 64), in nats per
/// individual on the map's own scale.
func table1Latent(seeds: ClosedRange<Int>, epochs: Int, n: Int, maps: [SyntheticMap], kinds: [Candidate],
                  trainings: [DependentTraining], batch: Int) throws {
    let lambda = table1Lambda
    print("map\tmodel\ttraining\tseed\tlambda_hat\ttest_nll\ttest_nll_se\ttrue_nll\tseconds")
    for map in maps {
        for seed in seeds {
            let (spectrum, train, validation, test, truth, standardization) =
                try table1Sample(map: map, seed: seed, n: n, relatedness: .paper).fields
            let settings = benchSettings(learningRate: 0.01, batch: batch, seed: seed)
            for kind in kinds {
                for training in trainings {
                    let started = Date()
                    // The same initial weights for every arm (and every λ of the grid).
                    func build() -> any LatentVariableModel<Float> {
                        var w = SeededGenerator(seed: UInt64(seed))
                        switch kind {
                        case .lgfShift, .lgfPaper: return lgfModel(kind, width: 24, generator: &w)
                        case .marginal, .marginalProposal, .marginalInterleaved, .marginalBoth:
                            let (q, i) = kind.marginalVariant!
                            return marginal(width: 24, proposal: q, interleaved: i, generator: &w)
                        default: preconditionFailure("table1-latent: models lgf-shift, lgf-paper and marginal*")
                        }
                    }
                    var model = build()
                    var lambdaHat: Double?
                    if training == .grid {
                        // One fit per λ of the grid (λ = 1: the i.i.d. fit), the lowest validation NLL kept.
                        var best = Double.infinity
                        for candidate in lambdaGrid {
                            let fitted = build()
                            _ = fitDependent(fitted, train: train, validation: validation, validationSamples: 4, spectrum: spectrum,
                                             settings: settings, epochs: epochs, training: candidate < 1 ? .oracle : .iid,
                                             lambda: candidate)
                            var draws = SeededGenerator(seed: 55 + UInt64(seed))
                            let score = fitted.importanceSampledLikelihood(validation, samples: 16, generator: &draws)
                                .negativeLogLikelihood.mean
                            if score < best { (best, model, lambdaHat) = (score, fitted, candidate) }
                        }
                    } else {
                        lambdaHat = fitDependent(model, train: train, validation: validation, validationSamples: 4, spectrum: spectrum,
                                                 settings: settings, epochs: epochs, training: training, lambda: lambda)
                    }
                    var draws = SeededGenerator(seed: 99 + UInt64(seed))
                    let (nll, se) = model.importanceSampledLikelihood(test, samples: 64, generator: &draws).negativeLogLikelihood
                    print("\(map.rawValue)\t\(kind.rawValue)\t\(training.rawValue)\t\(seed)\t"
                          + "\(lambdaHat.map { String(format: "%.3f", $0) } ?? "NA")\t"
                          + "\(String(format: "%.4f", nll + standardization.logScale))\t\(String(format: "%.4f", se))\t"
                          + "\(String(format: "%.4f", truth))\t\(String(format: "%.1f", Date().timeIntervalSince(started)))")
                    fflush(stdout)
                }
            }
        }
    }
}
