import ArgumentParser
import GWASFlow

/// `gwasflow info`: a `key: value` summary of genotypes and, optionally, the tables that go with them.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise a PLINK fileset and how phenotype, covariate and PC files line up with it.",
        discussion: "Prints key: value lines on stdout; writes no files.")

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Phenotype table (PLINK 2 or GEMMA style).", valueName: "FILE"))
    var pheno: String?

    @Option(help: ArgumentHelp("Covariate table (default: covar in gwasflow.toml).", valueName: "FILE"))
    var covar: String?

    @Option(help: ArgumentHelp("Principal components (.eigenvec, .evec, GEMMA eigen files; default: pcs in gwasflow.toml).", valueName: "FILE"))
    var pcs: String?

    func run() throws {
        try options.execute { context in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            let summary = try info(bfile: bfile, pheno: pheno, covar: context.path(covar, or: .covar),
                                   pcs: context.path(pcs, or: .pcs), context: context)
            print(summary.text, terminator: "")
        }
    }
}
