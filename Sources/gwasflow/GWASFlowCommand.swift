import ArgumentParser

/// The `gwasflow` command: relatedness-corrected normalizing flows for multivariate GWAS.
@main
struct GWASFlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gwasflow",
        abstract: "Relatedness-corrected normalizing flows for multivariate GWAS.",
        version: "0.1.0",
        subcommands: []
    )
}
