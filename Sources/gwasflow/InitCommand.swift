import ArgumentParser
import GWASFlow

/// `gwasflow init`: writes the project defaults file `gwasflow.toml`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write gwasflow.toml so later commands take --bfile, --covar, --pcs, --grm and --out from it.")

    @Option(help: ArgumentHelp("PLINK .bed/.bim/.fam prefix.", valueName: "PREFIX"))
    var bfile: String

    @Option(help: ArgumentHelp("Covariate file.", valueName: "FILE"))
    var covar: String?

    @Option(help: ArgumentHelp("Principal-component file (.eigenvec).", valueName: "FILE"))
    var pcs: String?

    @Option(help: ArgumentHelp("Relatedness matrix file (may be written later by gwasflow grm).", valueName: "FILE"))
    var grm: String?

    @Option(help: ArgumentHelp("Output prefix for later commands.", valueName: "PREFIX"))
    var out: String?

    @Flag(help: "Replace an existing gwasflow.toml.")
    var force = false

    func run() throws {
        let path = try initProject(bfile: bfile, covar: covar, pcs: pcs, grm: grm, out: out, replace: force)
        print("wrote \(path)")
    }
}
