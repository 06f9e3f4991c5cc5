import Numerics

/// An invertible map of R^p with a tractable Jacobian, applied to a batch of rows at once.
///
/// Batches are column-major `b × p` blocks (leading dimension `b`): row i is individual i,
/// column j is coordinate j, so a coordinate is a contiguous run of `b` scalars and a coupling
/// layer hands its conditioning columns to BLAS without copying. The direction convention is
/// the paper's: `forward` maps data to latent, `u = f(x)`.
///
/// Contract for training: `forward` caches what `backward` needs (each layer owns its buffers,
/// reused from call to call), and `backward` must follow the `forward` of the same batch.
/// `backward` *accumulates* into each `Parameter.gradient`, so callers zero the gradients
/// before a step. Pointers passed in must not alias each other.
public protocol Bijection<Scalar>: AnyObject {
    /// The scalar type (`Float` for training, `Double` for gradient checks).
    associatedtype Scalar: FlowScalar

    /// The dimension p of the space the map acts on.
    var dimension: Int { get }

    /// The trainable tensors, in a fixed order (the order of model files and optimizer state).
    var parameters: [Parameter<Scalar>] { get }

    /// `z = f(x)` for `count` rows; adds log|det J_f(x_i)| to `logDet[i]`.
    func forward(_ x: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                 logDet: UnsafeMutablePointer<Scalar>, count: Int)

    /// `x = f⁻¹(z)` for `count` rows.
    func inverse(_ z: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>, count: Int)

    /// Back-propagates through the last `forward`.
    ///
    /// - Parameters:
    ///   - outputGradient: dL/dz (`count × p`).
    ///   - logDetGradient: dL/d(log|det J(x_i)|) per row (`count`).
    ///   - inputGradient: receives dL/dx (`count × p`), overwritten.
    func backward(outputGradient: UnsafePointer<Scalar>, logDetGradient: UnsafePointer<Scalar>,
                  inputGradient: UnsafeMutablePointer<Scalar>, count: Int)
}

extension Bijection {
    /// Latent rows `U = f(X)` and the per-row log|det J_f| for a whole matrix (`n × p`).
    public func forward(_ x: Matrix<Scalar>) -> (latent: Matrix<Scalar>, logDet: [Scalar]) {
        precondition(x.columns == dimension, "forward: \(x.columns) columns, the flow has dimension \(dimension)")
        var z = Matrix<Scalar>(rows: x.rows, columns: x.columns)
        var logDet = [Scalar](repeating: 0, count: x.rows)
        if x.rows == 0 { return (z, logDet) }
        x.storage.withUnsafeBufferPointer { px in
            z.storage.withUnsafeMutableBufferPointer { pz in
                logDet.withUnsafeMutableBufferPointer { pl in
                    forward(px.baseAddress!, into: pz.baseAddress!, logDet: pl.baseAddress!, count: x.rows)
                }
            }
        }
        return (z, logDet)
    }

    /// Data rows `X = f⁻¹(U)` for a whole matrix (`n × p`).
    public func inverse(_ z: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(z.columns == dimension, "inverse: \(z.columns) columns, the flow has dimension \(dimension)")
        var x = Matrix<Scalar>(rows: z.rows, columns: z.columns)
        if z.rows == 0 { return x }
        z.storage.withUnsafeBufferPointer { pz in
            x.storage.withUnsafeMutableBufferPointer { px in
                inverse(pz.baseAddress!, into: px.baseAddress!, count: z.rows)
            }
        }
        return x
    }

    /// dL/dx for a whole matrix, after `forward` of the same matrix; parameter gradients accumulate.
    public func backward(outputGradient: Matrix<Scalar>, logDetGradient: [Scalar]) -> Matrix<Scalar> {
        precondition(outputGradient.columns == dimension && logDetGradient.count == outputGradient.rows,
                     "backward: gradient shapes do not match the batch")
        var dx = Matrix<Scalar>(rows: outputGradient.rows, columns: dimension)
        if outputGradient.rows == 0 { return dx }
        outputGradient.storage.withUnsafeBufferPointer { pg in
            logDetGradient.withUnsafeBufferPointer { pl in
                dx.storage.withUnsafeMutableBufferPointer { pd in
                    backward(outputGradient: pg.baseAddress!, logDetGradient: pl.baseAddress!,
                             inputGradient: pd.baseAddress!, count: outputGradient.rows)
                }
            }
        }
        return dx
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Zeroes every parameter gradient.
    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }
}
