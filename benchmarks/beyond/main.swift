// Benchmark driver for docs/benchmarks/beyond.md (run by benchmarks/beyond.sh, never by the tests).
//
//   beyond-bench iid [seeds] [epochs]        plain affine vs LGF vs marginalizing (B = 2), matched parameter
//                                            counts, two rectangles and two moons: held-out NLL per seed
//   beyond-bench dependent [seeds] [epochs]  LGF and marginalizing flows trained i.i.d. vs dependency-corrected
//                                            on the paper's 2-D maps with related training rows
//   beyond-bench table1 [seeds] [epochs] [n] [paper|families] [maps] [schedules] [rounds]
//                                            the paper's Table 1 (fixed covariance, λ = 0.5): baseline vs grid
//                                            vs alternating, test NLL per map and seed (benchmarks/dependence_table1.sh)
//
// Output: one TSV row per fit on stdout (target, model, seed, parameters, test NLL, its SE, seconds).
import Dependence
import Flows
import Foundation
import Numerics

/// The three i.i.d. models, built at about `budget` parameters.
enum Candidate: String, CaseIterable {
    case affine, lgf, marginal
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

func lgf(width: Int, generator: inout SeededGenerator) -> LocalisedFlow<Float> {
    LocalisedFlow<Float>(dimension: 2, layers: 4, latentDimension: 2, couplings: 2, hidden: [width, width],
                         headHidden: [width / 2], generator: &generator)
}

func marginal(width: Int, generator: inout SeededGenerator) -> MarginalizingFlow<Float> {
    MarginalizingFlow<Float>(architecture: FlowArchitecture(dimension: 4, layers: 8, hidden: [width, width]),
                             auxiliary: 2, generator: &generator)
}

/// The width whose model has the parameter count closest to `budget`.
func matchedWidth(_ count: (Int) -> Int, budget: Int) -> Int {
    (4...256).min { abs(count($0) - budget) < abs(count($1) - budget) }!
}

/// Trains a latent-variable model i.i.d.; returns its parameter count and held-out IS NLL (S = 128) with SE.
func fitLatentVariable<M: LatentVariableModel>(_ model: M, _ train: Matrix<Float>, _ validation: Matrix<Float>,
                                               _ test: Matrix<Float>, _ settings: TrainingSettings,
                                               _ draws: inout SeededGenerator) -> (Int, Double, Double)
    where M.Scalar == Float
{
    _ = LatentVariableTrainer(model: model, settings: settings, validationSamples: 8)
        .train(data: train, validation: validation, objective: StandardNormalObjective())
    let (nll, se) = model.importanceSampledLikelihood(test, samples: 128, generator: &draws).negativeLogLikelihood
    return (model.parameterCount, nll, se)
}

func iid(seeds: Int, epochs: Int) {
    var probe = SeededGenerator(seed: 0)
    let affineWidth = 32
    let budget = plainFlow(couplings: 8, width: affineWidth, generator: &probe).parameterCount
    let lgfWidth = matchedWidth({ lgf(width: $0, generator: &probe).parameterCount }, budget: budget)
    let marginalWidth = matchedWidth({ marginal(width: $0, generator: &probe).parameterCount }, budget: budget)
    print("target\tmodel\tseed\tparameters\ttest_nll\ttest_nll_se\tseconds")
    for target in ToyTarget.allCases {
        for seed in 1...seeds {
            var data = SeededGenerator(seed: 1000 + UInt64(seed))
            let train = Matrix<Float>(target.sample(count: 2000, generator: &data))
            let validation = Matrix<Float>(target.sample(count: 500, generator: &data))
            let test = Matrix<Float>(target.sample(count: 1000, generator: &data))
            var settings = TrainingSettings()
            settings.epochs = epochs
            settings.batchSize = 128
            settings.learningRate = 0.02
            settings.weightDecay = 0
            settings.seed = UInt64(seed)
            for candidate in Candidate.allCases {
                var g = SeededGenerator(seed: UInt64(seed))
                let started = Date()
                let parameters: Int, nll: Double, se: Double
                var draws = SeededGenerator(seed: 77 + UInt64(seed))
                switch candidate {
                case .affine:
                    let flow = plainFlow(couplings: 8, width: affineWidth, generator: &g)
                    _ = FlowTrainer(flow: flow, settings: settings)
                        .train(data: train, validation: validation, objective: StandardNormalObjective())
                    parameters = flow.parameterCount
                    let (u, logDet) = flow.forward(test)
                    let per = (0..<test.rows).map { i in
                        Double(0.5 * (u[i, 0] * u[i, 0] + u[i, 1] * u[i, 1]) - logDet[i]) + log(2 * Double.pi)
                    }
                    nll = per.reduce(0, +) / Double(per.count)
                    se = (per.reduce(0) { $0 + ($1 - nll) * ($1 - nll) } / Double(per.count - 1) / Double(per.count)).squareRoot()
                case .lgf:
                    (parameters, nll, se) = fitLatentVariable(lgf(width: lgfWidth, generator: &g), train, validation, test,
                                                              settings, &draws)
                case .marginal:
                    (parameters, nll, se) = fitLatentVariable(marginal(width: marginalWidth, generator: &g), train, validation,
                                                              test, settings, &draws)
                }
                let seconds = Date().timeIntervalSince(started)
                print("\(target.rawValue)\t\(candidate.rawValue)\t\(seed)\t\(parameters)\t\(String(format: "%.4f", nll))\t"
                      + "\(String(format: "%.4f", se))\t\(String(format: "%.1f", seconds))")
                fflush(stdout)
            }
        }
    }
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "iid":
    iid(seeds: arguments.count > 2 ? Int(arguments[2])! : 5, epochs: arguments.count > 3 ? Int(arguments[3])! : 60)
case "dependent":
    try dependent(seeds: arguments.count > 2 ? Int(arguments[2])! : 3, epochs: arguments.count > 3 ? Int(arguments[3])! : 60,
                  lambda: 0.3)
case "table1":
    let maps = arguments.count > 6 ? arguments[6].split(separator: ",").map { SyntheticMap(rawValue: String($0))! } : SyntheticMap.allCases
    try table1(seeds: arguments.count > 2 ? Int(arguments[2])! : 5, epochs: arguments.count > 3 ? Int(arguments[3])! : 40,
               n: arguments.count > 4 ? Int(arguments[4])! : 1000,
               relatedness: arguments.count > 5 ? Table1Relatedness(rawValue: arguments[5])! : .paper, maps: maps,
               schedules: arguments.count > 7 ? arguments[7].split(separator: ",").map { ScheduleKind(rawValue: String($0))! }
                   : [.baseline, .grid, .alternating],
               rounds: arguments.count > 8 ? Int(arguments[8])! : 4)
default:
    FileHandle.standardError.write("usage: beyond-bench iid|dependent|table1 [seeds] [epochs] ...\n".data(using: .utf8)!)
    exit(2)
}
