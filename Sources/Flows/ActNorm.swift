import Foundation
import Numerics

/// Activation normalisation (Kingma & Dhariwal 2018): a per-coordinate affine map
///
///     z_j = (x_j − shift_j) · e^{−logScale_j},   log|det J| = −Σ_j logScale_j,
///
/// initialised from data: the first batch `forward` sees sets `shift` to its column means and
/// `logScale` to the log of its column standard deviations (divisor b, floored at 1e-6), so
/// that batch leaves the layer standardised. Loaded models are already initialised.
public final class ActNorm<Scalar: FlowScalar>: Bijection {
    public let dimension: Int
    /// Per-coordinate shift.
    public let shift: Parameter<Scalar>
    /// Per-coordinate log scale.
    public let logScale: Parameter<Scalar>
    /// Whether the data-dependent initialisation has happened.
    public var isInitialized: Bool

    private let cache = ScratchBuffer<Scalar>()   // z of the last forward
    private var rows = 0

    /// An uninitialised ActNorm on R^p (identity until its first forward).
    public init(dimension p: Int) {
        dimension = p
        shift = Parameter(name: "shift", value: [Scalar](repeating: 0, count: p))
        logScale = Parameter(name: "logScale", value: [Scalar](repeating: 0, count: p))
        isInitialized = false
    }

    public var parameters: [Parameter<Scalar>] { [shift, logScale] }

    /// Sets shift and log-scale from the column moments of a batch.
    private func initialize(from x: UnsafePointer<Scalar>, count b: Int) {
        for j in 0..<dimension {
            var mean = 0.0, sq = 0.0
            for i in 0..<b { mean += Double(x[i + j * b]) }
            mean /= Double(b)
            for i in 0..<b { let r = Double(x[i + j * b]) - mean; sq += r * r }
            let sd = max((sq / Double(b)).squareRoot(), 1e-6)
            shift.value[j] = Scalar(mean)
            logScale.value[j] = Scalar(Foundation.log(sd))
        }
        isInitialized = true
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        if !isInitialized { initialize(from: x, count: b) }
        rows = b
        let zc = cache.reserve(b * dimension)
        var total: Scalar = 0
        for j in 0..<dimension {
            let m = shift.value[j], s = logScale.value[j]
            let f = Scalar.exp(-s)
            total += s
            for i in 0..<b {
                let v = (x[i + j * b] - m) * f
                z[i + j * b] = v
                zc[i + j * b] = v
            }
        }
        for i in 0..<b { logDet[i] -= total }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inverse(_ z: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>, count b: Int) {
        for j in 0..<dimension {
            let m = shift.value[j], f = Scalar.exp(logScale.value[j])
            for i in 0..<b { x[i + j * b] = z[i + j * b] * f + m }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, count b: Int) {
        precondition(b == rows, "backward: batch of \(b) rows after a forward of \(rows)")
        var gSum: Scalar = 0
        for i in 0..<b { gSum += g[i] }
        let zc = cache.pointer
        for j in 0..<dimension {
            let f = Scalar.exp(-logScale.value[j])
            var dShift: Scalar = 0, dLog: Scalar = 0
            for i in 0..<b {
                let d = dz[i + j * b]
                dx[i + j * b] = d * f
                dShift -= d * f
                dLog -= d * zc[i + j * b]
            }
            shift.gradient[j] += dShift
            logScale.gradient[j] += dLog - gSum
        }
    }
}
