import ArgumentParser
import Formats
import GWASFlow

/// `--pheno FILE`, `--columns LIST`, `--covar FILE`: the traits and covariates of the `.fam`
/// individuals, for the commands that analyse them (`assoc`, `compare`, `normalize`).
struct PhenotypeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Phenotype table: PLINK style (FID IID header) or GEMMA style (no header, .fam order).", valueName: "FILE"))
    var pheno: String

    @Option(help: ArgumentHelp("Phenotype columns: 1-based positions (1,2,4 or 2-4) or header names (TSH,FT4).", valueName: "LIST"))
    var columns: String = "all"

    @Option(help: ArgumentHelp("Covariate table (default: covar in gwasflow.toml; none: the intercept only).", valueName: "FILE"))
    var covar: String?

    /// The parsed `--columns`.
    func columnSelection() throws -> ColumnSelection { try ColumnSelection(parsing: columns) }

    /// `--covar`, or the project's default.
    func covariates(_ context: RunContext) -> String? { context.path(covar, or: .covar) }
}
