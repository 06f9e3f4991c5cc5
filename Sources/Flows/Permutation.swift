import Numerics

/// A fixed permutation of the coordinates: `z_j = x_{σ(j)}`; log|det J| = 0.
///
/// Between couplings it changes which coordinates condition which. Drawn once from a seeded
/// generator and stored in model files.
public final class Permutation<Scalar: FlowScalar>: Bijection {
    public let dimension: Int
    /// Output coordinate j takes input coordinate `order[j]`.
    public let order: [Int]
    private let inverseOrder: [Int]

    /// The permutation `order` (a rearrangement of 0..<p).
    public init(order: [Int]) {
        precondition(order.sorted() == Array(0..<order.count), "Permutation: \(order) is not a permutation")
        dimension = order.count
        self.order = order
        var inv = [Int](repeating: 0, count: order.count)
        for (j, k) in order.enumerated() { inv[k] = j }
        inverseOrder = inv
    }

    /// A uniformly random permutation of 0..<p.
    public convenience init(dimension p: Int, generator: inout SeededGenerator) {
        self.init(order: generator.permutation(p))
    }

    public var parameters: [Parameter<Scalar>] { [] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>,
                        logDet: UnsafeMutablePointer<Scalar>, count b: Int) {
        for (j, k) in order.enumerated() { (z + j * b).update(from: x + k * b, count: b) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inverse(_ z: UnsafePointer<Scalar>, into x: UnsafeMutablePointer<Scalar>, count b: Int) {
        for (j, k) in inverseOrder.enumerated() { (x + j * b).update(from: z + k * b, count: b) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(outputGradient dz: UnsafePointer<Scalar>, logDetGradient: UnsafePointer<Scalar>,
                         inputGradient dx: UnsafeMutablePointer<Scalar>, count b: Int) {
        for (j, k) in order.enumerated() { (dx + k * b).update(from: dz + j * b, count: b) }
    }
}
