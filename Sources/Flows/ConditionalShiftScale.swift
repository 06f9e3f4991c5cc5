import Foundation
import Numerics

/// The u-indexed elementwise affine map of localised generative flows (Cornish et al. 2019, §4:
/// `G(x; u) = exp(s(u)) ⊙ f(x) + t(u)` with f an ordinary flow step):
///
///     z = exp(s(u)) ⊙ x + t(u),   (s, t) = MLP(u),   log|det ∂z/∂x| = Σ_j s_j(u).
///
/// Placed after unconditioned couplings it lets u move and rescale the whole layer output, so that
/// each value of u can carry its own region of the data to the same place in the latent space.
/// The MLP reads u only; its output layer is drawn in ±`outputScale`/√fan-in (`perturbOutputLayer`):
/// small by default, so the map starts near the identity.
public final class ConditionalShiftScale<Scalar: FlowScalar>: ConditionalBijection {
    public let dimension: Int
    public let conditionDimension: Int
    /// `c → hidden… → 2p`: s then t.
    public let network: MLP<Scalar>

    private let condition = ScratchBuffer<Scalar>()   // u of the last forward (the MLP keeps a pointer to it)
    private let inputCache = ScratchBuffer<Scalar>()  // x of the last forward
    private let networkGradient = ScratchBuffer<Scalar>()
    private let conditionGradient = ScratchBuffer<Scalar>()
    private var output: UnsafeMutablePointer<Scalar>?
    private var rows = 0

    /// The map on R^p indexed by u ∈ R^c, with the given hidden widths and output-layer scale.
    public init(dimension p: Int, conditionDimension c: Int, hidden: [Int], outputScale: Double = 0.1,
                generator: inout SeededGenerator) {
        precondition(p >= 1 && c >= 1, "ConditionalShiftScale needs p >= 1, c >= 1")
        dimension = p
        conditionDimension = c
        network = MLP(widths: [c] + hidden + [2 * p], generator: &generator)
        network.perturbOutputLayer(fraction: outputScale, generator: &generator)
    }

    public var parameters: [Parameter<Scalar>] { network.parameters }

    private func evaluate(_ u: UnsafePointer<Scalar>, count b: Int) -> UnsafeMutablePointer<Scalar> {
        let copy = condition.reserve(b * conditionDimension)
        copy.update(from: u, count: b * conditionDimension)
        return network.forward(copy, count: b)
    }

    public func forward(_ x: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        rows = b
        let p = dimension
        let out = evaluate(u, count: b)
        output = out
        let xc = inputCache.reserve(b * p)
        xc.update(from: x, count: b * p)
        for e in 0..<(b * p) {
            z[e] = Scalar.exp(out[e]) * xc[e] + out[b * p + e]
            logDet[e % b] += out[e]
        }
    }

    public func inverse(_ z: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>,
                        count b: Int) {
        let p = dimension
        let out = evaluate(u, count: b)
        for e in 0..<(b * p) { x[e] = (z[e] - out[b * p + e]) * Scalar.exp(-out[e]) }
    }

    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, conditionGradient du: UnsafeMutablePointer<Scalar>,
                         count b: Int) {
        precondition(b == rows, "backward: batch of \(b) rows after a forward of \(rows)")
        let p = dimension, c = conditionDimension
        let out = output!, xc = inputCache.pointer
        let dOut = networkGradient.reserve(b * 2 * p)
        for e in 0..<(b * p) {
            let scale = Scalar.exp(out[e])
            dx[e] = dz[e] * scale
            dOut[e] = dz[e] * xc[e] * scale + g[e % b]
            dOut[b * p + e] = dz[e]
        }
        let dIn = conditionGradient.reserve(b * c)
        network.backward(outputGradient: dOut, inputGradient: dIn)
        for e in 0..<(b * c) { du[e] += dIn[e] }
    }
}
