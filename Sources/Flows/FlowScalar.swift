import Foundation
import Numerics

/// A BLAS scalar with the elementary functions the flow layers need.
///
/// The flows are generic so that the same code trains in `Float` (fast, the default) and is
/// checked against finite differences in `Double` (the gradient tests).
public protocol FlowScalar: LinearAlgebraScalar & Codable {
    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// log(1 + x), accurate for small x.
    static func log1p(_ x: Self) -> Self
}

extension Float: FlowScalar {
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
}

extension Double: FlowScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
}

extension FlowScalar {
    /// The logistic function 1 / (1 + e^{-x}), without overflow for large |x|.
    @inlinable static func sigmoid(_ x: Self) -> Self {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// log(1 + e^x) without overflow.
    @inlinable static func softplus(_ x: Self) -> Self {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }
}
