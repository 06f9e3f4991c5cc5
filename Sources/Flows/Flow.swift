import Numerics

/// A composition of bijections, applied in order: `f = f_L ∘ … ∘ f_1` (data → latent), so
/// log|det J_f| is the sum of the layers' log-determinants and `inverse` runs the layers backwards.
///
/// Intermediate batches live in two ping-pong buffers owned by the flow (each layer caches its
/// own input for `backward`), so passes allocate nothing once the batch size has been seen.
public final class Flow<Scalar: FlowScalar>: Bijection {
    public let dimension: Int
    /// The layers, first applied first.
    public let layers: [any Bijection<Scalar>]

    private let values = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]
    private let gradients = [ScratchBuffer<Scalar>(), ScratchBuffer<Scalar>()]

    /// The composition of `layers`, which must all act on the same dimension.
    public init(dimension: Int, layers: [any Bijection<Scalar>]) {
        precondition(layers.allSatisfy { $0.dimension == dimension }, "Flow: layers of different dimensions")
        self.dimension = dimension
        self.layers = layers
    }

    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        let n = b * dimension
        if layers.isEmpty { z.update(from: x, count: n); return }
        var input = x
        for (k, layer) in layers.enumerated() {
            let output = k == layers.count - 1 ? z : values[k % 2].reserve(n)
            layer.forward(input, into: output, logDet: logDet, count: b)
            input = UnsafePointer(output)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inverse(_ z: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>, count b: Int) {
        let n = b * dimension
        if layers.isEmpty { x.update(from: z, count: n); return }
        var input = z
        for (step, layer) in layers.reversed().enumerated() {
            let output = step == layers.count - 1 ? x : values[step % 2].reserve(n)
            layer.inverse(input, into: output, count: b)
            input = UnsafePointer(output)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient g: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, count b: Int) {
        let n = b * dimension
        if layers.isEmpty { dx.update(from: dz, count: n); return }
        var upstream = dz
        for k in stride(from: layers.count - 1, through: 0, by: -1) {
            let downstream = k == 0 ? dx : gradients[k % 2].reserve(n)
            layers[k].backward(outputGradient: upstream, logDetGradient: g, inputGradient: downstream, count: b)
            upstream = UnsafePointer(downstream)
        }
    }
}
