import Formats
import Foundation
import Loci

/// Settings of `gwasflow qc`; a nil threshold switches that filter off.
public struct QCSettings: Equatable, Sendable {
    public var maf: Double?
    public var geno: Double?
    public var hwe: Double?
    /// LD pruning (PLINK `--indep-pairwise window step r2`), nil for none.
    public var pruning: Pruning?
    /// Frequencies, HWE and LD from founders only (PLINK's default) instead of every individual.
    public var foundersOnly: Bool

    /// PLINK's `--indep-pairwise` arguments.
    public struct Pruning: Equatable, Sendable {
        public var window: LDPruning.Window
        public var step: Int
        public var r2: Double
        public init(window: LDPruning.Window, step: Int, r2: Double) { self.window = window; self.step = step; self.r2 = r2 }

        /// Parses `--indep-pairwise WINDOW STEP R2` as PLINK writes it (`500kb 1 0.8`, `50 5 0.5`).
        public init(plinkArguments a: [String]) throws {
            guard a.count == 3 else {
                throw UsageError("--indep-pairwise takes three values: window step r2 (e.g. --indep-pairwise 500kb 1 0.8)")
            }
            guard let window = LDPruning.Window(plinkText: a[0]) else {
                throw UsageError("--indep-pairwise window must be like 500kb or a SNP count ≥ 2, got \(a[0])")
            }
            guard let step = Int(a[1]), step >= 1 else {
                throw UsageError("--indep-pairwise step must be a whole number ≥ 1, got \(a[1])")
            }
            guard let r2 = Double(a[2]), r2 >= 0, r2 < 1 else {
                throw UsageError("--indep-pairwise r² must be in [0, 1), got \(a[2])")
            }
            self.init(window: window, step: step, r2: r2)
        }
    }

    public init(maf: Double? = nil, geno: Double? = nil, hwe: Double? = nil, pruning: Pruning? = nil, foundersOnly: Bool = false) {
        self.maf = maf; self.geno = geno; self.hwe = hwe; self.pruning = pruning; self.foundersOnly = foundersOnly
    }
}

/// `gwasflow qc`: PLINK 1.9 variant QC — `--geno`, `--hwe` (exact test), `--maf`, then
/// `--indep-pairwise` on the SNPs that pass (see `VariantQC`, `LDPruning`).
///
/// Writes `out.snplist` (kept SNP identifiers, sorted genome order: PLINK's `.prune.in` when
/// pruning) and `out.qc.tsv` (per SNP: `snp chr bp maf missing hwe_p status`, status `kept` or
/// the reasons it was dropped: `geno`, `hwe`, `maf`, `ld`, or `chr0` for unplaced SNPs,
/// which PLINK leaves out of pruning output). Returns the kept `.bim` rows.
@discardableResult
public func qc(bfile: String, settings: QCSettings, out: String, context: RunContext) throws -> [Int] {
    let data = try context.step("open genotypes") { try PlinkDataset(prefix: bfile) }
    let panel = GenotypePanel(dataset: data, foundersOnly: settings.foundersOnly)
    context.setting("QC individuals", settings.foundersOnly ? "founders" : "all")
    if let v = settings.maf { context.setting("maf", v) }
    if let v = settings.geno { context.setting("geno", v) }
    if let v = settings.hwe { context.setting("hwe", v) }
    let qc = context.step("SNP statistics") {
        VariantQC(dataset: data, panel: panel, thresholds: .init(maf: settings.maf, geno: settings.geno, hwe: settings.hwe))
    }
    let passing = data.bim.indices.filter { qc.failures[$0].isEmpty }
    var status = data.bim.indices.map { qc.failures[$0].map(\.rawValue).joined(separator: ",") }
    let order = VariantOrder(data.bim)
    let kept: [Int]
    if let pruning = settings.pruning {
        guard panel.individuals.count >= 2 else {
            throw UsageError("fewer than two \(settings.foundersOnly ? "founders" : "individuals") in \(bfile).fam: LD pruning needs at least two")
        }
        context.setting("indep-pairwise", "\(pruning.window) step \(pruning.step) r2 \(pruning.r2)")
        let result = context.step("LD pruning") {
            LDPruning(variants: data.bim, candidates: Set(passing), panel: panel, maf: qc.statistics.map(\.maf),
                      window: pruning.window, step: pruning.step, r2: pruning.r2)
        }
        for row in result.pruned { status[row] = "ld" }
        kept = result.kept
        let decided = Set(result.kept).union(result.pruned)
        for row in passing where !decided.contains(row) { status[row] = "chr0" }
        context.figure("pruned for LD", result.pruned.count)
    } else {
        kept = order.rows.filter { qc.failures[$0].isEmpty }
    }
    for row in kept { status[row] = "kept" }
    context.figure("SNPs", data.bim.count)
    context.figure("failed geno", qc.failures.filter { $0.contains(.geno) }.count)
    context.figure("failed hwe", qc.failures.filter { $0.contains(.hwe) }.count)
    context.figure("failed maf", qc.failures.filter { $0.contains(.maf) }.count)
    context.figure("kept", kept.count)

    var table = "snp\tchr\tbp\tmaf\tmissing\thwe_p\tstatus\n"
    for row in order.rows {
        let v = data.bim[row], s = qc.statistics[row]
        table += "\(v.id)\t\(v.chromosome)\t\(v.position)\t\(String(format: "%.6g", s.maf))\t\(String(format: "%.6g", s.missingRate))\t"
        table += "\(String(format: "%.6g", s.hweP))\t\(status[row])\n"
    }
    try context.write(kept.map { data.bim[$0].id + "\n" }.joined(), to: out + ".snplist")
    try context.write(table, to: out + ".qc.tsv")
    return kept
}
