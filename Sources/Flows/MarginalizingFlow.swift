import Foundation
import Numerics

/// A marginalizing flow: the data x ∈ R^D are augmented with B auxiliary coordinates
/// ε ~ N(0, I_B), a flow f maps (x, ε) to the base latent in R^{D+B}, and x is the marginal,
///
///     p(x) = E_{ε ~ N(0, I)} [ p_f(x, ε) / N(ε; 0, I) ],
///     log w(x, ε) = log N(f(x, ε); 0, I) + log|det J_f(x, ε)| − log N(ε; 0, I),
///
/// estimated by importance sampling over S draws of ε. Training on fresh ε every batch maximises
/// E_ε[log w], a lower bound on log p(x). The extra dimensions let a continuous bijection of
/// R^{D+B} put mass on a D-dimensional projection with holes or several components.
public final class MarginalizingFlow<Scalar: FlowScalar>: LatentVariableModel {
    /// The flow on R^{D+B}.
    public let flow: any Bijection<Scalar>
    /// Number of auxiliary dimensions B.
    public let auxiliary: Int
    public let dimension: Int

    private var rows = 0

    /// Wraps `flow` (dimension D + `auxiliary`).
    public init(flow: any Bijection<Scalar>, auxiliary: Int) {
        precondition(auxiliary >= 1 && flow.dimension > auxiliary, "MarginalizingFlow: need 1 <= B < flow dimension")
        self.flow = flow
        self.auxiliary = auxiliary
        dimension = flow.dimension - auxiliary
    }

    /// A flow of architecture `architecture` on R^{D+B} (its `dimension` is D + B), with the affine
    /// couplings' output layers started small but not zero (`perturbOutputLayer`): ε is independent of
    /// x, so the all-identity start is a stationary point of the expected loss.
    public convenience init(architecture: FlowArchitecture, auxiliary: Int, generator: inout SeededGenerator) {
        let flow: Flow<Scalar> = architecture.build(generator: &generator)
        for case let coupling as AffineCoupling<Scalar> in flow.layers {
            coupling.network.perturbOutputLayer(fraction: 0.1, generator: &generator)
        }
        self.init(flow: flow, auxiliary: auxiliary)
    }

    public var latentDimension: Int { flow.dimension }
    public var noiseDimension: Int { auxiliary }
    public var parameters: [Parameter<Scalar>] { flow.parameters }

    public func forward(_ x: Matrix<Scalar>, noise: Matrix<Scalar>) -> (latent: Matrix<Scalar>, logWeight: [Double]) {
        let b = x.rows
        precondition(x.columns == dimension && noise.rows == b && noise.columns == auxiliary,
                     "MarginalizingFlow.forward: shapes")
        rows = b
        // Column-major: [x | ε] is x's columns followed by ε's.
        let augmented = Matrix<Scalar>(rows: b, columns: dimension + auxiliary, storage: x.storage + noise.storage)
        let (latent, logDet) = flow.forward(augmented)
        var logWeight = logDet.map(Double.init)
        let halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi)
        for e in noise.storage.indices {
            let v = Double(noise.storage[e])
            logWeight[e % b] += 0.5 * v * v + halfLog2Pi
        }
        return (latent, logWeight)
    }

    public func backward(latentGradient: Matrix<Scalar>, logWeightGradient: [Scalar]) {
        precondition(latentGradient.rows == rows, "MarginalizingFlow.backward: shapes")
        _ = flow.backward(outputGradient: latentGradient, logDetGradient: logWeightGradient)
    }

    public func sample(count: Int, generator: inout SeededGenerator) -> Matrix<Scalar> {
        var u = Matrix<Scalar>(rows: count, columns: flow.dimension)
        for k in u.storage.indices { u.storage[k] = Scalar(generator.normal()) }
        return flow.inverse(u).selectingColumns(Array(0..<dimension))
    }
}
