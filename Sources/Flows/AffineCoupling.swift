import Numerics

/// Affine coupling (method.md §5): the first `conditioning` coordinates pass through unchanged
/// and drive an MLP whose outputs are a raw scale s and a shift t for the other coordinates,
///
///     z1 = x1,   z2 = (sigmoid(s) + 0.5) · x2 + t,   (s, t) = MLP(x1),
///     log|det J| = Σ_j log(sigmoid(s_j) + 0.5).
///
/// The scale stays in (0.5, 1.5) and is 1 at s = 0, so with the MLP's zero-initialised output
/// layer the coupling starts as the identity. `conditioning = ⌈p/2⌉`; for p = 1 nothing can
/// condition, so the single coordinate gets a learned constant scale and shift (an MLP with no
/// inputs is just its output bias).
public final class AffineCoupling<Scalar: FlowScalar>: Bijection {
    public let dimension: Int
    /// Number of leading coordinates that pass through and condition the rest.
    public let conditioning: Int
    /// The conditioner: `conditioning → hidden… → 2 · (p − conditioning)`, outputs s then t.
    public let network: MLP<Scalar>

    private let cache = ScratchBuffer<Scalar>()        // the batch x (b × p)
    private let scale = ScratchBuffer<Scalar>()        // sigmoid(s) + 0.5
    private let networkGradient = ScratchBuffer<Scalar>()
    private var rows = 0

    /// A coupling on R^p with the given hidden widths (the paper: `[128, 128]`).
    public init(dimension p: Int, hidden: [Int] = [128, 128], generator: inout SeededGenerator) {
        precondition(p >= 1, "AffineCoupling needs dimension >= 1")
        dimension = p
        conditioning = p == 1 ? 0 : (p + 1) / 2
        network = MLP(widths: [conditioning] + hidden + [2 * (p - conditioning)], generator: &generator)
    }

    public var parameters: [Parameter<Scalar>] { network.parameters }

    private var transformed: Int { dimension - conditioning }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        rows = b
        let xc = cache.reserve(b * dimension)
        xc.update(from: x, count: b * dimension)
        z.update(from: x, count: b * conditioning)
        let out = network.forward(xc, count: b)
        let sc = scale.reserve(b * transformed)
        let d = transformed
        for j in 0..<d {
            let s = out + j * b, t = out + (d + j) * b
            let x2 = xc + (conditioning + j) * b, z2 = z + (conditioning + j) * b, scj = sc + j * b
            for i in 0..<b {
                let c = Scalar.sigmoid(s[i]) + 0.5
                scj[i] = c
                z2[i] = c * x2[i] + t[i]
                logDet[i] += Scalar.log(c)
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inverse(_ z: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>, count b: Int) {
        x.update(from: z, count: b * conditioning)
        let out = network.forward(z, count: b)
        let d = transformed
        for j in 0..<d {
            let s = out + j * b, t = out + (d + j) * b
            let x2 = x + (conditioning + j) * b, z2 = z + (conditioning + j) * b
            for i in 0..<b {
                x2[i] = (z2[i] - t[i]) / (Scalar.sigmoid(s[i]) + 0.5)
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, count b: Int) {
        precondition(b == rows, "backward: batch of \(b) rows after a forward of \(rows)")
        let d = transformed
        let dOut = networkGradient.reserve(b * 2 * d)
        let xc = cache.pointer, sc = scale.pointer
        for j in 0..<d {
            let col = (conditioning + j) * b
            let scj = sc + j * b, ds = dOut + j * b, dt = dOut + (d + j) * b
            for i in 0..<b {
                let dz2 = dz[col + i], c = scj[i]
                dx[col + i] = dz2 * c
                let dScale = dz2 * xc[col + i] + g[i] / c
                let sig = c - 0.5
                ds[i] = dScale * sig * (1 - sig)
                dt[i] = dz2
            }
        }
        network.backward(outputGradient: dOut, inputGradient: dx)
        for i in 0..<(b * conditioning) { dx[i] += dz[i] }
    }
}
