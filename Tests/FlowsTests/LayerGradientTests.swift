import Flows
import Numerics
import XCTest

/// Hand-written backward passes against central finite differences (Double, relative error < 1e-5).
final class LayerGradientTests: XCTestCase {
    func testAffineCouplingGradients() {
        for p in [1, 2, 3, 5] {
            var g = SeededGenerator(seed: 11)
            let layer = AffineCoupling<Double>(dimension: p, hidden: [7, 5], generator: &g)
            GradientCheck.randomize(layer, scale: 0.5, seed: 12)
            GradientCheck.check(layer, at: GradientCheck.normalMatrix(rows: 6, columns: p, seed: 13), seed: 14)
        }
    }

    func testSplineCouplingGradients() {
        for p in [1, 2, 3, 4] {
            var g = SeededGenerator(seed: 31)
            let layer = SplineCoupling<Double>(dimension: p, bins: 5, bound: 2.5, hidden: [6], generator: &g)
            GradientCheck.randomize(layer, scale: 0.5, seed: 32)
            // sd 2: some inputs fall in the identity tails beyond ±2.5.
            GradientCheck.check(layer, at: GradientCheck.normalMatrix(rows: 8, columns: p, sd: 2, seed: 33), seed: 34)
        }
    }

    func testFourLayerSplineFlowGradients() {
        var g = SeededGenerator(seed: 41)
        let flow: Flow<Double> = FlowArchitecture(coupling: .spline, dimension: 3, layers: 4, hidden: [8, 8],
                                                  bins: 6, bound: 3).build(generator: &g)
        _ = flow.forward(GradientCheck.normalMatrix(rows: 16, columns: 3, seed: 42))
        GradientCheck.randomize(flow, scale: 0.3, seed: 43)
        GradientCheck.check(flow, at: GradientCheck.normalMatrix(rows: 5, columns: 3, seed: 44), seed: 45)
    }

    func testActNormGradients() {
        let layer = ActNorm<Double>(dimension: 3)
        _ = layer.forward(GradientCheck.normalMatrix(rows: 9, columns: 3, seed: 1))
        XCTAssertTrue(layer.isInitialized)
        GradientCheck.randomize(layer, scale: 0.7, seed: 2)
        GradientCheck.check(layer, at: GradientCheck.normalMatrix(rows: 5, columns: 3, seed: 3), seed: 4)
    }

    func testPermutationGradients() {
        let layer = Permutation<Double>(order: [2, 0, 3, 1])
        GradientCheck.check(layer, at: GradientCheck.normalMatrix(rows: 4, columns: 4, seed: 5), seed: 6)
    }

    func testFourLayerAffineFlowGradients() {
        var g = SeededGenerator(seed: 21)
        let flow: Flow<Double> = FlowArchitecture(dimension: 3, layers: 4, hidden: [8, 8]).build(generator: &g)
        _ = flow.forward(GradientCheck.normalMatrix(rows: 16, columns: 3, seed: 22))   // ActNorm initialisation
        GradientCheck.randomize(flow, scale: 0.3, seed: 23)
        GradientCheck.check(flow, at: GradientCheck.normalMatrix(rows: 5, columns: 3, seed: 24), seed: 25)
    }

    func testActNormInitialisesFromFirstBatch() {
        let layer = ActNorm<Double>(dimension: 2)
        var x = GradientCheck.normalMatrix(rows: 50, columns: 2, seed: 7)
        for i in 0..<50 { x[i, 0] = 3 + 2 * x[i, 0]; x[i, 1] = -1 + 0.5 * x[i, 1] }
        let (z, logDet) = layer.forward(x)
        for j in 0..<2 {
            let col = z.column(j)
            let mean = col.reduce(0, +) / 50
            let variance = col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 50
            XCTAssertEqual(mean, 0, accuracy: 1e-12)
            XCTAssertEqual(variance, 1, accuracy: 1e-12)
        }
        XCTAssertEqual(logDet[0], -(layer.logScale.value[0] + layer.logScale.value[1]), accuracy: 1e-15)
    }
}
