import Flows
import Numerics
import XCTest

/// Hand-written backward passes of the conditional bijections, localised and marginalizing flows
/// against central finite differences (Double, norm-wise relative error < 1e-5).
final class ConditionalGradientTests: XCTestCase {
    /// Central differences of `loss` with respect to every entry of `values`, which `set` installs
    /// (the original values are restored afterwards).
    static func numericGradient(_ values: [Double], h: Double = 1e-6, set: ([Double]) -> Void,
                                _ loss: () -> Double) -> [Double] {
        var result = [Double](repeating: 0, count: values.count)
        var moved = values
        for i in values.indices {
            moved[i] = values[i] + h
            set(moved)
            let up = loss()
            moved[i] = values[i] - h
            set(moved)
            let down = loss()
            moved[i] = values[i]
            result[i] = (up - down) / (2 * h)
        }
        set(values)
        return result
    }

    static func randomize(_ parameters: [Parameter<Double>], scale: Double, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        for p in parameters { for i in 0..<p.count { p.value[i] = scale * g.normal() } }
    }

    /// L = Σ W∘G(x; u) + Σ v_i log|det|: checks dL/dx, dL/du and every parameter.
    func checkConditional(_ f: any ConditionalBijection<Double>, rows b: Int, seed: UInt64,
                          file: StaticString = #filePath, line: UInt = #line) {
        var x = GradientCheck.normalMatrix(rows: b, columns: f.dimension, seed: seed)
        var u = GradientCheck.normalMatrix(rows: b, columns: f.conditionDimension, seed: seed + 1)
        let w = GradientCheck.normalMatrix(rows: b, columns: f.dimension, seed: seed + 2)
        let v = GradientCheck.normalMatrix(rows: b, columns: 1, seed: seed + 3).storage
        func loss() -> Double {
            let (z, logDet) = f.forward(x, condition: u)
            var s = 0.0
            for i in z.storage.indices { s += w.storage[i] * z.storage[i] }
            for i in logDet.indices { s += v[i] * logDet[i] }
            return s
        }
        for p in f.parameters { p.zeroGradient() }
        _ = f.forward(x, condition: u)
        let (dx, du) = f.backward(outputGradient: w, logDetGradient: v)
        let nx = Self.numericGradient(x.storage, set: { x.storage = $0 }, loss)
        XCTAssertLessThan(GradientCheck.relativeError(dx.storage, nx), 1e-5, "input gradient", file: file, line: line)
        let nu = Self.numericGradient(u.storage, set: { u.storage = $0 }, loss)
        XCTAssertLessThan(GradientCheck.relativeError(du.storage, nu), 1e-5, "condition gradient", file: file, line: line)
        for p in f.parameters {
            let analytic = p.gradient
            let numeric = Self.numericGradient(p.value, set: { p.value = $0 }, loss)
            XCTAssertLessThan(GradientCheck.relativeError(analytic, numeric), 1e-5, "gradient of \(p.name)",
                              file: file, line: line)
        }
    }

    func testConditionalAffineCouplingGradients() {
        for (p, c) in [(1, 2), (2, 1), (3, 2), (4, 3)] {
            var g = SeededGenerator(seed: 51)
            let layer = ConditionalAffineCoupling<Double>(dimension: p, conditionDimension: c, hidden: [6, 5], generator: &g)
            Self.randomize(layer.parameters, scale: 0.5, seed: 52)
            checkConditional(layer, rows: 6, seed: 53)
        }
    }

    /// The u-indexed elementwise affine map: gradients, inverse, and log|det| = Σ s(u).
    func testConditionalShiftScale() {
        for (p, c) in [(1, 1), (2, 2), (3, 1)] {
            var g = SeededGenerator(seed: 56)
            let layer = ConditionalShiftScale<Double>(dimension: p, conditionDimension: c, hidden: [5], generator: &g)
            Self.randomize(layer.parameters, scale: 0.5, seed: 57)
            checkConditional(layer, rows: 6, seed: 58)
            let x = GradientCheck.normalMatrix(rows: 7, columns: p, seed: 59)
            let u = GradientCheck.normalMatrix(rows: 7, columns: c, seed: 60)
            let (z, logDet) = layer.forward(x, condition: u)
            let back = layer.inverse(z, condition: u)
            for k in x.storage.indices { XCTAssertEqual(back.storage[k], x.storage[k], accuracy: 1e-12) }
            for i in 0..<7 {   // the map is diagonal: the log-determinant is Σ_j log(∂z_ij/∂x_ij), by differences
                var sum = 0.0
                for j in 0..<p {
                    var xp = x
                    xp[i, j] += 1e-6
                    sum += log((layer.forward(xp, condition: u).latent[i, j] - z[i, j]) / 1e-6)
                }
                XCTAssertEqual(logDet[i], sum, accuracy: 1e-5)
            }
        }
    }

    func testConditionalFlowGradients() {
        var g = SeededGenerator(seed: 61)
        var blocks: [any ConditionalBijection<Double>] = []
        for _ in 0..<3 {
            blocks.append(ConditionalAffineCoupling<Double>(dimension: 3, conditionDimension: 2, hidden: [7], generator: &g))
            blocks.append(Unconditioned(ActNorm<Double>(dimension: 3), conditionDimension: 2))
            blocks.append(Unconditioned(Permutation<Double>(dimension: 3, generator: &g), conditionDimension: 2))
        }
        let flow = ConditionalFlow(layers: blocks)
        _ = flow.forward(GradientCheck.normalMatrix(rows: 12, columns: 3, seed: 62),
                         condition: GradientCheck.normalMatrix(rows: 12, columns: 2, seed: 63))   // ActNorm init
        Self.randomize(flow.parameters, scale: 0.3, seed: 64)
        checkConditional(flow, rows: 5, seed: 65)
    }

    func testConditionalCouplingInverts() {
        var g = SeededGenerator(seed: 71)
        let layer = ConditionalAffineCoupling<Double>(dimension: 3, conditionDimension: 2, hidden: [8], generator: &g)
        Self.randomize(layer.parameters, scale: 0.5, seed: 72)
        let x = GradientCheck.normalMatrix(rows: 9, columns: 3, seed: 73)
        let u = GradientCheck.normalMatrix(rows: 9, columns: 2, seed: 74)
        let (z, _) = layer.forward(x, condition: u)
        let back = layer.inverse(z, condition: u)
        for k in x.storage.indices { XCTAssertEqual(back.storage[k], x.storage[k], accuracy: 1e-12) }
        // A different u gives a different map (the condition is really used).
        let other = layer.forward(x, condition: GradientCheck.normalMatrix(rows: 9, columns: 2, seed: 75)).latent
        XCTAssertGreaterThan(zip(other.storage, z.storage).map { abs($0 - $1) }.max()!, 1e-3)
    }

    /// The negative ELBO of a latent-variable model with fixed noise, against finite differences
    /// in every parameter and (for LGF) in the data.
    func checkModel<M: LatentVariableModel>(_ model: M, x: Matrix<Double>, noise: Matrix<Double>,
                                            inputGradient: (() -> Matrix<Double>)?,
                                            file: StaticString = #filePath, line: UInt = #line)
        where M.Scalar == Double
    {
        let objective = StandardNormalObjective<Double>()
        let rows = Array(0..<x.rows)
        var data = x
        model.zeroGradients()
        _ = model.negativeELBO(data, noise: noise, rows: rows, objective: objective)
        let analytic = model.parameters.map(\.gradient)
        let dx = inputGradient?()
        func loss() -> Double {
            model.negativeELBO(data, noise: noise, rows: rows, objective: objective)
        }
        for (p, a) in zip(model.parameters, analytic) {
            let numeric = Self.numericGradient(p.value, set: { p.value = $0 }, loss)
            XCTAssertLessThan(GradientCheck.relativeError(a, numeric), 1e-5, "gradient of \(p.name)", file: file, line: line)
        }
        if let dx {
            let numeric = Self.numericGradient(data.storage, set: { data.storage = $0 }, loss)
            XCTAssertLessThan(GradientCheck.relativeError(dx.storage, numeric), 1e-5, "data gradient", file: file, line: line)
        }
    }

    func testLocalisedFlowGradients() {
        var g = SeededGenerator(seed: 81)
        let model = LocalisedFlow<Double>(dimension: 2, layers: 2, latentDimension: 2, couplings: 2, hidden: [6],
                                          headHidden: [5], generator: &g)
        let x = GradientCheck.normalMatrix(rows: 6, columns: 2, seed: 82)
        _ = model.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 83),
                          noise: model.drawNoise(rows: 20, generator: &g))   // ActNorm init
        Self.randomize(model.parameters, scale: 0.3, seed: 84)
        checkModel(model, x: x, noise: model.drawNoise(rows: 6, generator: &g), inputGradient: { model.inputGradient() })
    }

    func testShiftScaleLocalisedFlowGradients() {
        var g = SeededGenerator(seed: 86)
        let model = LocalisedFlow<Double>(dimension: 2, layers: 2, latentDimension: 2, couplings: 2, hidden: [6],
                                          headHidden: [5], indexing: .shiftScale, generator: &g)
        _ = model.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 87), noise: model.drawNoise(rows: 20, generator: &g))
        Self.randomize(model.parameters, scale: 0.3, seed: 88)
        checkModel(model, x: GradientCheck.normalMatrix(rows: 6, columns: 2, seed: 89),
                   noise: model.drawNoise(rows: 6, generator: &g), inputGradient: { model.inputGradient() })
    }

    /// The LGF form of the benchmark (one coupling and one u-indexed affine map per layer, u ∈ R¹,
    /// two-layer heads) with the u side at its default, PyTorch-sized start.
    func testPerCouplingLocalisedFlowGradients() {
        var g = SeededGenerator(seed: 92)
        let model = LocalisedFlow<Double>(dimension: 2, layers: 3, latentDimension: 1, couplings: 1, hidden: [6],
                                          headHidden: [5, 4], indexing: .shiftScale, generator: &g)
        _ = model.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 93), noise: model.drawNoise(rows: 20, generator: &g))
        checkModel(model, x: GradientCheck.normalMatrix(rows: 6, columns: 2, seed: 94),
                   noise: model.drawNoise(rows: 6, generator: &g), inputGradient: { model.inputGradient() })
    }

    /// `headOutputScale` sets the output layers of p(u | z), q(u | x) and the u-indexed affine map
    /// to ±scale/√fan-in (and fills that range), and an LGF layer's default is 1 (PyTorch's bound).
    func testHeadOutputScale() {
        func uSide(_ layer: LocalisedLayer<Double>) -> [MLP<Double>] {
            [layer.prior.network, layer.posterior.network]
                + (layer.bijection as! ConditionalFlow<Double>).layers.compactMap { ($0 as? ConditionalShiftScale<Double>)?.network }
        }
        for scale in [0.1, 1.0] {
            var g = SeededGenerator(seed: 95)
            let layer = LocalisedLayer<Double>(dimension: 2, latentDimension: 1, couplings: 1, hidden: [6], headHidden: [10, 10],
                                               indexing: .shiftScale, headOutputScale: scale, generator: &g)
            let networks = uSide(layer)
            XCTAssertEqual(networks.count, 3)
            for network in networks {
                let largest = network.parameters.suffix(2).flatMap { $0.value }.map { abs($0) }.max()!
                XCTAssertLessThanOrEqual(largest, scale / 10.0.squareRoot())
                XCTAssertGreaterThan(largest, 0.7 * scale / 10.0.squareRoot())
            }
        }
        var a = SeededGenerator(seed: 96), b = a
        let byDefault = LocalisedLayer<Double>(dimension: 2, latentDimension: 1, couplings: 1, hidden: [6], headHidden: [10],
                                               indexing: .shiftScale, generator: &a)
        let explicit = LocalisedLayer<Double>(dimension: 2, latentDimension: 1, couplings: 1, hidden: [6], headHidden: [10],
                                              indexing: .shiftScale, headOutputScale: 1, generator: &b)
        for (p, q) in zip(byDefault.parameters, explicit.parameters) { XCTAssertEqual(p.value, q.value, p.name) }
    }

    func testMarginalizingFlowGradients() {
        var g = SeededGenerator(seed: 91)
        let model = MarginalizingFlow<Double>(architecture: FlowArchitecture(dimension: 4, layers: 3, hidden: [6]),
                                              auxiliary: 2, generator: &g)
        _ = model.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 92),
                          noise: model.drawNoise(rows: 20, generator: &g))
        Self.randomize(model.parameters, scale: 0.3, seed: 93)
        checkModel(model, x: GradientCheck.normalMatrix(rows: 6, columns: 2, seed: 94),
                   noise: model.drawNoise(rows: 6, generator: &g), inputGradient: nil)
    }

    /// With a learned proposal q(ε | x): the flow's and the proposal head's gradients (through
    /// ε = μ(x) + σ(x)η and the −log q term), for the ELBO and the importance-weighted bound.
    func testMarginalizingFlowWithProposalGradients() {
        var g = SeededGenerator(seed: 95)
        let model = MarginalizingFlow<Double>(architecture: FlowArchitecture(dimension: 4, layers: 3, hidden: [6]),
                                              auxiliary: 2, proposalHidden: [5], generator: &g)
        XCTAssertEqual(model.parameterCount, model.flow.parameters.reduce(0) { $0 + $1.count }
                           + model.proposal!.parameters.reduce(0) { $0 + $1.count })
        _ = model.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 96),
                          noise: model.drawNoise(rows: 20, generator: &g))
        Self.randomize(model.parameters, scale: 0.3, seed: 97)
        checkModel(model, x: GradientCheck.normalMatrix(rows: 6, columns: 2, seed: 98),
                   noise: model.drawNoise(rows: 6, generator: &g), inputGradient: nil)
        checkImportanceWeighted(model, x: GradientCheck.normalMatrix(rows: 5, columns: 2, seed: 99))
    }
    /// The importance-weighted bound with K = 3 draws per row (fixed draws: the same seed for every
    /// evaluation) against finite differences in every parameter, and K = 1 equal to the negative ELBO.
    func checkImportanceWeighted<M: LatentVariableModel>(_ model: M, x: Matrix<Double>, file: StaticString = #filePath,
                                                         line: UInt = #line) where M.Scalar == Double {
        func loss(_ k: Int) -> Double {
            var g = SeededGenerator(seed: 404)
            return model.negativeImportanceWeightedBound(x, samples: k, generator: &g)
        }
        model.zeroGradients()
        _ = loss(3)
        let analytic = model.parameters.map(\.gradient)
        for (p, a) in zip(model.parameters, analytic) {
            let numeric = Self.numericGradient(p.value, set: { p.value = $0 }, { loss(3) })
            XCTAssertLessThan(GradientCheck.relativeError(a, numeric), 1e-5, "gradient of \(p.name)", file: file, line: line)
        }
        var g = SeededGenerator(seed: 404)
        let elbo = model.negativeELBO(x, noise: model.drawNoise(rows: x.rows, generator: &g), rows: Array(0..<x.rows),
                                      objective: StandardNormalObjective())
        XCTAssertEqual(loss(1), elbo, accuracy: 1e-12, file: file, line: line)
    }

    func testImportanceWeightedBoundGradients() {
        var g = SeededGenerator(seed: 111)
        let lgf = LocalisedFlow<Double>(dimension: 2, layers: 2, latentDimension: 2, couplings: 2, hidden: [6],
                                        headHidden: [5], generator: &g)
        _ = lgf.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 112), noise: lgf.drawNoise(rows: 20, generator: &g))
        Self.randomize(lgf.parameters, scale: 0.3, seed: 113)
        checkImportanceWeighted(lgf, x: GradientCheck.normalMatrix(rows: 5, columns: 2, seed: 114))
        let marginal = MarginalizingFlow<Double>(architecture: FlowArchitecture(dimension: 4, layers: 3, hidden: [6]),
                                                 auxiliary: 2, generator: &g)
        _ = marginal.forward(GradientCheck.normalMatrix(rows: 20, columns: 2, seed: 115),
                             noise: marginal.drawNoise(rows: 20, generator: &g))
        Self.randomize(marginal.parameters, scale: 0.3, seed: 116)
        checkImportanceWeighted(marginal, x: GradientCheck.normalMatrix(rows: 5, columns: 2, seed: 117))
    }
}
