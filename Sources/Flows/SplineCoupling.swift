import Numerics

/// Rational-quadratic spline coupling (Durkan et al. 2019): the first `conditioning`
/// coordinates pass through and drive an MLP whose outputs parametrise, per remaining
/// coordinate, a monotone spline with K bins on [−B, B] and identity tails
/// (see `RationalQuadraticSpline` for the parametrisation):
///
///     z1 = x1,   z2_j = g(x2_j; θ_j(x1)),   log|det J| = Σ_j log g'(x2_j).
///
/// The MLP's zero-initialised output layer makes every spline the identity at the start.
/// `conditioning = ⌈p/2⌉` (for p = 1, none: the spline's parameters are then learned constants).
public final class SplineCoupling<Scalar: FlowScalar>: Bijection {
    public let dimension: Int
    /// Number of leading coordinates that pass through and condition the rest.
    public let conditioning: Int
    /// Number of bins K.
    public let bins: Int
    /// Tail bound B.
    public let bound: Double
    /// The conditioner: `conditioning → hidden… → (p − conditioning)(3K − 1)`.
    public let network: MLP<Scalar>

    private let spline: RationalQuadraticSpline<Scalar>
    private let cache = ScratchBuffer<Scalar>()
    private let work = ScratchBuffer<Scalar>()
    private let networkGradient = ScratchBuffer<Scalar>()
    private var output: UnsafeMutablePointer<Scalar>?
    private var rows = 0

    /// A spline coupling on R^p with K bins, tail bound B and the given hidden widths.
    public init(dimension p: Int, bins: Int = 16, bound: Double = 4, hidden: [Int] = [64, 64],
                generator: inout SeededGenerator) {
        precondition(p >= 1 && bins >= 2 && bound > 0, "SplineCoupling: bad shape")
        dimension = p
        conditioning = p == 1 ? 0 : (p + 1) / 2
        self.bins = bins
        self.bound = bound
        spline = RationalQuadraticSpline(bins: bins, bound: Scalar(bound))
        network = MLP(widths: [conditioning] + hidden + [(p - conditioning) * (3 * bins - 1)], generator: &generator)
        work.reserve(spline.workCount + 2 * bins + 2)
    }

    public var parameters: [Parameter<Scalar>] { network.parameters }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        rows = b
        let xc = cache.reserve(b * dimension)
        xc.update(from: x, count: b * dimension)
        z.update(from: x, count: b * conditioning)
        let out = network.forward(xc, count: b)
        output = out
        let w = work.pointer, per = spline.parameterCount
        for j in 0..<(dimension - conditioning) {
            let col = (conditioning + j) * b
            for i in 0..<b {
                spline.knots(out + j * per * b + i, stride: b, work: w)
                let (y, l) = spline.forward(xc[col + i], work: w)
                z[col + i] = y
                logDet[i] += l
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inverse(_ z: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>, count b: Int) {
        x.update(from: z, count: b * conditioning)
        let out = network.forward(z, count: b)
        let w = work.pointer, per = spline.parameterCount
        for j in 0..<(dimension - conditioning) {
            let col = (conditioning + j) * b
            for i in 0..<b {
                spline.knots(out + j * per * b + i, stride: b, work: w)
                x[col + i] = spline.inverse(z[col + i], work: w)
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, count b: Int) {
        precondition(b == rows, "backward: batch of \(b) rows after a forward of \(rows)")
        let per = spline.parameterCount, d = dimension - conditioning
        let dOut = networkGradient.reserve(b * d * per)
        let out = output!, xc = cache.pointer, w = work.pointer, scratch = w + spline.workCount
        for j in 0..<d {
            let col = (conditioning + j) * b
            for i in 0..<b {
                spline.knots(out + j * per * b + i, stride: b, work: w)
                dx[col + i] = spline.backward(xc[col + i], dy: dz[col + i], dLog: g[i], work: w,
                                              rawGradient: dOut + j * per * b + i, stride: b, scratch: scratch)
            }
        }
        network.backward(outputGradient: dOut, inputGradient: dx)
        for i in 0..<(b * conditioning) { dx[i] += dz[i] }
    }
}
