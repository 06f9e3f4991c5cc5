import Flows
import Foundation
import Numerics

/// How a λ stage maximizes l(λ) (method.md §4).
public enum LambdaStep: String, CaseIterable, Sendable {
    /// Bracketing scan plus Brent's method to 1e-8: cheap, and it cannot stop short (default).
    case exact
    /// The paper's procedure: λ = sigmoid(raw), 100 full-batch Adamax steps on raw at learning
    /// rate 0.1, decayed by 0.9 every 13 steps.
    case gd
}

/// The result of one λ stage.
public struct LambdaFit: Equatable, Sendable {
    /// The new λ.
    public var lambda: Double
    /// l(λ) at the new λ (the latent log-likelihood, flow fixed).
    public var logLikelihood: Double
}

/// The λ stage: with the flow fixed and U = f(X) over all training individuals, maximize the exact
/// full-data objective l(λ) over λ ∈ (0, 1].
public enum LambdaStage {
    /// The smallest λ considered (C must stay positive definite when G is singular).
    public static let lowerBound = 1e-6

    /// Fits λ for the latent matrix `u` (n × p) against `spectrum`, starting from `start` (used by `gd`).
    public static func fit(spectrum: RelatednessSpectrum, latent u: Matrix<Double>, step: LambdaStep,
                           start: Double) -> LambdaFit {
        let objective = LambdaObjective(spectrum: spectrum, residuals: spectrum.residuals(u))
        switch step {
        case .exact: return exact(objective)
        case .gd: return gradientSteps(objective, start: start, count: spectrum.count)
        }
    }

    /// Scan of 64 cells, then Brent to 1e-8 around the best.
    public static func exact(_ objective: LambdaObjective) -> LambdaFit {
        let best = BrentMinimizer.scanAndMinimize({ -objective.value($0) }, in: lowerBound...1, points: 64,
                                                  tolerance: 1e-8)
        return LambdaFit(lambda: best.x, logLikelihood: -best.value)
    }

    /// The paper's 100 sigmoid-parametrised steps on −l(λ)/n (Adamax, lr 0.1, ×0.9 every 13 steps).
    public static func gradientSteps(_ objective: LambdaObjective, start: Double, count n: Int,
                                     steps: Int = 100) -> LambdaFit {
        let clamped = min(max(start, 1e-6), 1 - 1e-6)
        let raw = Parameter<Double>(name: "lambda", value: [log(clamped / (1 - clamped))], decays: false)
        let optimizer = Optimizer<Double>(rule: .adamax, parameters: [raw])
        for t in 0..<steps {
            let lambda = max(lowerBound, sigmoid(raw.value[0]))
            raw.gradient[0] = -objective.derivative(lambda) * lambda * (1 - lambda) / Double(n)
            optimizer.step(learningRate: 0.1 * pow(0.9, Double(t / 13)))
        }
        let lambda = max(lowerBound, sigmoid(raw.value[0]))
        return LambdaFit(lambda: lambda, logLikelihood: objective.value(lambda))
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
}
