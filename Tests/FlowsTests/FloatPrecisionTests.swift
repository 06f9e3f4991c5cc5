import Flows
import Numerics
import XCTest

/// Training runs in Float: its gradients (fast vectorised exponential in Swish, Float BLAS)
/// must agree with the Double gradients, which the finite-difference tests verify.
final class FloatPrecisionTests: XCTestCase {
    func compare(_ coupling: FlowArchitecture.Coupling, tolerance: Double) {
        let arch = FlowArchitecture(coupling: coupling, dimension: 4, layers: 4, hidden: [32, 32], bins: 8, bound: 3)
        var g1 = SeededGenerator(seed: 77), g2 = SeededGenerator(seed: 77)
        let exact: Flow<Double> = arch.build(generator: &g1)
        let fast: Flow<Float> = arch.build(generator: &g2)
        let x = GradientCheck.normalMatrix(rows: 256, columns: 4, sd: 1.5, seed: 78)
        _ = exact.forward(x)
        GradientCheck.randomize(exact, scale: 0.2, seed: 79)
        for (a, b) in zip(exact.parameters, fast.parameters) { b.value = a.value.map(Float.init) }
        for layer in fast.layers { (layer as? ActNorm<Float>)?.isInitialized = true }
        var w = Matrix<Double>(rows: 256, columns: 4)
        var gen = SeededGenerator(seed: 80)
        for i in w.storage.indices { w.storage[i] = gen.normal() / 256 }
        let v = [Double](repeating: -1.0 / 256, count: 256)

        exact.zeroGradients(); fast.zeroGradients()
        let (z64, l64) = exact.forward(x)
        let (z32, l32) = fast.forward(Matrix<Float>(x))
        let dx64 = exact.backward(outputGradient: w, logDetGradient: v)
        let dx32 = fast.backward(outputGradient: Matrix<Float>(w), logDetGradient: v.map(Float.init))
        XCTAssertLessThan(GradientCheck.relativeError(z32.storage.map(Double.init), z64.storage), tolerance)
        XCTAssertLessThan(GradientCheck.relativeError(l32.map(Double.init), l64), tolerance)
        XCTAssertLessThan(GradientCheck.relativeError(dx32.storage.map(Double.init), dx64.storage), tolerance)
        for (a, b) in zip(exact.parameters, fast.parameters) {
            XCTAssertLessThan(GradientCheck.relativeError(b.gradient.map(Double.init), a.gradient), tolerance,
                              "\(coupling) \(a.name)")
        }
    }

    func testFloatAffineGradientsMatchDouble() { compare(.affine, tolerance: 1e-4) }

    func testFloatSplineGradientsMatchDouble() { compare(.spline, tolerance: 1e-4) }
}
