import Foundation
import Numerics

/// A trained localised generative flow or marginalizing flow as stored in a `*.model.json` file:
/// the shape, every weight, the ActNorm states, the input standardisation, the column names, and
/// the importance-sampling settings (S and the seed of the draws) of its log-densities.
///
/// Numbers are written with Swift's shortest round-trip formatting in the model's scalar type, so
/// `makeModel()` after a save and load gives the same forward passes, and `logDensity` with the
/// stored S and seed reproduces the log-densities written beside the model bit for bit.
public struct LatentFlowModel<Scalar: FlowScalar>: Codable, FlowModelFile {
    /// The file format version this code writes and reads.
    public static var formatVersion: Int { 1 }
    static var formatName: String { "gwasflow.latent-flow" }

    /// Which model.
    public enum Kind: String, Codable, Sendable {
        case lgf, marginal
    }

    /// The shape of a localised generative flow (`LocalisedFlow`'s convenience initialiser).
    public struct LocalisedShape: Codable, Equatable, Sendable {
        /// Data dimension D, number of layers L, dimension of each layer's u, couplings per layer.
        public var dimension: Int, layers: Int, latentDimension: Int, couplings: Int
        /// Hidden widths of the couplings' and of the Gaussian heads' MLPs.
        public var hidden: [Int], headHidden: [Int]
        /// `LocalisedLayer.Indexing` raw value.
        public var indexing: String

        /// A shape from its parts.
        public init(dimension: Int, layers: Int, latentDimension: Int, couplings: Int, hidden: [Int], headHidden: [Int],
                    indexing: LocalisedLayer<Scalar>.Indexing) {
            self.dimension = dimension
            self.layers = layers
            self.latentDimension = latentDimension
            self.couplings = couplings
            self.hidden = hidden
            self.headHidden = headHidden
            self.indexing = indexing.rawValue
        }
    }

    /// Always "gwasflow.latent-flow".
    public var format: String
    /// `formatVersion` of the writer.
    public var version: Int
    /// "Float" or "Double".
    public var scalar: String
    /// LGF or marginalizing flow.
    public var kind: Kind
    /// LGF: the shape, the parameter tensors in `parameters` order and each ActNorm's state in order.
    public var localised: LocalisedShape?
    public var tensors: [FlowModel<Scalar>.NamedTensor]?
    public var actNormInitialized: [Bool]?
    /// Marginalizing flow: the flow on R^{D+B} and B.
    public var flow: FlowModel<Scalar>?
    public var auxiliary: Int?
    /// Marginalizing flow with a learned proposal q(ε | x): its hidden widths and tensors (nil: N(0, I)).
    public var proposalHidden: [Int]?
    public var proposal: [FlowModel<Scalar>.NamedTensor]?
    /// The z-scoring applied to data before the model (nil: none).
    public var standardization: Standardization?
    /// Names of the modelled columns, in order (nil: unnamed).
    public var columns: [String]?
    /// Importance samples per row and the seed of their draws.
    public var importanceSamples: Int
    public var importanceSeed: UInt64

    private init(kind: Kind, standardization: Standardization?, columns: [String]?, importanceSamples: Int,
                 importanceSeed: UInt64) {
        (format, version, scalar) = Self.header
        self.kind = kind
        self.standardization = standardization
        self.columns = columns
        self.importanceSamples = importanceSamples
        self.importanceSeed = importanceSeed
    }

    /// The state of `model`, which must have been built with `shape`.
    public init(localised model: LocalisedFlow<Scalar>, shape: LocalisedShape, standardization: Standardization?,
                columns: [String]?, importanceSamples: Int, importanceSeed: UInt64) {
        self.init(kind: .lgf, standardization: standardization, columns: columns, importanceSamples: importanceSamples,
                  importanceSeed: importanceSeed)
        localised = shape
        tensors = FlowModel<Scalar>.NamedTensor.of(model.parameters)
        actNormInitialized = Self.actNorms(model).map(\.isInitialized)
    }

    /// The state of `model`, whose flow must be a `Flow` built from `architecture` (dimension D + B).
    public init(marginal model: MarginalizingFlow<Scalar>, architecture: FlowArchitecture, standardization: Standardization?,
                columns: [String]?, importanceSamples: Int, importanceSeed: UInt64) {
        self.init(kind: .marginal, standardization: standardization, columns: columns, importanceSamples: importanceSamples,
                  importanceSeed: importanceSeed)
        guard let plain = model.flow as? Flow<Scalar> else { preconditionFailure("LatentFlowModel: the marginal flow is not a Flow") }
        flow = FlowModel(flow: plain, architecture: architecture)
        auxiliary = model.auxiliary
        if let head = model.proposal {
            proposalHidden = Array(head.network.widths.dropFirst().dropLast())
            proposal = FlowModel<Scalar>.NamedTensor.of(head.parameters)
        }
    }

    /// The ActNorm layers of an LGF, layer by layer in order.
    private static func actNorms(_ model: LocalisedFlow<Scalar>) -> [ActNorm<Scalar>] {
        model.layers.flatMap { layer -> [ActNorm<Scalar>] in
            guard let blocks = layer.bijection as? ConditionalFlow<Scalar> else { return [] }
            return blocks.layers.compactMap { ($0 as? Unconditioned<Scalar>)?.base as? ActNorm<Scalar> }
        }
    }

    /// Rebuilds the model with the stored weights.
    public func makeModel() throws -> any LatentVariableModel<Scalar> {
        try checkHeader()
        guard importanceSamples >= 1 else { throw FlowModelError("importanceSamples must be at least 1") }
        switch kind {
        case .marginal:
            guard let flow, let auxiliary, auxiliary >= 1, flow.architecture.dimension > auxiliary else {
                throw FlowModelError("marginal model without its flow or with a bad auxiliary dimension")
            }
            guard let tensors = proposal, let hidden = proposalHidden else {
                return MarginalizingFlow(flow: try flow.makeFlow(), auxiliary: auxiliary)
            }
            var unused = SeededGenerator(seed: 0)
            let head = GaussianHead<Scalar>(input: flow.architecture.dimension - auxiliary, dimension: auxiliary, hidden: hidden,
                                            generator: &unused)
            try Self.load(tensors, into: head.parameters, else: "marginal proposal tensors do not match its hidden widths")
            return MarginalizingFlow(flow: try flow.makeFlow(), auxiliary: auxiliary, proposal: head)
        case .lgf:
            guard let s = localised, let tensors, let states = actNormInitialized,
                  let indexing = LocalisedLayer<Scalar>.Indexing(rawValue: s.indexing),
                  s.dimension >= 1, s.layers >= 1, s.latentDimension >= 1, s.couplings >= 1 else {
                throw FlowModelError("LGF model without a valid shape, tensors or ActNorm states")
            }
            var unused = SeededGenerator(seed: 0)
            let model = LocalisedFlow<Scalar>(dimension: s.dimension, layers: s.layers, latentDimension: s.latentDimension,
                                              couplings: s.couplings, hidden: s.hidden, headHidden: s.headHidden,
                                              indexing: indexing, generator: &unused)
            try Self.load(tensors, into: model.parameters, else: "LGF tensors do not match the shape")
            let norms = Self.actNorms(model)
            guard norms.count == states.count else { throw FlowModelError("\(states.count) ActNorm states, the shape has \(norms.count)") }
            for (norm, state) in zip(norms, states) { norm.isInitialized = state }
            return model
        }
    }

    /// Sets `targets` to the stored `tensors`; throws `message` unless names and sizes match in order.
    private static func load(_ tensors: [FlowModel<Scalar>.NamedTensor], into targets: [Parameter<Scalar>],
                             else message: String) throws {
        guard targets.map(\.name) == tensors.map(\.name), zip(targets, tensors).allSatisfy({ $0.count == $1.values.count }) else {
            throw FlowModelError(message)
        }
        for (target, tensor) in zip(targets, tensors) { target.value = tensor.values }
    }

    /// Importance-sampled log p(x) of the rows of `values` (original scale, the model's columns)
    /// with the stored S and seed, minus the standardisation's log-scale.
    public func logDensity<M: LatentVariableModel>(_ values: Matrix<Double>, model: M) -> ImportanceSampledLikelihood
        where M.Scalar == Scalar
    {
        let z = standardization?.apply(values) ?? values
        var draws = SeededGenerator(seed: importanceSeed)
        var estimate = model.importanceSampledLikelihood(Matrix(rows: z.rows, columns: z.columns, storage: z.storage.map { Scalar($0) }),
                                                         samples: importanceSamples, generator: &draws)
        let shift = standardization?.logScale ?? 0
        estimate.logDensity = estimate.logDensity.map { $0 - shift }
        return estimate
    }

    /// The JSON text (sorted keys); throws when a weight is not finite.
    public func jsonData() throws -> Data {
        let all = (tensors ?? []) + (flow?.layers.flatMap(\.parameters) ?? [])
        for t in all where !t.values.allSatisfy(\.isFinite) {
            throw FlowModelError("parameter \(t.name) is not finite; nothing written")
        }
        return try sortedJSON(self)
    }

    /// Reads a model from JSON text.
    public init(jsonData: Data) throws {
        do {
            self = try JSONDecoder().decode(Self.self, from: jsonData)
        } catch is DecodingError {
            throw FlowModelError("not a readable latent-flow model file")
        }
        _ = try makeModel()
    }
}
