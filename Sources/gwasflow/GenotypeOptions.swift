import ArgumentParser

/// `--bfile PREFIX`: the genotype data, for commands that read it (default: bfile in gwasflow.toml).
///
/// Resolve it with `try context.requiredPath(genotypes.bfile, or: .bfile)` so that the project
/// default applies and the log records where the value came from.
struct GenotypeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PLINK .bed/.bim/.fam prefix (default: bfile in gwasflow.toml).", valueName: "PREFIX"))
    var bfile: String?
}
