import ArgumentParser
import GWASFlow
import Relatedness

/// `gwasflow grm`: the genomic relatedness matrix (GEMMA `-gk 1`/`-gk 2`), or PC relatedness with `--pcs`.
struct GRMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grm",
        abstract: "Build the genomic relatedness matrix (GEMMA -gk 1/-gk 2), or PC relatedness from --pcs.",
        discussion: """
            From genotypes: writes PREFIX.cXX.txt (--kind centered, GEMMA -gk 1) or PREFIX.sXX.txt \
            (standardized, -gk 2), or PREFIX.grm.bin/.grm.N.bin/.grm.id with --format gcta; equal to \
            GEMMA's matrix for the same input (SNP filters decided on the individuals with a .fam \
            phenotype, as GEMMA). --part I/N writes only the I-th SNP partition's partial sum to \
            PREFIX.partIofN.grmpart; gwasflow grm-merge adds the parts. \
            From principal components (--pcs): writes the low-rank factor PREFIX.pcfactor.tsv \
            (G = W Wᵀ, G_ij the Pearson correlation of individuals' leading PC scores), and the n × n \
            matrix PREFIX.pcrel.txt only with --dense.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @OptionGroup var filters: GRMFilterOptions

    @Option(help: ArgumentHelp("Only the individuals listed (FID IID per line, or IID).", valueName: "FILE"))
    var keep: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Only SNPs on these chromosomes (e.g. 1-22 or 1,2,X).", valueName: "CHR"))
    var chr: [String] = []

    @Option(help: ArgumentHelp("Output format: gemma (text) or gcta (binary).", valueName: "FORMAT"))
    var format: String = GRMFileFormat.gemma.rawValue

    @Option(help: ArgumentHelp("Compute only the I-th of N SNP partitions (for clusters; merge with grm-merge).", valueName: "I/N"))
    var part: String?

    @Option(help: ArgumentHelp("PC relatedness from this eigenvector file (.eigenvec, .evec or GEMMA .eigenU.txt).", valueName: "FILE"))
    var pcs: String?

    @Option(name: .customLong("n-pcs"), help: ArgumentHelp("Leading PCs used with --pcs.", valueName: "K"))
    var nPCs: Int = 40

    @Option(name: .customLong("pc-scale"), help: ArgumentHelp("Weight each PC by: none, eigenvalue or sqrt-eigenvalue.", valueName: "SCALE"))
    var pcScale: String = PCScale.none.rawValue

    @Flag(help: "With --pcs, also write the n × n matrix PREFIX.pcrel.txt.")
    var dense = false

    func validate() throws {
        guard GRMFileFormat(rawValue: format) != nil else { throw ValidationError("--format must be gemma or gcta, got \(format)") }
        guard PCScale(rawValue: pcScale) != nil else { throw ValidationError("--pc-scale must be none, eigenvalue or sqrt-eigenvalue, got \(pcScale)") }
        if nPCs < 2 { throw ValidationError("--n-pcs must be at least 2 (a correlation needs two scores), got \(nPCs)") }
        if let part {
            do { _ = try GRMPart(part) } catch let e as UsageError { throw ValidationError(e.description) }
            if output.out == nil { throw ValidationError("--part needs --out PREFIX (each part writes PREFIX.partIofN.grmpart)") }
            if pcs != nil { throw ValidationError("--part applies to genotype GRMs, not --pcs") }
        }
    }

    func run() throws {
        if let pcs {
            let settings = PCGRMSettings(count: nPCs, scale: PCScale(rawValue: pcScale)!, dense: dense)
            try options.execute(output: output) { context, prefix in
                let pc = try pcRelatedness(pcs: pcs, bfile: genotypes.bfile, settings: settings, out: prefix, context: context)
                print("PC relatedness of \(pc.count) individuals from \(nPCs) PCs; wrote \(prefix).pcfactor.tsv" + (dense ? " and \(prefix).pcrel.txt" : ""))
            }
            return
        }
        let gwasPart = try part.map(GRMPart.init)
        var settings = filters.settings
        settings.keep = keep
        settings.chromosomes = chr
        settings.format = GRMFileFormat(rawValue: format)!
        settings.part = gwasPart
        var out = output
        if let gwasPart, let prefix = out.out { out.out = gwasPart.prefix(prefix) }
        try options.execute(output: out) { context, prefix in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            let summary = try grm(bfile: bfile, settings: settings, out: prefix, context: context)
            print("\(summary.individuals) individuals, \(summary.snpsUsed) SNPs; wrote \(summary.outputs.joined(separator: " "))")
        }
    }
}
