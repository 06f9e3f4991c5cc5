import Foundation
import Numerics

/// A trained flow as stored in a `*.model.json` file: format version, architecture, every
/// layer's weights (the coupling MLPs, the ActNorm state, the permutation orders), the input
/// standardisation and the column names.
///
/// Numbers are written with Swift's shortest round-trip formatting in the flow's own scalar
/// type, so `makeFlow()` after a save and load reproduces `forward` and `inverse` bit for bit.
public struct FlowModel<Scalar: FlowScalar>: Codable, FlowModelFile {
    /// The file format version this code writes and reads.
    public static var formatVersion: Int { 1 }
    static var formatName: String { "gwasflow.flow" }

    /// The stored state of one layer, in the flow's order.
    public struct Layer: Codable, Equatable {
        /// "affine", "spline", "actnorm" or "permutation".
        public var type: String
        /// Parameter tensors by name, in the layer's order (empty for permutations).
        public var parameters: [NamedTensor]
        /// Permutation order (permutations only).
        public var order: [Int]?
        /// Whether the data-dependent initialisation has happened (ActNorm only).
        public var initialized: Bool?
    }

    /// One named parameter tensor, flattened column-major.
    public struct NamedTensor: Codable, Equatable {
        /// The parameter's name within its layer.
        public var name: String
        /// The values.
        public var values: [Scalar]

        /// The current values of `parameters`, in order.
        static func of(_ parameters: [Parameter<Scalar>]) -> [NamedTensor] {
            parameters.map { NamedTensor(name: $0.name, values: $0.value) }
        }
    }

    /// Always "gwasflow.flow".
    public var format: String
    /// `formatVersion` of the writer.
    public var version: Int
    /// "Float" or "Double".
    public var scalar: String
    /// The shape.
    public var architecture: FlowArchitecture
    /// The z-scoring applied to data before the flow (nil: none).
    public var standardization: Standardization?
    /// Names of the modelled columns, in order (nil: unnamed).
    public var columns: [String]?
    /// The layers.
    public var layers: [Layer]

    /// The state of `flow`, which must have been built from `architecture`.
    public init(flow: Flow<Scalar>, architecture: FlowArchitecture, standardization: Standardization? = nil,
                columns: [String]? = nil) {
        (format, version, scalar) = Self.header
        self.architecture = architecture
        self.standardization = standardization
        self.columns = columns
        layers = flow.layers.map { layer in
            let tensors = NamedTensor.of(layer.parameters)
            switch layer {
            case is AffineCoupling<Scalar>:
                return Layer(type: "affine", parameters: tensors)
            case is SplineCoupling<Scalar>:
                return Layer(type: "spline", parameters: tensors)
            case let a as ActNorm<Scalar>:
                return Layer(type: "actnorm", parameters: tensors, initialized: a.isInitialized)
            case let p as Permutation<Scalar>:
                return Layer(type: "permutation", parameters: [], order: p.order)
            default:
                preconditionFailure("FlowModel: no file representation for \(type(of: layer))")
            }
        }
    }

    /// Rebuilds the flow with the stored weights.
    public func makeFlow() throws -> Flow<Scalar> {
        try validate()
        var unused = SeededGenerator(seed: 0)
        let a = architecture, p = a.dimension
        let built: [any Bijection<Scalar>] = try layers.enumerated().map { index, state in
            let layer: any Bijection<Scalar>
            switch state.type {
            case "affine":
                layer = AffineCoupling<Scalar>(dimension: p, hidden: a.hidden, generator: &unused)
            case "spline":
                layer = SplineCoupling<Scalar>(dimension: p, bins: a.bins, bound: a.bound, hidden: a.hidden,
                                               generator: &unused)
            case "actnorm":
                let norm = ActNorm<Scalar>(dimension: p)
                norm.isInitialized = state.initialized ?? true
                layer = norm
            case "permutation":
                guard let order = state.order, order.sorted() == Array(0..<p) else {
                    throw FlowModelError("layer \(index): permutation order is not a permutation of 0..<\(p)")
                }
                layer = Permutation<Scalar>(order: order)
            default:
                throw FlowModelError("layer \(index): unknown layer type \"\(state.type)\"")
            }
            let targets = layer.parameters
            guard targets.map(\.name) == state.parameters.map(\.name) else {
                throw FlowModelError("layer \(index) (\(state.type)): parameters \(state.parameters.map(\.name)), "
                                     + "expected \(targets.map(\.name))")
            }
            for (target, tensor) in zip(targets, state.parameters) {
                guard tensor.values.count == target.count else {
                    throw FlowModelError("layer \(index) (\(state.type)): \(tensor.name) has \(tensor.values.count) "
                                         + "values, the architecture needs \(target.count)")
                }
                target.value = tensor.values
            }
            return layer
        }
        return Flow(dimension: p, layers: built)
    }

    private func validate() throws {
        try checkHeader()
        let p = architecture.dimension
        if let s = standardization, s.mean.count != p { throw FlowModelError("standardisation has \(s.mean.count) columns, the flow \(p)") }
        if let c = columns, c.count != p { throw FlowModelError("\(c.count) column names, the flow has dimension \(p)") }
    }

    /// The JSON text (sorted keys, so equal models give equal files).
    public func jsonData() throws -> Data {
        for layer in layers {
            for t in layer.parameters where !t.values.allSatisfy(\.isFinite) {
                throw FlowModelError("parameter \(t.name) of a \(layer.type) layer is not finite; nothing written")
            }
        }
        return try sortedJSON(self)
    }

    /// Reads a model from JSON text.
    public init(jsonData: Data) throws {
        do {
            self = try JSONDecoder().decode(Self.self, from: jsonData)
        } catch let error as DecodingError {
            throw FlowModelError("not a readable model file (\(Self.describe(error)))")
        }
        try validate()
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, context):
            return "missing \(key.stringValue) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default:
            return "\(error)"
        }
    }
}

/// What the model files of `Flows` (`FlowModel`, `LatentFlowModel`) begin with, written and
/// checked the same way: the `format` name, the `version` of the writer and the `scalar` type.
protocol FlowModelFile {
    associatedtype Scalar: FlowScalar
    /// The `format` of every such file, e.g. "gwasflow.flow".
    static var formatName: String { get }
    /// The version this code writes and reads.
    static var formatVersion: Int { get }
    var format: String { get }
    var version: Int { get }
    var scalar: String { get }
}

extension FlowModelFile {
    /// `format`, `version` and `scalar` of a file this code writes.
    static var header: (format: String, version: Int, scalar: String) {
        (formatName, formatVersion, String(describing: Scalar.self))
    }

    /// Throws unless the file has this kind's format, this code's version and `Scalar` weights.
    func checkHeader() throws {
        guard format == Self.formatName else {
            throw FlowModelError("not a \(Self.formatName.replacingOccurrences(of: ".", with: " ")) model (format \"\(format)\")")
        }
        guard version == Self.formatVersion else {
            throw FlowModelError("model format version \(version); this gwasflow reads version \(Self.formatVersion)")
        }
        guard scalar == String(describing: Scalar.self) else {
            throw FlowModelError("model holds \(scalar) weights, \(Scalar.self) requested")
        }
    }
}

/// A model file that cannot be used; the message says why.
public struct FlowModelError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// JSON text with sorted keys, so that equal model files are equal bytes.
func sortedJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(value)
}
