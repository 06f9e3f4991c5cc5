import CFlowKernels
import Foundation

/// First-order optimizers with PyTorch's update rules, over a fixed list of parameters.
///
/// Adamax (the paper's choice) and Adam, both with *coupled* L2 weight decay as in
/// `torch.optim.Adamax(weight_decay=…)`: the decay term `λ·θ` is added to the gradient before
/// the moment updates, and only for parameters with `decays == true`.
///
///     g ← ∇θ + λθ
///     Adamax: m ← β1 m + (1−β1) g;  u ← max(β2 u, |g| + ε);  θ ← θ − (lr / (1 − β1^t)) · m / u
///     Adam:   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − lr · m̂ / (√v̂ + ε)
///
/// The update is elementwise, so `step` splits the parameters between the two lanes of
/// `SecondLane` (see `MLP`) without changing any result; Adamax in `Float` runs `gwf_adamax`
/// (CFlowKernels, the same operations as the generic loop, vectorised).
public final class Optimizer<Scalar: FlowScalar> {
    /// The update rule.
    public enum Rule: String, Sendable, Codable {
        case adamax, adam
    }

    /// The rule in use.
    public let rule: Rule
    /// The parameters updated by `step`.
    public let parameters: [Parameter<Scalar>]
    /// Coupled L2 weight decay λ.
    public var weightDecay: Double
    /// Moment decay rates and the denominator guard (PyTorch defaults 0.9, 0.999, 1e-8).
    public let beta1: Double, beta2: Double, epsilon: Double
    /// Number of steps taken.
    public private(set) var stepCount = 0

    private let moments: UnsafeMutablePointer<Scalar>   // m then u (or v) of each parameter, at offsets[k]
    private let offsets: [Int]
    private let lanes: [Range<Int>]                      // the parameters each lane updates

    /// A fresh optimizer state (zero moments) over `parameters`.
    public init(rule: Rule, parameters: [Parameter<Scalar>], weightDecay: Double = 0,
                beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.rule = rule
        self.parameters = parameters
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        var offsets: [Int] = [], total = 0
        for p in parameters { offsets.append(total); total += 2 * p.count }
        self.offsets = offsets
        moments = .allocate(capacity: max(1, total))
        moments.initialize(repeating: 0, count: max(1, total))
        lanes = SecondLane.halves(parameters.map(\.count))
    }

    deinit { moments.deallocate() }

    /// Applies one update with learning rate `learningRate` from the current gradients.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(learningRate: Double) {
        stepCount += 1
        let t = Double(stepCount)
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let c1 = 1 - Foundation.pow(beta1, t), c2 = 1 - Foundation.pow(beta2, t)
        let rule = rule, decay = weightDecay
        SecondLane.over(lanes) { run in
            for k in run {
                let p = parameters[k]
                let wd = Scalar(p.decays ? decay : 0)
                let n = p.count
                if n == 0 { continue }
                let m = moments + offsets[k], u = m + n
                p.value.withUnsafeMutableBufferPointer { theta in
                    p.gradient.withUnsafeBufferPointer { grad in
                        switch rule {
                        case .adamax:
                            let rate = Scalar(learningRate / c1)
                            if Scalar.self == Float.self {
                                func f(_ x: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
                                    UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self)
                                }
                                gwf_adamax(f(theta.baseAddress!), f(UnsafeMutablePointer(mutating: grad.baseAddress!)), f(m), f(u), n,
                                           Float(wd), Float(b1), Float(b2), Float(eps), Float(rate))
                                return
                            }
                            for i in 0..<n {
                                let g = grad[i] + wd * theta[i]
                                m[i] = b1 * m[i] + (1 - b1) * g
                                u[i] = max(b2 * u[i], abs(g) + eps)
                                theta[i] -= rate * m[i] / u[i]
                            }
                        case .adam:
                            let rate = Scalar(learningRate / c1)
                            let root = Scalar(c2.squareRoot())
                            for i in 0..<n {
                                let g = grad[i] + wd * theta[i]
                                m[i] = b1 * m[i] + (1 - b1) * g
                                u[i] = b2 * u[i] + (1 - b2) * g * g
                                theta[i] -= rate * m[i] / (u[i].squareRoot() / root + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
