import Flows
import Foundation
import Numerics
import XCTest

/// `*.model.json` round trips reproduce forward and inverse bit for bit.
final class FlowModelTests: XCTestCase {
    func roundTrip<S: FlowScalar>(_ type: S.Type, coupling: FlowArchitecture.Coupling) throws {
        let arch = FlowArchitecture(coupling: coupling, dimension: 3, layers: 3, hidden: [8, 8], bins: 5, bound: 2.5)
        var g = SeededGenerator(seed: 9)
        let flow: Flow<S> = arch.build(generator: &g)
        var x = Matrix<S>(rows: 40, columns: 3)
        for i in x.storage.indices { x.storage[i] = S(2 * g.normal()) }
        _ = flow.forward(x)
        for p in flow.parameters { for i in 0..<p.count { p.value[i] = S(0.2 * g.normal()) } }
        let model = FlowModel(flow: flow, architecture: arch,
                              standardization: Standardization(mean: [1, 2, 3], sd: [0.5, 1, 2]), columns: ["a", "b", "c"])
        let data = try model.jsonData()
        let loaded = try FlowModel<S>(jsonData: data)
        XCTAssertEqual(loaded.standardization, model.standardization)
        XCTAssertEqual(loaded.columns, ["a", "b", "c"])
        XCTAssertEqual(try loaded.jsonData(), data)
        let copy = try loaded.makeFlow()
        let (u1, l1) = flow.forward(x), (u2, l2) = copy.forward(x)
        XCTAssertEqual(u1.storage.map { Double($0).bitPattern }, u2.storage.map { Double($0).bitPattern })
        XCTAssertEqual(l1.map { Double($0).bitPattern }, l2.map { Double($0).bitPattern })
        XCTAssertEqual(flow.inverse(u1).storage.map { Double($0).bitPattern }, copy.inverse(u1).storage.map { Double($0).bitPattern })
    }

    func testAffineFloatAndDoubleRoundTripBitForBit() throws {
        try roundTrip(Float.self, coupling: .affine)
        try roundTrip(Double.self, coupling: .affine)
    }

    func testSplineFloatAndDoubleRoundTripBitForBit() throws {
        try roundTrip(Float.self, coupling: .spline)
        try roundTrip(Double.self, coupling: .spline)
    }

    func testBadFilesAreRejectedWithAReason() throws {
        let arch = FlowArchitecture(dimension: 2, layers: 1, hidden: [4])
        var g = SeededGenerator(seed: 1)
        let good = try FlowModel(flow: arch.build(as: Float.self, generator: &g), architecture: arch).jsonData()
        let text = String(decoding: good, as: UTF8.self)
        func message(_ json: String) -> String {
            do { _ = try FlowModel<Float>(jsonData: Data(json.utf8)).makeFlow(); return "accepted" } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message(text.replacingOccurrences(of: "\"version\":1", with: "\"version\":7")).contains("version 7"))
        XCTAssertTrue(message(text.replacingOccurrences(of: "\"Float\"", with: "\"Double\"")).contains("Double weights"))
        XCTAssertTrue(message(text.replacingOccurrences(of: "\"b1\"", with: "\"bias\"")).contains("parameters"))
        XCTAssertTrue(message("{}").contains("not a readable model file"))
        XCTAssertThrowsError(try FlowModel<Double>(jsonData: good))
        XCTAssertTrue(message(text.replacingOccurrences(of: "\"gwasflow.flow\"", with: "\"gwasflow.other\""))
            .contains("not a gwasflow flow model (format \"gwasflow.other\")"))
    }

    /// A latent-flow file's format, version and scalar are checked as a flow file's are.
    func testLatentFileHeaderIsChecked() throws {
        let arch = FlowArchitecture(dimension: 4, layers: 2, hidden: [4])
        var g = SeededGenerator(seed: 2)
        let model = MarginalizingFlow<Float>(architecture: arch, auxiliary: 2, proposalHidden: [3], interleaved: true, generator: &g)
        let good = try LatentFlowModel(marginal: model, architecture: arch, standardization: nil, columns: nil,
                                       importanceSamples: 4, importanceSeed: 1).jsonData()
        XCTAssertNoThrow(try LatentFlowModel<Float>(jsonData: good))
        // The top-level field `key` set to `value`.
        func message(_ key: String, _ value: Any) throws -> String {
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: good) as? [String: Any])
            object[key] = value
            do { _ = try LatentFlowModel<Float>(jsonData: try JSONSerialization.data(withJSONObject: object)); return "accepted" } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(try message("format", "gwasflow.flow"), "not a gwasflow latent-flow model (format \"gwasflow.flow\")")
        XCTAssertEqual(try message("version", 3), "model format version 3; this gwasflow reads version 1")
        XCTAssertEqual(try message("scalar", "Double"), "model holds Double weights, Float requested")
    }
}
