import Flows
import Foundation
import Numerics
import XCTest

/// inverse(forward(x)) = x and log|det J| against the numerically differentiated Jacobian.
final class InverseTests: XCTestCase {
    /// A flow of every layer type with random (non-identity) parameters, N(0, 0.1²): large enough
    /// that every spline bin and scale differs visibly from the identity, small enough that the
    /// composed map is not so contracting (log|det J| ≪ −10) that the round trip measures its
    /// condition number rather than the inverse.
    static func randomFlow(dimension p: Int, architecture: FlowArchitecture? = nil, seed: UInt64) -> Flow<Double> {
        var g = SeededGenerator(seed: seed)
        let arch = architecture ?? FlowArchitecture(dimension: p, layers: 4, hidden: [16, 16])
        let flow: Flow<Double> = arch.build(generator: &g)
        _ = flow.forward(GradientCheck.normalMatrix(rows: 32, columns: p, seed: seed + 1))
        GradientCheck.randomize(flow, scale: 0.1, seed: seed + 2)
        return flow
    }

    func testAffineFlowInverseRoundTrip() {
        for p in 1...6 {
            let flow = Self.randomFlow(dimension: p, seed: UInt64(100 + p))
            let x = GradientCheck.normalMatrix(rows: 200, columns: p, sd: 3, seed: 7)
            let back = flow.inverse(flow.forward(x).latent)
            for i in x.storage.indices { XCTAssertEqual(back.storage[i], x.storage[i], accuracy: 1e-9) }
        }
    }

    func testSplineFlowInverseRoundTripIncludingTails() {
        for p in 1...6 {
            let arch = FlowArchitecture(coupling: .spline, dimension: p, layers: 3, hidden: [16], bins: 8, bound: 2)
            let flow = Self.randomFlow(dimension: p, architecture: arch, seed: UInt64(300 + p))
            let x = GradientCheck.normalMatrix(rows: 300, columns: p, sd: 3, seed: 8)   // a third beyond ±2
            let back = flow.inverse(flow.forward(x).latent)
            for i in x.storage.indices { XCTAssertEqual(back.storage[i], x.storage[i], accuracy: 1e-9) }
        }
    }

    /// log|det| of the central-difference Jacobian of one row, via LU-free Cholesky of JᵀJ.
    static func numericalLogDet(_ flow: Flow<Double>, row x: [Double], h: Double = 1e-6) throws -> Double {
        let p = x.count
        var probe = Matrix<Double>(rows: 2 * p, columns: p)
        for k in 0..<p {
            for j in 0..<p { probe[2 * k, j] = x[j]; probe[2 * k + 1, j] = x[j] }
            probe[2 * k, k] += h
            probe[2 * k + 1, k] -= h
        }
        let z = flow.forward(probe).latent
        var jac = Matrix<Double>(rows: p, columns: p)
        for k in 0..<p { for i in 0..<p { jac[i, k] = (z[2 * k, i] - z[2 * k + 1, i]) / (2 * h) } }
        let l = try LAPACK.cholesky(BLAS.product(jac, jac, transA: .transposed))
        var s = 0.0
        for i in 0..<p { s += Foundation.log(l[i, i]) }
        return s
    }

    func testLogDetMatchesNumericalJacobian() throws {
        for p in 2...6 {
            try checkLogDet(Self.randomFlow(dimension: p, seed: UInt64(200 + p)), dimension: p)
            let spline = FlowArchitecture(coupling: .spline, dimension: p, layers: 3, hidden: [16], bins: 8, bound: 3)
            try checkLogDet(Self.randomFlow(dimension: p, architecture: spline, seed: UInt64(400 + p)), dimension: p)
        }
    }

    private func checkLogDet(_ flow: Flow<Double>, dimension p: Int) throws {
        let x = GradientCheck.normalMatrix(rows: 5, columns: p, sd: 2, seed: 9)
        let logDet = flow.forward(x).logDet
        for i in 0..<5 {
            XCTAssertEqual(try Self.numericalLogDet(flow, row: x.row(i)), logDet[i], accuracy: 1e-6)
        }
    }
}
