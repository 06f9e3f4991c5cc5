import Flows
import Foundation
import Numerics

/// One fit with its learning curve and the test-set estimators side by side: the Monte Carlo ELBO,
/// and the importance-sampled NLL at growing S (does S = 128 suffice? how far is the proposal
/// from the posterior?). `samples` > 1 trains the importance-weighted bound with that many draws.
func diagnose(target: ToyTarget, candidate: Candidate, samples: Int, epochs: Int, rows: Int, seed: Int) {
    let (train, validation, test) = toyData(target, seed: seed, rows: rows, testRows: 1000)
    let settings = toySettings(epochs: epochs, batch: 128, seed: seed)
    var probe = SeededGenerator(seed: 0)
    let budget = plainFlow(couplings: 8, width: 32, generator: &probe).parameterCount
    var g = SeededGenerator(seed: UInt64(seed))
    let started = Date()
    let log: (EpochSummary) -> Void = { e in
        if e.epoch % 10 == 0 || e.epoch == 1 {
            print("epoch \(e.epoch)\tloss \(String(format: "%.4f", e.trainingLoss))\tvalidation \(String(format: "%.4f", e.validationNLL ?? .nan))\t"
                  + "\(String(format: "%.0f", Date().timeIntervalSince(started))) s")
            fflush(stdout)
        }
    }
    func report<M: LatentVariableModel>(_ model: M) where M.Scalar == Float {
        print("\(target.rawValue) \(candidate.rawValue) K=\(samples) parameters \(model.parameterCount)")
        let result = LatentVariableTrainer(model: model, settings: settings, validationSamples: 8, trainingSamples: samples)
            .train(data: train, validation: validation, objective: StandardNormalObjective(), onEpoch: log)
        print("best epoch \(result.bestEpoch ?? 0)")
        var draws = SeededGenerator(seed: 77)
        let elbo = model.evidenceLowerBound(test, draws: 16, generator: &draws)
        print("test -ELBO \(String(format: "%.4f", -elbo.reduce(0, +) / Double(elbo.count)))")
        // How much the latent moves with the noise: E‖u(x, ε₁) − u(x, ε₂)‖² / (2 tr Var u), 0 when ε has no
        // effect on where x lands (q(a | x) = p(a | z) with G not reading a), 1 when it decides everything.
        let (u1, _) = model.forward(test, noise: model.drawNoise(rows: test.rows, generator: &draws))
        let (u2, _) = model.forward(test, noise: model.drawNoise(rows: test.rows, generator: &draws))
        let n = Double(test.rows)
        var moved = 0.0, spread = 0.0
        for j in 0..<u1.columns {
            let column = (0..<test.rows).map { Double(u1[$0, j]) }
            let mean = column.reduce(0, +) / n
            spread += column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            for i in 0..<test.rows { moved += pow(Double(u1[i, j] - u2[i, j]), 2) / n }
        }
        print("noise sensitivity of the latent \(String(format: "%.4f", moved / (2 * spread)))")
        for s in [1, 8, 128, 1024, 4096] {
            let r = model.importanceSampledLikelihood(test, samples: s, generator: &draws)
            let mc = r.monteCarloError.reduce(0, +) / Double(r.monteCarloError.count)
            print("test IS NLL S=\(s)\t\(String(format: "%.4f", r.negativeLogLikelihood.mean)) ± \(String(format: "%.4f", r.negativeLogLikelihood.standardError))"
                  + "\tmean per-row MC SE \(String(format: "%.4f", mc))")
            fflush(stdout)
        }
    }
    switch candidate {
    case .affine:
        let flow = plainFlow(couplings: 8, width: 32, generator: &g)
        print("\(target.rawValue) affine parameters \(flow.parameterCount)")
        let result = FlowTrainer(flow: flow, settings: settings).train(data: train, validation: validation,
                                                                       objective: StandardNormalObjective(), onEpoch: log)
        print("best epoch \(result.bestEpoch ?? 0)\ttest NLL \(String(format: "%.4f", flow.meanNegativeLogLikelihood(test)))")
    case .lgf, .lgfShift, .lgfPaper:
        report(matchedLGF(candidate, budget: budget, generator: &g))
    case .marginal, .marginalProposal, .marginalInterleaved, .marginalBoth:
        let (q, i) = candidate.marginalVariant!
        report(marginal(width: matchedWidth({ marginal(width: $0, proposal: q, generator: &probe).parameterCount }, budget: budget),
                        proposal: q, interleaved: i, generator: &g))
    }
}
