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
        var raw = log(clamped / (1 - clamped))
        var optimizer = ScalarAdamax(learningRate: 0.1)
        for t in 0..<steps {
            let lambda = max(lowerBound, sigmoid(raw))
            let gradient = -objective.derivative(lambda) * lambda * (1 - lambda) / Double(n)
            optimizer.learningRate = 0.1 * pow(0.9, Double(t / 13))
            raw -= optimizer.step(gradient: gradient)
        }
        let lambda = max(lowerBound, sigmoid(raw))
        return LambdaFit(lambda: lambda, logLikelihood: objective.value(lambda))
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
}

/// Adamax (β 0.9/0.999, ε 1e-8) for one scalar parameter: the λ stage's `gd` mode and the ρ of
/// the joint schedule, which are never weight-decayed.
struct ScalarAdamax {
    var learningRate: Double
    private var moment = 0.0, infinityNorm = 0.0, steps = 0

    init(learningRate: Double) {
        self.learningRate = learningRate
    }

    /// The update to subtract from the parameter for `gradient`.
    mutating func step(gradient: Double) -> Double {
        steps += 1
        moment = 0.9 * moment + 0.1 * gradient
        infinityNorm = max(0.999 * infinityNorm, abs(gradient))
        return learningRate / (1 - pow(0.9, Double(steps))) * moment / (infinityNorm + 1e-8)
    }
}
