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
///
/// With a learned `proposal` q(ε | x) = N(μ(x), σ(x)²) (a Gaussian head on x, as the inference
/// network of augmented normalizing flows), ε = μ(x) + σ(x) η for the standard normal noise η and
///
///     log w(x, ε) = log N(f(x, ε); 0, I) + log|det J_f(x, ε)| − log q(ε | x),
///
/// still an unbiased importance weight of p(x) = ∫ p_f(x, ε) dε. Under the fixed N(0, I) proposal
/// the ELBO is maximised by p_f(x, ε) = p(x) N(ε) (ε carries nothing); a learned q removes that
/// pull, and the importance-sampled estimate uses the same q.
public final class MarginalizingFlow<Scalar: FlowScalar>: LatentVariableModel {
    /// The flow on R^{D+B}.
    public let flow: any Bijection<Scalar>
    /// Number of auxiliary dimensions B.
    public let auxiliary: Int
    /// The learned proposal q(ε | x), or nil for the fixed N(0, I).
    public let proposal: GaussianHead<Scalar>?
    public let dimension: Int

    private var rows = 0
    private let inputCache = ScratchBuffer<Scalar>()     // x, the proposal's input
    private let noiseCache = ScratchBuffer<Scalar>()     // η
    private let work = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]
    private var proposalScale: UnsafePointer<Scalar>?

    /// Wraps `flow` (dimension D + `auxiliary`), with the proposal q(ε | x) given by `proposal`
    /// (input D, dimension B) or the fixed N(0, I) when nil.
    public init(flow: any Bijection<Scalar>, auxiliary: Int, proposal: GaussianHead<Scalar>? = nil) {
        precondition(auxiliary >= 1 && flow.dimension > auxiliary, "MarginalizingFlow: need 1 <= B < flow dimension")
        precondition(proposal.map { $0.inputDimension == flow.dimension - auxiliary && $0.dimension == auxiliary } ?? true,
                     "MarginalizingFlow: the proposal maps R^D to a Gaussian on R^B")
        self.flow = flow
        self.auxiliary = auxiliary
        self.proposal = proposal
        dimension = flow.dimension - auxiliary
    }

    /// A flow of architecture `architecture` on R^{D+B} (its `dimension` is D + B), with the affine
    /// couplings' output layers started small but not zero (`perturbOutputLayer`): ε is independent of
    /// x, so the all-identity start is a stationary point of the expected loss. `proposalHidden`:
    /// the hidden widths of a learned proposal q(ε | x), or nil for the fixed N(0, I).
    ///
    /// `interleaved` (D + B and the number of couplings even) replaces the random permutations by
    /// a fixed layout: the input is ordered so that each half holds half of x and half of ε
    /// ([x1, ε1 | x2, ε2] for D = B = 2), every permutation swaps the halves, and a last
    /// permutation undoes the first. Each coupling then transforms part of x given the other part
    /// of x and some ε (the plain flow of x is the special case that ignores ε), and the D leading
    /// latent columns — those the dependent-data objective gives C — come out of the x slots.
    public convenience init(architecture: FlowArchitecture, auxiliary: Int, proposalHidden: [Int]? = nil,
                            interleaved: Bool = false, generator: inout SeededGenerator) {
        var flow: Flow<Scalar> = architecture.build(generator: &generator)
        for case let coupling as AffineCoupling<Scalar> in flow.layers {
            coupling.network.perturbOutputLayer(fraction: 0.1, generator: &generator)
        }
        if interleaved {
            let p = architecture.dimension, d = p - auxiliary, h = p / 2, a = (d + 1) / 2
            precondition(p % 2 == 0 && architecture.layers % 2 == 0,
                         "MarginalizingFlow: the interleaved layout needs D + B and the number of couplings even")
            let order = Array(0..<a) + Array(d..<(d + h - a)) + Array(a..<d) + Array((d + h - a)..<p)
            let swap = Permutation<Scalar>(order: (0..<p).map { ($0 + h) % p })
            let layers = flow.layers.map { $0 is Permutation<Scalar> ? swap : $0 }
            let first = Permutation<Scalar>(order: order)
            let last = Permutation<Scalar>(order: (0..<p).map { j in order.firstIndex(of: j)! })
            flow = Flow(dimension: p, layers: [first] + layers + [last])
        }
        let proposal = proposalHidden.map {
            GaussianHead<Scalar>(input: architecture.dimension - auxiliary, dimension: auxiliary, hidden: $0,
                                 generator: &generator)
        }
        self.init(flow: flow, auxiliary: auxiliary, proposal: proposal)
    }

    public var latentDimension: Int { flow.dimension }
    public var noiseDimension: Int { auxiliary }
    public var parameters: [Parameter<Scalar>] { flow.parameters + (proposal?.parameters ?? []) }

    public func forward(_ x: Matrix<Scalar>, noise: Matrix<Scalar>) -> (latent: Matrix<Scalar>, logWeight: [Double]) {
        let b = x.rows
        precondition(x.columns == dimension && noise.rows == b && noise.columns == auxiliary,
                     "MarginalizingFlow.forward: shapes")
        rows = b
        // −log q(ε | x) = ½η² + log σ + ½ log 2π per coordinate, ε = μ + ση (μ = 0, σ = 1 without a proposal).
        var epsilon = noise.storage
        var logWeight = [Double](repeating: 0, count: b)
        let halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi)
        if let proposal {
            let xc = inputCache.reserve(b * dimension)
            x.storage.withUnsafeBufferPointer { xc.update(from: $0.baseAddress!, count: b * dimension) }
            let eta = noiseCache.reserve(b * auxiliary)
            noise.storage.withUnsafeBufferPointer { eta.update(from: $0.baseAddress!, count: b * auxiliary) }
            let (mean, scale) = proposal.evaluate(xc, count: b)
            proposalScale = scale
            for e in epsilon.indices {
                epsilon[e] = mean[e] + scale[e] * eta[e]
                logWeight[e % b] += Double(Scalar.log(scale[e]))
            }
        }
        for e in noise.storage.indices {
            let v = Double(noise.storage[e])
            logWeight[e % b] += 0.5 * v * v + halfLog2Pi
        }
        // Column-major: [x | ε] is x's columns followed by ε's.
        let augmented = Matrix<Scalar>(rows: b, columns: dimension + auxiliary, storage: x.storage + epsilon)
        let (latent, logDet) = flow.forward(augmented)
        for i in 0..<b { logWeight[i] += Double(logDet[i]) }
        return (latent, logWeight)
    }

    public func backward(latentGradient: Matrix<Scalar>, logWeightGradient: [Scalar]) {
        let b = rows
        precondition(latentGradient.rows == b && logWeightGradient.count == b, "MarginalizingFlow.backward: shapes")
        let inputGradient = flow.backward(outputGradient: latentGradient, logDetGradient: logWeightGradient)
        guard let proposal, let scale = proposalScale else { return }
        // ε = μ + ση: dL/dμ = dL/dε, dL/dσ = dL/dε · η + g_i/σ (the log σ term of the weight).
        let c = auxiliary, eta = noiseCache.pointer
        let dMean = work[0].reserve(b * c), dScale = work[1].reserve(b * c), dx = work[2].reserve(b * dimension)
        for e in 0..<(b * c) {
            let de = inputGradient.storage[b * dimension + e]
            dMean[e] = de
            dScale[e] = de * eta[e] + logWeightGradient[e % b] / scale[e]
        }
        proposal.backward(meanGradient: dMean, scaleGradient: dScale, inputGradient: dx)
    }

    public func sample(count: Int, generator: inout SeededGenerator) -> Matrix<Scalar> {
        var u = Matrix<Scalar>(rows: count, columns: flow.dimension)
        for k in u.storage.indices { u.storage[k] = Scalar(generator.normal()) }
        return flow.inverse(u).selectingColumns(Array(0..<dimension))
    }
}
