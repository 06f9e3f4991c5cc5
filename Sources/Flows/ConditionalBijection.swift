import Numerics

/// An invertible map `z = G(x; u)` of R^p indexed by a conditioning vector u ∈ R^c, applied to a
/// batch of rows at once: the building block of localised generative flows (Cornish et al. 2019),
/// where each u selects one bijection out of a continuous family.
///
/// Same conventions as `Bijection` (column-major `b × p` batches, `forward` is data → latent and
/// caches what `backward` needs, `backward` accumulates parameter gradients). The condition is a
/// `b × c` block, row i conditioning row i of the batch. `backward` overwrites `inputGradient`
/// and *adds* dL/du into `conditionGradient`, since u usually feeds several layers.
public protocol ConditionalBijection<Scalar>: AnyObject {
    /// The scalar type.
    associatedtype Scalar: FlowScalar

    /// The dimension p of the space the map acts on.
    var dimension: Int { get }
    /// The dimension c of the conditioning vector u.
    var conditionDimension: Int { get }
    /// The trainable tensors, in a fixed order.
    var parameters: [Parameter<Scalar>] { get }

    /// `z = G(x; u)` for `count` rows; adds log|det ∂G/∂x| to `logDet[i]`.
    func forward(_ x: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                 logDet: UnsafeMutablePointer<Scalar>, count: Int)

    /// `x = G⁻¹(z; u)` for `count` rows.
    func inverse(_ z: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>,
                 count: Int)

    /// Back-propagates through the last `forward`: writes dL/dx, adds dL/du to `conditionGradient`.
    func backward(outputGradient: UnsafePointer<Scalar>, logDetGradient: UnsafePointer<Scalar>,
                  inputGradient: UnsafeMutablePointer<Scalar>, conditionGradient: UnsafeMutablePointer<Scalar>,
                  count: Int)
}

extension ConditionalBijection {
    /// `Z = G(X; U)` and the per-row log-determinants for whole matrices (`n × p`, `n × c`).
    public func forward(_ x: Matrix<Scalar>, condition u: Matrix<Scalar>) -> (latent: Matrix<Scalar>, logDet: [Scalar]) {
        precondition(x.columns == dimension && u.columns == conditionDimension && u.rows == x.rows,
                     "forward: shapes do not match the conditional bijection")
        var z = Matrix<Scalar>(rows: x.rows, columns: dimension)
        var logDet = [Scalar](repeating: 0, count: x.rows)
        if x.rows == 0 { return (z, logDet) }
        x.storage.withUnsafeBufferPointer { px in
            u.storage.withUnsafeBufferPointer { pu in
                z.storage.withUnsafeMutableBufferPointer { pz in
                    logDet.withUnsafeMutableBufferPointer { pl in
                        forward(px.baseAddress!, condition: pu.baseAddress!, into: pz.baseAddress!,
                                logDet: pl.baseAddress!, count: x.rows)
                    }
                }
            }
        }
        return (z, logDet)
    }

    /// `X = G⁻¹(Z; U)` for whole matrices.
    public func inverse(_ z: Matrix<Scalar>, condition u: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(z.columns == dimension && u.columns == conditionDimension && u.rows == z.rows,
                     "inverse: shapes do not match the conditional bijection")
        var x = Matrix<Scalar>(rows: z.rows, columns: dimension)
        if z.rows == 0 { return x }
        z.storage.withUnsafeBufferPointer { pz in
            u.storage.withUnsafeBufferPointer { pu in
                x.storage.withUnsafeMutableBufferPointer { px in
                    inverse(pz.baseAddress!, condition: pu.baseAddress!, into: px.baseAddress!, count: z.rows)
                }
            }
        }
        return x
    }

    /// (dL/dx, dL/du) for whole matrices after `forward` of the same batch.
    public func backward(outputGradient: Matrix<Scalar>, logDetGradient: [Scalar])
        -> (input: Matrix<Scalar>, condition: Matrix<Scalar>)
    {
        let b = outputGradient.rows
        precondition(outputGradient.columns == dimension && logDetGradient.count == b, "backward: gradient shapes")
        var dx = Matrix<Scalar>(rows: b, columns: dimension)
        var du = Matrix<Scalar>(rows: b, columns: conditionDimension)
        if b == 0 { return (dx, du) }
        outputGradient.storage.withUnsafeBufferPointer { pg in
            logDetGradient.withUnsafeBufferPointer { pl in
                dx.storage.withUnsafeMutableBufferPointer { pd in
                    du.storage.withUnsafeMutableBufferPointer { pu in
                        backward(outputGradient: pg.baseAddress!, logDetGradient: pl.baseAddress!,
                                 inputGradient: pd.baseAddress!, conditionGradient: pu.baseAddress!, count: b)
                    }
                }
            }
        }
        return (dx, du)
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// A plain `Bijection` used where a conditional one is expected: it ignores u (no dL/du).
/// Lets permutations and ActNorm sit between conditional couplings.
public final class Unconditioned<Scalar: FlowScalar>: ConditionalBijection {
    /// The wrapped bijection.
    public let base: any Bijection<Scalar>
    public let conditionDimension: Int

    /// `base`, accepting (and ignoring) a condition of dimension `conditionDimension`.
    public init(_ base: any Bijection<Scalar>, conditionDimension: Int) {
        self.base = base
        self.conditionDimension = conditionDimension
    }

    public var dimension: Int { base.dimension }
    public var parameters: [Parameter<Scalar>] { base.parameters }

    public func forward(_ x: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        base.forward(x, into: z, logDet: logDet, count: b)
    }

    public func inverse(_ z: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>,
                        count b: Int) {
        base.inverse(z, into: x, count: b)
    }

    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, conditionGradient: UnsafeMutablePointer<Scalar>,
                         count b: Int) {
        base.backward(outputGradient: dz, logDetGradient: g, inputGradient: dx, count: b)
    }
}

/// A composition of conditional bijections sharing one condition u: `G = G_K ∘ … ∘ G_1`
/// (data → latent), log-determinants summed, dL/du summed over the layers.
public final class ConditionalFlow<Scalar: FlowScalar>: ConditionalBijection {
    public let dimension: Int
    public let conditionDimension: Int
    /// The layers, first applied first.
    public let layers: [any ConditionalBijection<Scalar>]

    private let values = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]
    private let gradients = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]

    /// The composition of `layers` (same dimension and condition dimension, at least one layer).
    public init(layers: [any ConditionalBijection<Scalar>]) {
        precondition(!layers.isEmpty, "ConditionalFlow needs at least one layer")
        let (d, c) = (layers[0].dimension, layers[0].conditionDimension)
        precondition(layers.allSatisfy { $0.dimension == d && $0.conditionDimension == c },
                     "ConditionalFlow: layers of different shapes")
        dimension = d
        conditionDimension = c
        self.layers = layers
    }

    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    public func forward(_ x: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        var input = x
        for (k, layer) in layers.enumerated() {
            let output = k == layers.count - 1 ? z : values[k % 2].reserve(b * dimension)
            layer.forward(input, condition: u, into: output, logDet: logDet, count: b)
            input = UnsafePointer(output)
        }
    }

    public func inverse(_ z: UnsafePointer<Scalar>, condition u: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>,
                        count b: Int) {
        var input = z
        for (step, layer) in layers.reversed().enumerated() {
            let output = step == layers.count - 1 ? x : values[step % 2].reserve(b * dimension)
            layer.inverse(input, condition: u, into: output, count: b)
            input = UnsafePointer(output)
        }
    }

    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, conditionGradient du: UnsafeMutablePointer<Scalar>,
                         count b: Int) {
        var upstream = dz
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            let downstream = k == 0 ? dx : gradients[k % 2].reserve(b * dimension)
            layers[k].backward(outputGradient: upstream, logDetGradient: g, inputGradient: downstream,
                               conditionGradient: du, count: b)
            upstream = UnsafePointer(downstream)
        }
    }
}
