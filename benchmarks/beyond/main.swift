// Benchmark driver for docs/benchmarks/beyond.md (run by benchmarks/beyond.sh, never by the tests).
//
//   beyond-bench iid [seeds] [epochs] [K] [seed] [models] [rows] [batch] [targets] [test rows]
//                                            plain affine vs LGF vs marginalizing (B = 2), matched parameter
//                                            counts, two rectangles and two moons: held-out NLL per seed (LGF and
//                                            marginal trained on the K-draw importance-weighted bound)
//   beyond-bench truth [seeds] [rows]      the true NLL of the iid test rows (moons by quadrature over the arcs)
//   beyond-bench diagnose TARGET MODEL K EPOCHS ROWS SEED   one fit's learning curve, test ELBO and IS NLL at growing S
//   beyond-bench dependent [seeds] [epochs]  LGF and marginalizing flows trained i.i.d. vs dependency-corrected
//                                            on the paper's 2-D maps with related training rows
//   beyond-bench table1 [seeds] [epochs] [n] [paper|families] [maps] [schedules] [rounds]
//                                            the paper's Table 1 (fixed covariance, λ = 0.5): baseline vs grid
//                                            vs alternating, test NLL per map and seed (benchmarks/dependence_table1.sh)
//   beyond-bench table1-latent [seeds|A-B] [epochs] [n] [maps] [models] [trainings] [batch]
//                                            the same setting for LGF and marginalizing flows: i.i.d. vs corrected
//                                            (alternating λ schedule) vs oracle (true λ)
//
// Output: one TSV row per fit on stdout (target, model, seed, parameters, test NLL, its SE, the test rows' true NLL,
// seconds of training and test scoring, the SE of the excess over the truth, the model's and the truth's training NLL).
import Dependence
import Flows
import Foundation
import Numerics

/// The three i.i.d. models, built at about `budget` parameters.
enum Candidate: String, CaseIterable {
    case affine, lgf, marginal
    /// LGF with the paper's u-indexed elementwise affine map after plain couplings (4 layers of 2, u ∈ R²,
    /// the u side starting small: the session-3 form).
    case lgfShift = "lgf-shift"
    /// Marginalizing flow with a learned proposal q(ε | x) (a Gaussian head of half width).
    case marginalProposal = "marginal-q"
    /// Marginalizing flow with the interleaved layout (`MarginalizingFlow(interleaved:)`).
    case marginalInterleaved = "marginal-i"
    /// Interleaved layout and learned proposal.
    case marginalBoth = "marginal-iq"
    /// LGF in the authors' 2-D configuration (jrmcornish/cif, config/two_d.py and config/schemas.py): one
    /// u-indexed elementwise affine map, with its own u ∈ R¹ and its own p(u | z) and q(u | x), after every
    /// coupling (8 layers of 1 coupling), heads with two hidden layers of 10, the u side initialised at PyTorch's
    /// bound (`headOutputScale` 1; BEYOND_LGF_INIT=f sets another); BEYOND_LGF=L,C,U,W,H overrides
    /// (layers, couplings per layer, dimension of u, head width, head depth), a sixth field 1 puts u into the
    /// coupling MLPs instead (`Indexing.couplings`).
    case lgfPaper = "lgf-paper"
}

/// A plain 2-D affine flow whose permutations alternate the halves (as the LGF layers do).
func plainFlow(couplings: Int, width: Int, generator: inout SeededGenerator) -> Flow<Float> {
    var layers: [any Bijection<Float>] = []
    for _ in 0..<couplings {
        layers.append(AffineCoupling<Float>(dimension: 2, hidden: [width, width], generator: &generator))
        layers.append(ActNorm<Float>(dimension: 2))
        layers.append(Permutation<Float>(order: [1, 0]))
    }
    for case let coupling as AffineCoupling<Float> in layers {   // the same small start as LGF and marginal
        coupling.network.perturbOutputLayer(fraction: 0.1, generator: &generator)
    }
    return Flow(dimension: 2, layers: layers)
}

/// LGF in the session-3 forms: 4 layers of 2 couplings, u ∈ R², heads of half the width, the u side starting small.
func lgf(width: Int, indexing: LocalisedLayer<Float>.Indexing = .couplings, generator: inout SeededGenerator)
    -> LocalisedFlow<Float>
{
    LocalisedFlow<Float>(dimension: 2, layers: 4, latentDimension: 2, couplings: 2, hidden: [width, width],
                         headHidden: [width / 2], indexing: indexing, headOutputScale: 0.1, generator: &generator)
}

/// The shape of `lgf-paper`: layers, couplings per layer, dimension of u, head width and depth.
let paperShape: [Int] = {
    let shape = ProcessInfo.processInfo.environment["BEYOND_LGF"]?.split(separator: ",").compactMap { Int($0) } ?? []
    return shape.count == 5 ? shape + [0] : shape.count == 6 ? shape : [8, 1, 1, 10, 2, 0]
}()

/// The LGF of `candidate` (lgf, lgf-shift or lgf-paper) with coupling width `width`.
func lgfModel(_ candidate: Candidate, width: Int, generator: inout SeededGenerator) -> LocalisedFlow<Float> {
    switch candidate {
    case .lgf: return lgf(width: width, generator: &generator)
    case .lgfShift: return lgf(width: width, indexing: .shiftScale, generator: &generator)
    case .lgfPaper:
        let s = paperShape
        let scale = ProcessInfo.processInfo.environment["BEYOND_LGF_INIT"].flatMap(Double.init)
        return LocalisedFlow<Float>(dimension: 2, layers: s[0], latentDimension: s[2], couplings: s[1], hidden: [width, width],
                                    headHidden: Array(repeating: s[3], count: s[4]), indexing: s[5] == 1 ? .couplings : .shiftScale,
                                    headOutputScale: scale ?? 1, generator: &generator)
    default: preconditionFailure("lgfModel: \(candidate) is not an LGF")
    }
}

/// The LGF of `candidate` at the coupling width whose parameter count is closest to `budget`.
func matchedLGF(_ candidate: Candidate, budget: Int, generator: inout SeededGenerator) -> LocalisedFlow<Float> {
    var probe = SeededGenerator(seed: 0)
    let width = matchedWidth({ lgfModel(candidate, width: $0, generator: &probe).parameterCount }, budget: budget)
    return lgfModel(candidate, width: width, generator: &generator)
}

func marginal(width: Int, proposal: Bool = false, interleaved: Bool = false, generator: inout SeededGenerator)
    -> MarginalizingFlow<Float>
{
    MarginalizingFlow<Float>(architecture: FlowArchitecture(dimension: 4, layers: 8, hidden: [width, width]),
                             auxiliary: 2, proposalHidden: proposal ? [width / 2] : nil, interleaved: interleaved,
                             generator: &generator)
}

extension Candidate {
    /// The marginalizing-flow variants: (learned proposal, interleaved layout), nil for the others.
    var marginalVariant: (proposal: Bool, interleaved: Bool)? {
        switch self {
        case .marginal: (false, false)
        case .marginalProposal: (true, false)
        case .marginalInterleaved: (false, true)
        case .marginalBoth: (true, true)
        default: nil
        }
    }
}

/// The width whose model has the parameter count closest to `budget`.
func matchedWidth(_ count: (Int) -> Int, budget: Int) -> Int {
    (4...256).min { abs(count($0) - budget) < abs(count($1) - budget) }!
}

/// Trains a latent-variable model i.i.d. on the importance-weighted bound with `samples` draws per row
/// (1: the ELBO); returns its parameter count and a per-row held-out NLL (IS, S = 256, drawn from `draws`).
func fitLatentVariable<M: LatentVariableModel>(_ model: M, _ train: Matrix<Float>, _ validation: Matrix<Float>,
                                               _ settings: TrainingSettings, samples: Int,
                                               _ draws: inout SeededGenerator) -> (Int, (Matrix<Float>) -> [Double])
    where M.Scalar == Float
{
    _ = LatentVariableTrainer(model: model, settings: settings, validationSamples: 8, trainingSamples: samples)
        .train(data: train, validation: validation, objective: StandardNormalObjective())
    var generator = draws
    return (model.parameterCount, { x in
        model.importanceSampledLikelihood(x, samples: 256, generator: &generator).logDensity.map { -$0 }
    })
}

/// The mean of `values` and its standard error.
func meanAndSE(_ values: [Double]) -> (mean: Double, se: Double) {
    let n = Double(values.count), mean = values.reduce(0, +) / n
    return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1) / n).squareRoot())
}

/// Training, validation (500) and test rows of `target` for `seed`. BEYOND_FOLD=1 moves the two rectangles
/// onto one, x₀ − 1.25 sign(x₀) (uniform on [−0.75, 0.75] × [−1, 1], true NLL log 3): the same edges
/// without the gap, to measure how much of a flow's excess NLL the gap costs.
func toyData(_ target: ToyTarget, seed: Int, rows: Int, testRows: Int) -> (Matrix<Float>, Matrix<Float>, Matrix<Float>) {
    var data = SeededGenerator(seed: 1000 + UInt64(seed))
    let fold = target == .twoRectangles && ProcessInfo.processInfo.environment["BEYOND_FOLD"] == "1"
    func draw(_ count: Int) -> Matrix<Float> {
        var x = target.sample(count: count, generator: &data)
        if fold { for i in 0..<count { x[i, 0] -= 1.25 * (x[i, 0] > 0 ? 1 : -1) } }
        return Matrix<Float>(x)
    }
    let train = draw(rows), validation = draw(500)
    return (train, validation, draw(testRows))
}

/// Adamax lr 0.02, no weight decay, the given epochs, batch size and seed (warm-up: see BEYOND_WARMUP).
func toySettings(epochs: Int, batch: Int, seed: Int) -> TrainingSettings {
    var settings = benchSettings(learningRate: 0.02, batch: batch, seed: seed)
    settings.epochs = epochs
    return settings
}

/// Adamax at `learningRate`, no weight decay, the given batch size and seed (warm-up: see BEYOND_WARMUP).
func benchSettings(learningRate: Double, batch: Int, seed: Int) -> TrainingSettings {
    var settings = TrainingSettings()
    settings.batchSize = batch
    settings.learningRate = learningRate
    settings.weightDecay = 0
    settings.seed = UInt64(seed)
    overrideWarmup(&settings)
    return settings
}

/// BEYOND_WARMUP=N sets the learning-rate warm-up steps (default `TrainingSettings.warmupSteps`).
func overrideWarmup(_ settings: inout TrainingSettings) {
    if let steps = ProcessInfo.processInfo.environment["BEYOND_WARMUP"].flatMap(Int.init) { settings.warmupSteps = steps }
}

/// The i.i.d. table for `seeds`, with `samples` draws per row in the latent models' training bound,
/// `rows` training rows, batches of `batch` and `testRows` test rows. Besides the test NLL (and its SE across
/// rows) each row of the TSV has the test rows' true NLL, the SE of the model's excess over it (paired on the
/// rows), and the model's and the truth's NLL on the first ≤ 2,000 training rows (in-sample, for overfitting).
/// BEYOND_ROWS=DIR writes each fit's per-row test NLL to DIR/TARGET.MODEL.seedN.rows (one value a line) and
/// the truth's to DIR/TARGET.truth.seedN.rows, for differences between models paired on the same rows.
func iid(seeds: [Int], epochs: Int, samples: Int, candidates: [Candidate], rows: Int = 1000, batch: Int = 64,
         targets: [ToyTarget] = ToyTarget.allCases, testRows: Int = 500) {
    var probe = SeededGenerator(seed: 0)
    let affineWidth = 32
    let budget = plainFlow(couplings: 8, width: affineWidth, generator: &probe).parameterCount
    let proposalWidth = matchedWidth({ marginal(width: $0, proposal: true, generator: &probe).parameterCount }, budget: budget)
    let rowsDirectory = ProcessInfo.processInfo.environment["BEYOND_ROWS"]
    func save(_ values: [Double], _ name: String) {
        guard let directory = rowsDirectory else { return }
        let text = values.map { String(format: "%.6f", $0) }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: "\(directory)/\(name).rows", contents: text.data(using: .utf8))
    }
    func format(_ x: Double) -> String { String(format: "%.4f", x) }
    print("target\tmodel\tseed\tparameters\ttest_nll\ttest_nll_se\ttrue_nll\tseconds\texcess_se\ttrain_nll\ttrain_true_nll")
    for target in targets {
        for seed in seeds {
            let (train, validation, test) = toyData(target, seed: seed, rows: rows, testRows: testRows)
            let trainRows = train.selectingRows(Array(0..<min(rows, 2000)))
            func trueNLL(_ x: Matrix<Float>) -> [Double] { (0..<x.rows).map { -target.logDensity(Double(x[$0, 0]), Double(x[$0, 1])) } }
            let truthPerRow = trueNLL(test), truth = target.negativeLogLikelihood(of: Matrix<Double>(test))
            let trainTruth = meanAndSE(trueNLL(trainRows)).mean
            save(truthPerRow, "\(target.rawValue).truth.seed\(seed)")
            let settings = toySettings(epochs: epochs, batch: batch, seed: seed)
            for candidate in candidates {
                var g = SeededGenerator(seed: UInt64(seed))
                let started = Date()
                let parameters: Int, perRowNLL: (Matrix<Float>) -> [Double]
                var draws = SeededGenerator(seed: 77 + UInt64(seed))
                switch candidate {
                case .affine:
                    let flow = plainFlow(couplings: 8, width: affineWidth, generator: &g)
                    _ = FlowTrainer(flow: flow, settings: settings)
                        .train(data: train, validation: validation, objective: StandardNormalObjective())
                    parameters = flow.parameterCount
                    perRowNLL = { x in
                        let (u, logDet) = flow.forward(x)
                        return (0..<x.rows).map { i in
                            Double(0.5 * (u[i, 0] * u[i, 0] + u[i, 1] * u[i, 1]) - logDet[i]) + log(2 * Double.pi)
                        }
                    }
                case .lgf, .lgfShift, .lgfPaper:
                    (parameters, perRowNLL) = fitLatentVariable(matchedLGF(candidate, budget: budget, generator: &g), train,
                                                                validation, settings, samples: samples, &draws)
                case .marginal, .marginalProposal, .marginalInterleaved, .marginalBoth:
                    let (q, i) = candidate.marginalVariant!
                    let width = q ? proposalWidth : matchedWidth({ marginal(width: $0, generator: &probe).parameterCount }, budget: budget)
                    (parameters, perRowNLL) = fitLatentVariable(marginal(width: width, proposal: q, interleaved: i, generator: &g), train,
                                                                validation, settings, samples: samples, &draws)
                }
                let perRow = perRowNLL(test), (nll, se) = meanAndSE(perRow)
                let seconds = Date().timeIntervalSince(started)
                save(perRow, "\(target.rawValue).\(candidate.rawValue).seed\(seed)")
                let excessSE = meanAndSE(zip(perRow, truthPerRow).map { $0 - $1 }).se
                let trainNLL = meanAndSE(perRowNLL(trainRows)).mean
                print("\(target.rawValue)\t\(candidate.rawValue)\t\(seed)\t\(parameters)\t\(format(nll))\t\(format(se))\t\(format(truth))\t"
                      + "\(String(format: "%.1f", seconds))\t\(format(excessSE))\t\(format(trainNLL))\t\(format(trainTruth))")
                fflush(stdout)
            }
        }
    }
}

/// The true NLL of each seed's test rows (the `iid` rows for `rows` training rows), the moons' quadrature
/// doubled from 256 intervals until the mean moves by < 1e-6; per target also the mean over seeds.
func truth(seeds: [Int], rows: Int) {
    print("target\tseed\ttrue_nll\ttrue_nll_se\tintervals")
    for target in ToyTarget.allCases {
        var means = [Double]()
        for seed in seeds {
            let test = Matrix<Double>(toyData(target, seed: seed, rows: rows, testRows: 500).2)
            var intervals = 256, nll = target.negativeLogLikelihood(of: test, intervals: intervals)
            while true {
                intervals *= 2
                let finer = target.negativeLogLikelihood(of: test, intervals: intervals), change = abs(finer - nll)
                nll = finer
                if change < 1e-6 { break }
            }
            let per = (0..<test.rows).map { -target.logDensity(test[$0, 0], test[$0, 1], intervals: intervals) }
            let se = (per.reduce(0) { $0 + ($1 - nll) * ($1 - nll) } / Double(per.count - 1) / Double(per.count)).squareRoot()
            means.append(nll)
            print("\(target.rawValue)\t\(seed)\t\(String(format: "%.4f", nll))\t\(String(format: "%.4f", se))\t\(intervals)")
        }
        print("\(target.rawValue)\tmean\t\(String(format: "%.4f", means.reduce(0, +) / Double(means.count)))\t\t")
        // The expected NLL (entropy), over 100,000 fresh draws.
        var g = SeededGenerator(seed: 99)
        let draws = target.sample(count: 100_000, generator: &g)
        let per = (0..<draws.rows).map { -target.logDensity(draws[$0, 0], draws[$0, 1], intervals: 512) }
        let entropy = per.reduce(0, +) / Double(per.count)
        let se = (per.reduce(0) { $0 + ($1 - entropy) * ($1 - entropy) } / Double(per.count - 1) / Double(per.count)).squareRoot()
        print("\(target.rawValue)\tentropy\t\(String(format: "%.4f", entropy))\t\(String(format: "%.4f", se))\t512")
    }
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "iid":
    // beyond-bench iid SEEDS EPOCHS K [SEED [MODELS [ROWS [BATCH [TARGETS [TEST_ROWS]]]]]]: seeds 1...SEEDS, or only
    // SEED (0: all); MODELS and TARGETS comma separated; ROWS training rows (1,000), BATCH batch size (64),
    // TEST_ROWS test rows (500)
    let only = arguments.count > 5 ? Int(arguments[5])! : 0
    let seeds = only > 0 ? [only] : Array(1...(arguments.count > 2 ? Int(arguments[2])! : 5))
    let models = arguments.count > 6 ? arguments[6].split(separator: ",").map { Candidate(rawValue: String($0))! } : Candidate.allCases
    iid(seeds: seeds, epochs: arguments.count > 3 ? Int(arguments[3])! : 40, samples: arguments.count > 4 ? Int(arguments[4])! : 8,
        candidates: models, rows: arguments.count > 7 ? Int(arguments[7])! : 1000,
        batch: arguments.count > 8 ? Int(arguments[8])! : 64,
        targets: arguments.count > 9 ? arguments[9].split(separator: ",").map { ToyTarget(rawValue: String($0))! } : ToyTarget.allCases,
        testRows: arguments.count > 10 ? Int(arguments[10])! : 500)
case "truth":
    // beyond-bench truth SEEDS ROWS: the true NLL of the iid test rows of seeds 1...SEEDS (ROWS training rows)
    truth(seeds: Array(1...(arguments.count > 2 ? Int(arguments[2])! : 5)), rows: arguments.count > 3 ? Int(arguments[3])! : 5000)
case "diagnose":
    // beyond-bench diagnose TARGET MODEL K EPOCHS ROWS SEED
    diagnose(target: ToyTarget(rawValue: arguments[2])!, candidate: Candidate(rawValue: arguments[3])!,
             samples: Int(arguments[4])!, epochs: Int(arguments[5])!, rows: Int(arguments[6])!, seed: Int(arguments[7])!)
case "dependent":
    // beyond-bench dependent SEEDS EPOCHS [MAPS [MODELS [TRAININGS [BATCH]]], comma separated]
    try dependent(seeds: arguments.count > 2 ? Int(arguments[2])! : 3, epochs: arguments.count > 3 ? Int(arguments[3])! : 60,
                  lambda: 0.3,
                  maps: arguments.count > 4 ? arguments[4].split(separator: ",").map { SyntheticMap(rawValue: String($0))! }
                                            : SyntheticMap.allCases,
                  kinds: arguments.count > 5 ? arguments[5].split(separator: ",").map(String.init) : ["lgf", "marginal"],
                  trainings: arguments.count > 6 ? arguments[6].split(separator: ",").map { DependentTraining(rawValue: String($0))! }
                                                 : [.iid, .corrected],
                  batch: arguments.count > 7 ? Int(arguments[7])! : 128)
case "table1":
    let maps = arguments.count > 6 ? arguments[6].split(separator: ",").map { SyntheticMap(rawValue: String($0))! } : SyntheticMap.allCases
    try table1(seeds: arguments.count > 2 ? Int(arguments[2])! : 5, epochs: arguments.count > 3 ? Int(arguments[3])! : 40,
               n: arguments.count > 4 ? Int(arguments[4])! : 1000,
               relatedness: arguments.count > 5 ? Table1Relatedness(rawValue: arguments[5])! : .paper, maps: maps,
               schedules: arguments.count > 7 ? arguments[7].split(separator: ",").map { ScheduleKind(rawValue: String($0))! }
                   : [.baseline, .grid, .alternating],
               rounds: arguments.count > 8 ? Int(arguments[8])! : 4)
case "table1-latent":
    // beyond-bench table1-latent SEEDS EPOCHS N MAPS MODELS TRAININGS BATCH (lists comma separated; SEEDS
    // N for seeds 1 … N or A-B for seeds A … B)
    func list<T>(_ k: Int, _ make: (String) -> T?, _ fallback: [T]) -> [T] {
        arguments.count > k ? arguments[k].split(separator: ",").map { make(String($0))! } : fallback
    }
    let seedBounds = arguments.count > 2 ? arguments[2].split(separator: "-").map { Int($0)! } : [5]
    try table1Latent(seeds: (seedBounds.count == 2 ? seedBounds[0] : 1)...seedBounds.last!, epochs: arguments.count > 3 ? Int(arguments[3])! : 40,
                     n: arguments.count > 4 ? Int(arguments[4])! : 1000, maps: list(5, SyntheticMap.init, SyntheticMap.allCases),
                     kinds: list(6, Candidate.init, [.lgfShift, .marginalProposal]),
                     trainings: list(7, DependentTraining.init, [.iid, .corrected]),
                     batch: arguments.count > 8 ? Int(arguments[8])! : 128)
default:
    FileHandle.standardError.write("usage: beyond-bench iid|dependent|table1 [seeds] [epochs] ...\n".data(using: .utf8)!)
    exit(2)
}
