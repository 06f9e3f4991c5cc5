import Dependence
import Flows
import Formats
import Foundation
import Numerics

/// `gwasflow transform`: applies a `normalize` model to new individuals — forward (phenotypes →
/// latent, covariates out and z-scored first) or, with `inverse`, latent values back to the
/// phenotype scale. Writes `out.pheno.txt` (GEMMA) and `out.pheno.tsv` (`FID IID trait…`), one row
/// per `.fam` individual, `NA` where a value or covariate is missing. Returns the values.
@discardableResult
public func transform(model path: String, pheno: String, fam famPath: String, covar: String?, inverse: Bool, out: String,
                      context: RunContext) throws -> Matrix<Double> {
    context.input("model", path)
    context.input("pheno", pheno)
    context.input("fam", famPath)
    guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read model file \(path)") }
    let model: NormalizationModel
    do { model = try NormalizationModel(jsonData: data, path: path) } catch let e as NormalizationModelError { throw UsageError(e.description) }
    let fam = try PlinkFam.read(path: famPath)
    let table = try PhenotypeTable.read(path: pheno, fam: fam)
    let values: Matrix<Double>
    if model.traits.allSatisfy(table.names.contains) {
        values = table.values.selectingColumns(model.traits.map { table.names.firstIndex(of: $0)! })
    } else if table.names.count == model.traits.count {
        context.warn("\(pheno) does not name the model's traits; its \(table.names.count) columns are taken in the model's order \(model.traits.joined(separator: ", "))")
        values = table.values
    } else {
        throw UsageError("\(pheno) has columns \(table.names.joined(separator: ", ")); the model needs \(model.traits.joined(separator: ", "))")
    }
    var covariates: Matrix<Double>?
    let needed = model.residualization.covariateNames
    if !needed.isEmpty {
        guard let covar else { throw UsageError("the model was fitted with covariates \(needed.joined(separator: ", ")): pass --covar FILE") }
        context.input("covar", covar)
        let c = try CovariateTable.read(path: covar, fam: fam)
        let missing = needed.filter { !c.names.contains($0) }
        guard missing.isEmpty else { throw UsageError("\(covar) lacks the model's covariates \(missing.joined(separator: ", "))") }
        covariates = c.values.selectingColumns(needed.map { c.names.firstIndex(of: $0)! })
    }
    context.setting("direction", inverse ? "inverse (latent → phenotype scale)" : "forward (phenotypes → latent)")
    let result = try context.step(inverse ? "inverse flow" : "forward flow") {
        do {
            return inverse ? try model.inverse(latent: values, covariates: covariates)
                           : try model.forward(phenotypes: values, covariates: covariates)
        } catch let e as FlowModelError {
            throw UsageError(e.description)
        }
    }
    context.figure("individuals mapped", (0..<result.rows).filter { !result[$0, 0].isNaN }.count)
    try context.write(NormalizedPhenotypeText.gemma(result), to: out + ".pheno.txt")
    try context.write(NormalizedPhenotypeText.plink(result, fam: fam, names: model.traits), to: out + ".pheno.tsv")
    return result
}
