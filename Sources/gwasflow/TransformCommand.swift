import ArgumentParser
import GWASFlow

/// `gwasflow transform`: apply a trained `normalize` model to new individuals.
struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Map new individuals' phenotypes through a normalize model (or latent values back with --inverse).",
        discussion: """
            Forward: covariates are projected out with the model's coefficients, the residuals z-scored with its \
            moments, then pushed through the flow. --inverse maps latent values (columns named as the model's \
            traits, or in its order) back to the phenotype scale. Writes PREFIX.pheno.txt (GEMMA, .fam order, NA \
            where missing), PREFIX.pheno.tsv (FID IID trait…) and PREFIX.log.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Model written by `gwasflow normalize` (PREFIX.model.json).", valueName: "FILE"))
    var model: String

    @Option(help: ArgumentHelp("Phenotype table (latent values with --inverse).", valueName: "FILE"))
    var pheno: String

    @Option(help: ArgumentHelp("The .fam file, when there is no --bfile.", valueName: "FILE"))
    var fam: String?

    @Option(help: ArgumentHelp("Covariate table with the model's covariates (default: covar in gwasflow.toml).", valueName: "FILE"))
    var covar: String?

    @Flag(help: "Map latent values back to the phenotype scale.")
    var inverse = false

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let famPath: String
            if let fam { famPath = fam } else { famPath = try context.requiredPath(genotypes.bfile, or: .bfile) + ".fam" }
            let values = try transform(model: model, pheno: pheno, fam: famPath, covar: context.path(covar, or: .covar),
                                       inverse: inverse, out: prefix, context: context)
            let mapped = (0..<values.rows).filter { !values[$0, 0].isNaN }.count
            print("mapped \(mapped) individuals \(inverse ? "back to the phenotype scale" : "to the latent scale"); wrote \(prefix).pheno.txt and \(prefix).pheno.tsv")
        }
    }
}
