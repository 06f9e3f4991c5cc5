import ArgumentParser
import Formats
import GWASFlow

/// `gwasflow eigen`: GEMMA-compatible eigendecomposition of a GRM (`gemma -eigen`).
struct EigenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eigen",
        abstract: "Eigendecompose a GRM as GEMMA -eigen does; writes PREFIX.eigenD.txt and PREFIX.eigenU.txt.",
        discussion: """
            The matrix is --grm (GEMMA text or GCTA .grm.bin) or, without it, the GRM built from --bfile \
            (--kind, --maf, --geno as in gwasflow grm). With --bfile, only individuals with a .fam \
            phenotype are kept, as GEMMA's -bfile P -k K -eigen does. With --pheno (and --bfile for \
            the IDs), K is instead restricted to the individuals gwasflow assoc would analyse with \
            the same --pheno, --columns and --covar (every selected trait and covariate present): \
            assoc --eigen then uses the files as they are, where eigen files over every .fam \
            individual make each assoc run recompose and decompose K again. The matrix is \
            double-centred, decomposed with LAPACK dsyevd, and eigenvalues below 1e-10 are set to \
            0. The files are GEMMA's -d/-u inputs.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @Option(help: ArgumentHelp("Relatedness matrix: GEMMA .cXX.txt/.sXX.txt or GCTA .grm.bin (default: grm in gwasflow.toml).", valueName: "FILE"))
    var grm: String?

    /// Used without --grm, to build the GRM from --bfile.
    @OptionGroup var filters: GRMFilterOptions

    @Option(help: ArgumentHelp("Decompose K over the individuals assoc analyses with this phenotype table (needs --bfile).", valueName: "FILE"))
    var pheno: String?

    @Option(help: ArgumentHelp("With --pheno: its columns, as assoc --columns.", valueName: "LIST"))
    var columns: String = "all"

    @Option(help: ArgumentHelp("With --pheno: covariate table, as assoc --covar (default: covar in gwasflow.toml).", valueName: "FILE"))
    var covar: String?

    func validate() throws {
        if pheno == nil && (covar != nil || columns != "all") { throw ValidationError("--columns and --covar select individuals only with --pheno") }
    }

    func run() throws {
        let settings = filters.settings
        try options.execute(output: output) { context, prefix in
            let grmPath = context.path(grm, or: .grm)
            let bfile = context.path(genotypes.bfile, or: .bfile)
            let analysed = try pheno.map {
                AnalysedIndividuals(pheno: $0, columns: try ColumnSelection(parsing: columns), covar: context.path(covar, or: .covar))
            }
            let e = try eigen(grm: grmPath, bfile: bfile, settings: settings, analysed: analysed, out: prefix, context: context)
            print("\(e.count) eigenvalues (\(e.zeroedCount) set to 0); wrote \(prefix).eigenD.txt and \(prefix).eigenU.txt")
        }
    }
}
