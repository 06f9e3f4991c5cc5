import Numerics

/// Affine coupling indexed by a condition u (the bijections G(·; u) of localised generative
/// flows): as `AffineCoupling`, but the conditioner MLP reads the pass-through coordinates *and* u,
///
///     z1 = x1,   z2 = (sigmoid(s) + 0.5) · x2 + t,   (s, t) = MLP([x1, u]),
///     log|det ∂z/∂x| = Σ_j log(sigmoid(s_j) + 0.5).
///
/// The MLP input is the `b × (k + c)` block `[x1 | u]`, copied once per pass into a buffer the
/// layer owns; its input gradient splits into dL/dx1 and dL/du. With p = 1 only u conditions.
/// The output layer starts small but not zero (`perturbOutputLayer`), so every G(·; u) starts near
/// the identity without sitting on its stationary point.
public final class ConditionalAffineCoupling<Scalar: FlowScalar>: ConditionalBijection {
    public let dimension: Int
    public let conditionDimension: Int
    /// Number of leading coordinates that pass through and condition the rest.
    public let conditioning: Int
    /// The conditioner: `k + c → hidden… → 2 · (p − k)`, outputs s then t.
    public let network: MLP<Scalar>

    private let input = ScratchBuffer<Scalar>()          // [x1 | u] of the last forward
    private let transformedInput = ScratchBuffer<Scalar>() // x2 of the last forward
    private let scale = ScratchBuffer<Scalar>()
    private let networkGradient = ScratchBuffer<Scalar>()
    private let inputGradient = ScratchBuffer<Scalar>()
    private var rows = 0

    /// A coupling on R^p conditioned on u ∈ R^c, with the given hidden widths.
    public init(dimension p: Int, conditionDimension c: Int, hidden: [Int], generator: inout SeededGenerator) {
        precondition(p >= 1 && c >= 0, "ConditionalAffineCoupling needs p >= 1, c >= 0")
        dimension = p
        conditionDimension = c
        conditioning = p == 1 ? 0 : (p + 1) / 2
        network = MLP(widths: [conditioning + c] + hidden + [2 * (p - conditioning)], generator: &generator)
        network.perturbOutputLayer(fraction: 0.1, generator: &generator)
    }

    public var parameters: [Parameter<Scalar>] { network.parameters }

    private var transformed: Int { dimension - conditioning }

    /// Evaluates the conditioner on `[first | u]` (copied into `input`); returns the s, t block.
    private func conditioner(_ first: UnsafePointer<Scalar>, _ u: UnsafePointer<Scalar>, count b: Int)
        -> UnsafeMutablePointer<Scalar>
    {
        let k = conditioning, c = conditionDimension
        let block = input.reserve(b * (k + c))
        block.update(from: first, count: b * k)
        (block + b * k).update(from: u, count: b * c)
        return network.forward(block, count: b)
    }

    public func forward(_ x: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        rows = b
        let k = conditioning, d = transformed
        let out = conditioner(x, u, count: b)
        let x2 = transformedInput.reserve(b * d)
        x2.update(from: x + b * k, count: b * d)
        z.update(from: x, count: b * k)
        let sc = scale.reserve(b * d)
        for e in 0..<(b * d) {
            let c = Scalar.sigmoid(out[e]) + 0.5
            sc[e] = c
            z[b * k + e] = c * x2[e] + out[b * d + e]
            logDet[e % b] += Scalar.log(c)
        }
    }

    public func inverse(_ z: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>,
                        count b: Int) {
        let k = conditioning, d = transformed
        let out = conditioner(z, u, count: b)
        x.update(from: z, count: b * k)
        for e in 0..<(b * d) {
            x[b * k + e] = (z[b * k + e] - out[b * d + e]) / (Scalar.sigmoid(out[e]) + 0.5)
        }
    }

    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, conditionGradient du: UnsafeMutablePointer<Scalar>,
                         count b: Int) {
        precondition(b == rows, "backward: batch of \(b) rows after a forward of \(rows)")
        let k = conditioning, d = transformed, c = conditionDimension
        let dOut = networkGradient.reserve(b * 2 * d)
        let x2 = transformedInput.pointer, sc = scale.pointer
        for e in 0..<(b * d) {
            let dz2 = dz[b * k + e], scale = sc[e], sig = scale - 0.5
            dx[b * k + e] = dz2 * scale
            dOut[e] = (dz2 * x2[e] + g[e % b] / scale) * sig * (1 - sig)
            dOut[b * d + e] = dz2
        }
        let dIn = inputGradient.reserve(b * (k + c))
        network.backward(outputGradient: dOut, inputGradient: dIn)
        for e in 0..<(b * k) { dx[e] = dz[e] + dIn[e] }
        for e in 0..<(b * c) { du[e] += dIn[b * k + e] }
    }
}
