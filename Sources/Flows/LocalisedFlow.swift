import Foundation
import Numerics

/// One layer of a localised generative flow (Cornish et al. 2019, "Localised generative flows"):
/// a family of bijections G(·; u) indexed by u ∈ R^c, a generative net p(u | z) = N(μ(z), σ(z)²)
/// and an inference net q(u | x) = N(μ_q(x), σ_q(x)²).
///
/// In the data → latent direction, for a row x and a standard normal ε,
///
///     u = μ_q(x) + σ_q(x) ε,   z = G(x; u),
///     t = log p(u | z) + log|det ∂G/∂x| − log q(u | x),
///
/// so that with z under the next layer's (or the base) law, `E_ε[t + …]` is the layer's part of
/// the ELBO. The generative direction draws u ~ p(u | z) and returns `x = G⁻¹(z; u)`: since each
/// G(·; u) is a bijection of R^D but the family is mixed over u, the layer can put mass on
/// disconnected regions that no single continuous bijection of a Gaussian reaches.
public final class LocalisedLayer<Scalar: FlowScalar> {
    /// Data dimension D.
    public let dimension: Int
    /// Dimension c of u.
    public let latentDimension: Int
    /// The conditional bijection G(·; u).
    public let bijection: any ConditionalBijection<Scalar>
    /// p(u | z), evaluated at the layer's output.
    public let prior: GaussianHead<Scalar>
    /// q(u | x), evaluated at the layer's input.
    public let posterior: GaussianHead<Scalar>

    private let inputCache = ScratchBuffer<Scalar>()     // x
    private let outputCache = ScratchBuffer<Scalar>()    // z
    private let noiseCache = ScratchBuffer<Scalar>()     // ε
    private let condition = ScratchBuffer<Scalar>()      // u
    private let standardized = ScratchBuffer<Scalar>()   // r = (u − μ_p)/σ_p
    private let logDet = ScratchBuffer<Scalar>()
    private let work = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]
    private var priorScale: UnsafePointer<Scalar>?
    private var posteriorScale: UnsafePointer<Scalar>?
    private var rows = 0

    /// A layer from its three parts (shapes must agree).
    public init(bijection: any ConditionalBijection<Scalar>, prior: GaussianHead<Scalar>, posterior: GaussianHead<Scalar>) {
        dimension = bijection.dimension
        latentDimension = bijection.conditionDimension
        precondition(prior.inputDimension == dimension && posterior.inputDimension == dimension
                     && prior.dimension == latentDimension && posterior.dimension == latentDimension,
                     "LocalisedLayer: parts of different shapes")
        self.bijection = bijection
        self.prior = prior
        self.posterior = posterior
    }

    /// How u indexes the bijection G(·; u) of a layer built by the convenience initialiser.
    public enum Indexing: String, Sendable, CaseIterable {
        /// Every coupling's MLP reads `[x1 | u]` (`ConditionalAffineCoupling`).
        case couplings
        /// The LGF paper's form `G(x; u) = exp(s(u)) ⊙ f(x) + t(u)`: plain affine couplings f, then
        /// one `ConditionalShiftScale` whose MLP (the heads' widths) reads u.
        case shiftScale
    }

    /// A layer whose G is `couplings` blocks of (affine coupling, ActNorm, reversal of the
    /// coordinates), so that consecutive couplings transform alternate halves; u enters as
    /// `indexing` says. `headOutputScale` is the output-layer scale of the u side — the heads
    /// p(u | z), q(u | x) and the u-indexed affine map (`GaussianHead(outputScale:)`). The default 1
    /// is PyTorch's bound, the initialisation of the authors' code (jrmcornish/cif): with a small u
    /// side every layer starts where u has no effect and q(u | x) = p(u | z), the ELBO then only
    /// sees u as noise, and the fit stays a plain flow (docs/benchmarks/beyond.md, session 4).
    public convenience init(dimension d: Int, latentDimension c: Int, couplings: Int, hidden: [Int], headHidden: [Int],
                            indexing: Indexing = .couplings, headOutputScale: Double = 1,
                            generator: inout SeededGenerator) {
        var blocks: [any ConditionalBijection<Scalar>] = []
        for _ in 0..<couplings {
            switch indexing {
            case .couplings:
                blocks.append(ConditionalAffineCoupling<Scalar>(dimension: d, conditionDimension: c, hidden: hidden,
                                                                generator: &generator))
            case .shiftScale:
                let coupling = AffineCoupling<Scalar>(dimension: d, hidden: hidden, generator: &generator)
                coupling.network.perturbOutputLayer(fraction: 0.1, generator: &generator)
                blocks.append(Unconditioned(coupling, conditionDimension: c))
            }
            blocks.append(Unconditioned(ActNorm<Scalar>(dimension: d), conditionDimension: c))
            blocks.append(Unconditioned(Permutation<Scalar>(order: Array((0..<d).reversed())), conditionDimension: c))
        }
        if indexing == .shiftScale {
            blocks.append(ConditionalShiftScale<Scalar>(dimension: d, conditionDimension: c, hidden: headHidden,
                                                        outputScale: headOutputScale, generator: &generator))
        }
        self.init(bijection: ConditionalFlow(layers: blocks),
                  prior: GaussianHead(input: d, dimension: c, hidden: headHidden, outputScale: headOutputScale,
                                      generator: &generator),
                  posterior: GaussianHead(input: d, dimension: c, hidden: headHidden, outputScale: headOutputScale,
                                          generator: &generator))
    }

    /// The layer's tensors: G's, then p's, then q's.
    public var parameters: [Parameter<Scalar>] { bijection.parameters + prior.parameters + posterior.parameters }

    /// `z` for `count` rows of `x` with noise `ε` (`count × c`); adds t_i to `logWeight[i]`.
    public func forward(_ x: UnsafePointer<Scalar>, noise: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logWeight: UnsafeMutablePointer<Double>, count b: Int) {
        rows = b
        let d = dimension, c = latentDimension
        let halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi)
        let xc = inputCache.reserve(b * d)
        xc.update(from: x, count: b * d)
        let eps = noiseCache.reserve(b * c)
        eps.update(from: noise, count: b * c)
        let (mq, sq) = posterior.evaluate(xc, count: b)
        posteriorScale = sq
        let u = condition.reserve(b * c)
        for e in 0..<(b * c) {
            u[e] = mq[e] + sq[e] * eps[e]
            let v = Double(eps[e])
            logWeight[e % b] += 0.5 * v * v + Double(Scalar.log(sq[e])) + halfLog2Pi
        }
        let ld = logDet.reserve(b)
        ld.update(repeating: 0, count: b)
        bijection.forward(xc, condition: u, into: z, logDet: ld, count: b)
        for i in 0..<b { logWeight[i] += Double(ld[i]) }
        let zc = outputCache.reserve(b * d)
        zc.update(from: z, count: b * d)
        let (mp, sp) = prior.evaluate(zc, count: b)
        priorScale = sp
        let r = standardized.reserve(b * c)
        for e in 0..<(b * c) {
            r[e] = (u[e] - mp[e]) / sp[e]
            let v = Double(r[e])
            logWeight[e % b] -= 0.5 * v * v + Double(Scalar.log(sp[e])) + halfLog2Pi
        }
    }

    /// Back-propagates dL/dz and dL/dt_i (`logWeightGradient`) through the last `forward`;
    /// writes dL/dx and accumulates the parameter gradients.
    public func backward(outputGradient dz: UnsafePointer<Scalar>, logWeightGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, count b: Int) {
        precondition(b == rows, "backward: batch of \(b) rows after a forward of \(rows)")
        let d = dimension, c = latentDimension
        let r = standardized.pointer, sp = priorScale!, sq = posteriorScale!, eps = noiseCache.pointer
        let dMean = work[0].reserve(b * c), dScale = work[1].reserve(b * c)
        let du = work[2].reserve(b * c), dz2 = work[3].reserve(b * d)
        // log p(u | z): ∂/∂μ_p = r/σ_p, ∂/∂σ_p = (r² − 1)/σ_p, ∂/∂u = −r/σ_p.
        for e in 0..<(b * c) {
            let w = g[e % b], s = sp[e], re = r[e]
            dMean[e] = w * re / s
            dScale[e] = w * (re * re - 1) / s
            du[e] = -w * re / s
        }
        prior.backward(meanGradient: dMean, scaleGradient: dScale, inputGradient: dz2)
        for e in 0..<(b * d) { dz2[e] += dz[e] }
        bijection.backward(outputGradient: dz2, logDetGradient: g, inputGradient: dx, conditionGradient: du, count: b)
        // u = μ_q + σ_q ε and −log q(u | x) = ½ε² + log σ_q + const.
        for e in 0..<(b * c) {
            dMean[e] = du[e]
            dScale[e] = du[e] * eps[e] + g[e % b] / sq[e]
        }
        posterior.backward(meanGradient: dMean, scaleGradient: dScale, inputGradient: dz2)
        for e in 0..<(b * d) { dx[e] += dz2[e] }
    }

    /// `x = G⁻¹(z; u)` with u ~ p(u | z), for the rows of `z`.
    public func sample(from z: Matrix<Scalar>, generator: inout SeededGenerator) -> Matrix<Scalar> {
        let b = z.rows, c = latentDimension
        var u = Matrix<Scalar>(rows: b, columns: c)
        z.storage.withUnsafeBufferPointer { pz in
            let (mp, sp) = prior.evaluate(pz.baseAddress!, count: b)
            for e in 0..<(b * c) { u.storage[e] = mp[e] + sp[e] * Scalar(generator.normal()) }
        }
        return bijection.inverse(z, condition: u)
    }
}

/// A stack of L localised layers over a standard normal (or dependent, through the training
/// objective) base latent: x = z_0 → z_1 → … → z_L = u, with one u_ℓ per layer.
///
/// The log-weight terms are the layers' t_ℓ summed, the base latent is z_L, and the noise is
/// the L blocks of ε side by side (`b × L·c`).
public final class LocalisedFlow<Scalar: FlowScalar>: LatentVariableModel {
    /// The layers, first applied first (data side).
    public let layers: [LocalisedLayer<Scalar>]
    public let dimension: Int

    private let values = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]
    private let gradients = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]
    private var rows = 0

    /// The stack of `layers` (at least one, all of the same D).
    public init(layers: [LocalisedLayer<Scalar>]) {
        precondition(!layers.isEmpty, "LocalisedFlow needs at least one layer")
        let d = layers[0].dimension
        precondition(layers.allSatisfy { $0.dimension == d }, "LocalisedFlow: layers of different D")
        dimension = d
        self.layers = layers
    }

    /// L layers of `couplings` couplings each, u ∈ R^c per layer, u entering as `indexing` says,
    /// the u side of each layer starting at `headOutputScale` (`LocalisedLayer`).
    public convenience init(dimension d: Int, layers count: Int, latentDimension c: Int, couplings: Int,
                            hidden: [Int], headHidden: [Int], indexing: LocalisedLayer<Scalar>.Indexing = .couplings,
                            headOutputScale: Double = 1, generator: inout SeededGenerator) {
        self.init(layers: (0..<count).map { _ in
            LocalisedLayer(dimension: d, latentDimension: c, couplings: couplings, hidden: hidden,
                           headHidden: headHidden, indexing: indexing, headOutputScale: headOutputScale,
                           generator: &generator)
        })
    }

    public var latentDimension: Int { dimension }
    public var noiseDimension: Int { layers.reduce(0) { $0 + $1.latentDimension } }
    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    public func forward(_ x: Matrix<Scalar>, noise: Matrix<Scalar>) -> (latent: Matrix<Scalar>, logWeight: [Double]) {
        let b = x.rows, d = dimension
        precondition(x.columns == d && noise.rows == b && noise.columns == noiseDimension, "LocalisedFlow.forward: shapes")
        rows = b
        var latent = Matrix<Scalar>(rows: b, columns: d)
        var logWeight = [Double](repeating: 0, count: b)
        x.storage.withUnsafeBufferPointer { px in
            noise.storage.withUnsafeBufferPointer { pe in
                latent.storage.withUnsafeMutableBufferPointer { pz in
                    logWeight.withUnsafeMutableBufferPointer { pw in
                        var input = px.baseAddress!, offset = 0
                        for (k, layer) in layers.enumerated() {
                            let output = k == layers.count - 1 ? pz.baseAddress! : values[k % 2].reserve(b * d)
                            layer.forward(input, noise: pe.baseAddress! + offset, into: output,
                                          logWeight: pw.baseAddress!, count: b)
                            offset += b * layer.latentDimension
                            input = UnsafePointer(output)
                        }
                    }
                }
            }
        }
        return (latent, logWeight)
    }

    public func backward(latentGradient: Matrix<Scalar>, logWeightGradient: [Scalar]) {
        let b = rows, d = dimension
        precondition(latentGradient.rows == b && logWeightGradient.count == b, "LocalisedFlow.backward: shapes")
        latentGradient.storage.withUnsafeBufferPointer { pg in
            logWeightGradient.withUnsafeBufferPointer { pw in
                var upstream = pg.baseAddress!
                for k in stride(from: layers.count - 1, through: 0, by: -1) {
                    let downstream = gradients[k % 2].reserve(b * d)
                    layers[k].backward(outputGradient: upstream, logWeightGradient: pw.baseAddress!,
                                       inputGradient: downstream, count: b)
                    upstream = UnsafePointer(downstream)
                }
            }
        }
    }

    /// The data-side gradient dL/dx of the last `backward` (for gradient checks).
    public func inputGradient() -> Matrix<Scalar> {
        var dx = Matrix<Scalar>(rows: rows, columns: dimension)
        let source = gradients[0].pointer
        for k in dx.storage.indices { dx.storage[k] = source[k] }
        return dx
    }

    public func sample(count: Int, generator: inout SeededGenerator) -> Matrix<Scalar> {
        var z = Matrix<Scalar>(rows: count, columns: dimension)
        for k in z.storage.indices { z.storage[k] = Scalar(generator.normal()) }
        for layer in layers.reversed() { z = layer.sample(from: z, generator: &generator) }
        return z
    }
}
