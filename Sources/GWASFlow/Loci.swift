import Formats
import Foundation
import Loci

/// Settings of `gwasflow loci` beyond the input files.
public struct LociSettings: Equatable, Sendable {
    /// Index threshold; nil means 0.05 / number of tested SNPs (rows with a numeric p-value).
    public var p1: Double?
    /// Member threshold (PLINK `--clump-p2`).
    public var p2: Double
    /// LD threshold on r² (PLINK `--clump-r2`).
    public var r2: Double
    /// Window radius in kilobases (PLINK `--clump-kb`).
    public var kb: Double
    /// r² from founders only (PLINK's default) instead of every individual of the `.fam`.
    public var foundersOnly: Bool
    /// Column names in the association file; nil picks the defaults of `AssociationPValues`.
    public var idField: String?
    public var pField: String?

    /// The paper's definition: p1 = 0.05 / tested SNPs, p2 = 0.01, r² > 0.1 within 250 kb, all individuals.
    public init(p1: Double? = nil, p2: Double = 0.01, r2: Double = 0.1, kb: Double = 250,
                foundersOnly: Bool = false, idField: String? = nil, pField: String? = nil) {
        self.p1 = p1; self.p2 = p2; self.r2 = r2; self.kb = kb
        self.foundersOnly = foundersOnly; self.idField = idField; self.pField = pField
    }
}

/// What `gwasflow loci` found.
public struct LociResult: Sendable {
    /// The clumps, in order of increasing index p-value (one per independent locus).
    public var clumps: [Clump]
    /// The thresholds used (p1 resolved).
    public var parameters: ClumpParameters
    /// Rows of the association file with a numeric p-value.
    public var testedSNPs: Int
}

/// `gwasflow loci`: independent loci from association results by LD clumping with PLINK 1.9
/// `--clump` semantics (see `Clumping`), r² from the genotypes of `bfile`.
///
/// Writes `out.clumped` (PLINK's layout) and `out.loci.tsv` (one row per locus). Index SNPs in
/// the association file but absent from the `.bim` are reported as a warning, as PLINK does.
@discardableResult
public func loci(assoc: String, bfile: String, settings: LociSettings = LociSettings(), out: String,
                 context: RunContext) throws -> LociResult {
    context.input("assoc", assoc)
    let results = try context.step("read association results") {
        try AssociationPValues(path: assoc, idField: settings.idField, pField: settings.pField)
    }
    context.input("SNP column", results.idField)
    context.input("p-value column", results.pField)
    let data = try context.step("open genotypes") { try PlinkDataset(prefix: bfile) }
    let tested = results.rows.count
    guard tested > 0 else {
        throw FormatError(path: assoc, "no rows with a numeric p-value in column \(results.pField)")
    }
    let parameters = ClumpParameters(p1: settings.p1 ?? 0.05 / Double(tested), p2: settings.p2,
                                     r2: settings.r2, kb: settings.kb)
    let panel = GenotypePanel(dataset: data, foundersOnly: settings.foundersOnly)
    guard panel.individuals.count >= 2 else {
        throw UsageError("fewer than two \(settings.foundersOnly ? "founders" : "individuals") in \(bfile).fam: r² cannot be computed")
    }
    context.setting("p1", parameters.p1)
    context.setting("p2", parameters.p2)
    context.setting("r2", parameters.r2)
    context.setting("kb", parameters.kb)
    context.setting("LD individuals", settings.foundersOnly ? "founders" : "all")
    let clumping = context.step("clump") {
        Clumping(results: results, variants: data.bim, panel: panel, parameters: parameters)
    }
    if results.skipped > 0 { context.warn("\(results.skipped) rows of \(assoc) had no numeric p-value and were skipped") }
    if !clumping.missingIndexIDs.isEmpty {
        let shown = clumping.missingIndexIDs.prefix(5).joined(separator: ", ")
        context.warn("\(clumping.missingIndexIDs.count) SNPs with p ≤ p1 are not in \(bfile).bim and were ignored (\(shown)\(clumping.missingIndexIDs.count > 5 ? ", …" : ""))")
    }
    context.figure("tested SNPs", tested)
    context.figure("SNPs matched in .bim", clumping.matchedRows)
    context.figure("LD individuals", panel.individuals.count)
    context.figure("loci", clumping.clumps.count)
    try context.write(ClumpReport.clumpedText(clumping, variants: data.bim), to: out + ".clumped")
    try context.write(ClumpReport.lociTable(clumping), to: out + ".loci.tsv")
    return LociResult(clumps: clumping.clumps, parameters: parameters, testedSNPs: tested)
}
