import Flows
import Foundation
import Numerics

/// `Q.model.json`: everything needed to map new individuals the way `normalize` mapped the
/// training data — the residualization (covariate coefficients and z-scoring per trait) and the
/// trained flow — plus the fitted dependence parameters, for the record.
///
/// Forward: `u = f((y − [1 c] β − mean)/sd)`; inverse: `y = [1 c] β + mean + sd · f⁻¹(u)`.
public struct NormalizationModel: Codable {
    /// Always "gwasflow.normalize".
    public var format: String
    /// File format version.
    public var version: Int
    /// Trait names, in column order.
    public var traits: [String]
    /// Covariates out and z-scores, per trait.
    public var residualization: Residualization
    /// The flow (it sees the z-scores; no further standardisation).
    public var flow: FlowModel<Float>
    /// The schedule that trained it.
    public var schedule: ScheduleKind
    /// The final λ (relatedness schedules).
    public var lambda: Double?
    /// The final ρ per block (joint).
    public var rho: [Double]?

    /// The version this code writes and reads.
    public static let formatVersion = 1

    /// The model of a finished run.
    public init(flow: Flow<Float>, architecture: FlowArchitecture, residualization: Residualization, schedule: ScheduleKind,
                lambda: Double?, rho: [Double]?) {
        format = "gwasflow.normalize"
        version = Self.formatVersion
        traits = residualization.traits.map(\.name)
        self.residualization = residualization
        self.flow = FlowModel(flow: flow, architecture: architecture, columns: traits)
        self.schedule = schedule
        self.lambda = lambda
        self.rho = rho
    }

    /// The JSON text.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads `Q.model.json`.
    public init(jsonData: Data, path: String) throws {
        do {
            self = try JSONDecoder().decode(Self.self, from: jsonData)
        } catch {
            throw NormalizationModelError("\(path): not a gwasflow normalize model (\(error.localizedDescription))")
        }
        guard format == "gwasflow.normalize" else { throw NormalizationModelError("\(path): format \"\(format)\" is not gwasflow.normalize") }
        guard version == Self.formatVersion else {
            throw NormalizationModelError("\(path): model format version \(version); this gwasflow reads version \(Self.formatVersion)")
        }
    }

    /// Latent values for phenotypes `y` (n × p) and covariates in the order of
    /// `residualization.covariateNames`; rows with anything missing stay NaN.
    public func forward(phenotypes y: Matrix<Double>, covariates: Matrix<Double>?) throws -> Matrix<Double> {
        let z = residualization.apply(phenotypes: y, covariates: covariates)
        let rows = (0..<z.rows).filter { i in (0..<z.columns).allSatisfy { !z[i, $0].isNaN } }
        let (u, _) = try flow.makeFlow().forwardInBatches(Matrix<Float>(z.selectingRows(rows)))
        return scatter(Matrix<Double>(u), rows: rows, count: y.rows)
    }

    /// Phenotypes on their original scale for latent values `u` (n × p); rows with anything
    /// missing (latent or covariate) stay NaN.
    public func inverse(latent u: Matrix<Double>, covariates: Matrix<Double>?) throws -> Matrix<Double> {
        let rows = (0..<u.rows).filter { i in
            (0..<u.columns).allSatisfy { !u[i, $0].isNaN } && (0..<(covariates?.columns ?? 0)).allSatisfy { !covariates![i, $0].isNaN }
        }
        let z = Matrix<Double>(try flow.makeFlow().inverse(Matrix<Float>(u.selectingRows(rows))))
        let y = residualization.invert(zScores: z, covariates: covariates?.selectingRows(rows))
        return scatter(y, rows: rows, count: u.rows)
    }

    private func scatter(_ values: Matrix<Double>, rows: [Int], count: Int) -> Matrix<Double> {
        var out = Matrix<Double>(rows: count, columns: values.columns, repeating: .nan)
        for (r, i) in rows.enumerated() { for j in 0..<values.columns { out[i, j] = values[r, j] } }
        return out
    }
}

/// A model file that cannot be used.
public struct NormalizationModelError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, with the file.
    public let description: String
    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}
