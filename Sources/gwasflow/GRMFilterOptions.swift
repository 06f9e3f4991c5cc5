import ArgumentParser
import GWASFlow
import Relatedness

/// `--kind`, `--maf`, `--geno`, `--extract`: the GRM kind and the SNP filters, for commands that build a GRM
/// from genotypes (`grm`, `eigen --bfile`).
struct GRMFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("centered (GEMMA -gk 1) or standardized (-gk 2).", valueName: "KIND"))
    var kind: String = GRMKind.centered.rawValue

    @Option(help: ArgumentHelp("Drop SNPs with allele frequency below this or above 1 − this (GEMMA -maf; default 0.01).", valueName: "FREQ"))
    var maf: Double?

    @Option(help: ArgumentHelp("Drop SNPs with a missing fraction above this (GEMMA -miss; default 0.05).", valueName: "RATE"))
    var geno: Double?

    @Option(help: ArgumentHelp("Only the SNPs listed (one ID per line, e.g. gwasflow qc's PREFIX.snplist).", valueName: "FILE"))
    var extract: String?

    func validate() throws {
        guard GRMKind(rawValue: kind) != nil else { throw ValidationError("--kind must be centered or standardized, got \(kind)") }
        if let maf, !(maf >= 0 && maf <= 0.5) { throw ValidationError("--maf must be in [0, 0.5], got \(maf)") }
        if let geno, !(geno >= 0 && geno <= 1) { throw ValidationError("--geno must be in [0, 1], got \(geno)") }
    }

    /// The settings with these values (everything else at its default).
    var settings: GRMSettings { GRMSettings(kind: GRMKind(rawValue: kind)!, maf: maf, geno: geno, extract: extract) }
}
