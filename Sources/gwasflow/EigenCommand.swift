import ArgumentParser
import GWASFlow

/// `gwasflow eigen`: GEMMA-compatible eigendecomposition of a GRM (`gemma -eigen`).
struct EigenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eigen",
        abstract: "Eigendecompose a GRM as GEMMA -eigen does; writes PREFIX.eigenD.txt and PREFIX.eigenU.txt.",
        discussion: """
            The matrix is --grm (GEMMA text or GCTA .grm.bin) or, without it, the GRM built from --bfile \
            (--kind, --maf, --geno as in gwasflow grm). With --bfile, only individuals with a .fam \
            phenotype are kept, as GEMMA's -bfile P -k K -eigen does. The matrix is double-centred, \
            decomposed with LAPACK dsyevd, and eigenvalues below 1e-10 are set to 0. The files are \
            GEMMA's -d/-u inputs.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Relatedness matrix: GEMMA .cXX.txt/.sXX.txt or GCTA .grm.bin (default: grm in gwasflow.toml).", valueName: "FILE"))
    var grm: String?

    /// Used without --grm, to build the GRM from --bfile.
    @OptionGroup var filters: GRMFilterOptions

    func run() throws {
        let settings = filters.settings
        try options.execute(output: output) { context, prefix in
            let grmPath = context.path(grm, or: .grm)
            let bfile = context.path(genotypes.bfile, or: .bfile)
            let e = try eigen(grm: grmPath, bfile: bfile, settings: settings, out: prefix, context: context)
            print("\(e.count) eigenvalues (\(e.zeroedCount) set to 0); wrote \(prefix).eigenD.txt and \(prefix).eigenU.txt")
        }
    }
}
