import Association
import Dependence
import Formats
import Foundation
import Loci
import Numerics

/// Settings of `gwasflow compare` beyond the input files.
public struct CompareSettings: Sendable {
    /// Phenotype table and the columns of the trait group.
    public var pheno: String
    public var columns: ColumnSelection = .all
    /// Covariates projected out of every arm's phenotypes first.
    public var covar: String?
    /// A GEMMA text GRM (`.fam` order); used by the flows and by the LMMs.
    public var grm: String?
    /// A `gwasflow eigen` prefix of that GRM (reused when it applies), or the only relatedness input.
    public var eigen: String?
    /// Instead: principal components (.eigenvec) and how many lead the paper's PC relatedness, for
    /// the flows (low rank, as `normalize --pcs`) and the LMMs (`assoc --pcs`).
    public var pcs: (path: String, count: Int)?
    /// Flow schedule settings shared by the two flow arms (the kind is set per arm).
    public var schedule = ScheduleSettings()
    /// Validation fraction of the flow training.
    public var validationFraction = 0.15
    /// Locus definition (defaults: the paper's p1 = 0.05 / tested SNPs, r² 0.1, 250 kb).
    public var loci = LociSettings()
    /// The simulator's truth file (`chr rs ps …`, one causal SNP per row), if known.
    public var truth: String?

    public init(pheno: String) { self.pheno = pheno }
}

/// One arm's outcome.
public struct CompareArm: Sendable {
    /// `single`, `baseline` or `alternating`.
    public var method: String
    /// Independent loci (clumps).
    public var loci: Int
    /// Genomic-control λ of the arm's tests (Single: the mean over its per-trait tests).
    public var lambdaGC: Double?
    /// Wall seconds of the arm (normalisation, association and clumping).
    public var seconds: Double
    /// With a truth file: causal SNPs with a locus index within the clump radius, and loci with none.
    public var trueLoci: Int?
    public var falseLoci: Int?
}

/// `gwasflow compare`: the paper's three arms on one trait group, each followed by LD clumping
/// (method.md §7):
///
/// - **Single**: covariates projected out of each trait, rank-based inverse normal transform, the
///   univariate LMM score test per trait; per SNP `p = min(1, d · min_t p_t)` (`out.single.assoc.txt`);
/// - **Baseline**: `normalize --schedule baseline`, then the multivariate LMM score test;
/// - **Alternating**: `normalize --schedule alternating`, then the multivariate LMM score test.
///
/// Every arm uses the individuals with every trait (and covariate) observed; the LMMs have an
/// intercept only, the covariates having been projected out. Writes each arm's files under
/// `out.single.*`, `out.baseline.*`, `out.alternating.*`, and `out.compare.tsv`
/// (`method loci lambda_gc seconds`, plus `true_loci false_loci` with a truth file). A locus is true
/// when a causal SNP lies within the clump radius (`kb`) of its index SNP on the same chromosome.
@discardableResult
public func compare(bfile: String, settings: CompareSettings, out: String, context: RunContext) throws -> [CompareArm] {
    let data = try context.step("read genotypes") { try PlinkDataset(prefix: bfile) }
    let famPath = bfile + ".fam"
    let assocRelatedness: RelatednessSource, flowRelatedness: NormalizeRelatedness
    if let pcs = settings.pcs {
        guard settings.grm == nil && settings.eigen == nil else { throw UsageError("compare takes --grm [--eigen] or --pcs, not both") }
        (assocRelatedness, flowRelatedness) = (.pcs(path: pcs.path, count: pcs.count), .pcs(path: pcs.path, count: pcs.count))
    } else if let grm = settings.grm {
        (assocRelatedness, flowRelatedness) = (.grm(grm), .grm(path: grm, eigen: settings.eigen))
    } else if let eigen = settings.eigen {
        (assocRelatedness, flowRelatedness) = (.eigen(eigen), .eigen(prefix: eigen))
    } else {
        throw UsageError("compare needs --grm, --eigen or --pcs with --n-pcs")
    }
    let truth = try settings.truth.map { try causalSNPs(path: $0) }
    var arms: [CompareArm] = []

    // Single.
    var start = StepProgress.monotonicSeconds()
    let table = try PhenotypeTable.read(path: settings.pheno, fam: data.fam, columns: settings.columns)
    let covariates = try settings.covar.map { try CovariateTable.read(path: $0, fam: data.fam) }
    let residualization: Residualization
    do {
        residualization = try Residualization.fit(phenotypes: table.values, names: table.names, covariates: covariates?.values,
                                                  covariateNames: covariates?.names ?? [])
    } catch let error as ResidualizationError { throw UsageError(error.description) }
    let kept = covariates.map { c in c.values.selectingColumns(residualization.covariateNames.map { c.names.firstIndex(of: $0)! }) }
    let z = residualization.apply(phenotypes: table.values, covariates: kept)
    let complete = (0..<z.rows).filter { i in (0..<z.columns).allSatisfy { !z[i, $0].isNaN } }
    var ranked = Matrix<Double>(rows: z.rows, columns: z.columns, repeating: .nan)
    for j in 0..<z.columns {
        let t = RankInverseNormal.transform(complete.map { z[$0, j] })
        for (r, i) in complete.enumerated() { ranked[i, j] = t[r] }
    }
    var single = AssocSettings(relatedness: assocRelatedness)
    single.perTrait = true
    let singleRun = try associate(dataset: data, traits: ranked, names: table.names, covariates: nil, settings: single,
                                  out: out + ".single", context: context)
    let d = Double(table.names.count)
    let minP = (0..<singleRun.tested).map { k in min(0, log(d) + singleRun.tables.map { $0.logP[k] }.min()!) }
    var text = "chr\trs\tps\tp_score\n"
    for (k, snp) in singleRun.tables[0].snps.enumerated() {
        let v = data.bim[snp]
        text += "\(v.chromosome)\t\(v.id)\t\(v.position)\t\(String(format: "%.6e", exp(minP[k])))\n"
    }
    try context.write(text, to: out + ".single.assoc.txt")
    let singleLoci = try loci(assoc: out + ".single.assoc.txt", bfile: bfile, settings: settings.loci, out: out + ".single", context: context)
    let lambdas = singleRun.tables.compactMap(\.lambdaGC)
    arms.append(arm("single", singleLoci, lambdas.isEmpty ? nil : lambdas.reduce(0, +) / Double(lambdas.count),
                    StepProgress.monotonicSeconds() - start, truth: truth, kb: settings.loci.kb))

    // The two flow arms.
    for kind in [ScheduleKind.baseline, .alternating] {
        start = StepProgress.monotonicSeconds()
        var n = NormalizeSettings(pheno: settings.pheno, fam: famPath, relatedness: flowRelatedness)
        n.columns = settings.columns
        n.covar = settings.covar
        n.schedule = settings.schedule
        n.schedule.kind = kind
        n.validationFraction = settings.validationFraction
        let prefix = "\(out).\(kind.rawValue)"
        let normalized = try normalize(settings: n, out: prefix, context: context)
        let run = try associate(dataset: data, traits: normalized.normalized, names: normalized.traits, covariates: nil,
                                settings: AssocSettings(relatedness: assocRelatedness), out: prefix, context: context)
        let found = try loci(assoc: run.tables[0].path, bfile: bfile, settings: settings.loci, out: prefix, context: context)
        arms.append(arm(kind.rawValue, found, run.tables[0].lambdaGC, StepProgress.monotonicSeconds() - start,
                        truth: truth, kb: settings.loci.kb))
    }

    var tsv = "method\tloci\tlambda_gc\tseconds" + (truth == nil ? "" : "\ttrue_loci\tfalse_loci") + "\n"
    for a in arms {
        tsv += "\(a.method)\t\(a.loci)\t\(a.lambdaGC.map { String(format: "%.4f", $0) } ?? "NA")\t\(String(format: "%.1f", a.seconds))"
        if let t = a.trueLoci, let f = a.falseLoci { tsv += "\t\(t)\t\(f)" }
        tsv += "\n"
    }
    try context.write(tsv, to: out + ".compare.tsv")
    for a in arms { context.figure("\(a.method) loci", a.loci) }
    return arms
}

/// The comparison as a table like the paper's Table 3, for stdout.
public func compareTable(_ arms: [CompareArm]) -> String {
    let truth = arms.first?.trueLoci != nil
    var lines = ["Method        Loci   λ_GC    Seconds" + (truth ? "   True  False" : "")]
    let names = ["single": "Single", "baseline": "Baseline", "alternating": "Alternating"]
    for a in arms {
        var line = (names[a.method] ?? a.method).padding(toLength: 12, withPad: " ", startingAt: 0)
        let lambda = a.lambdaGC.map { String(format: "%.3f", $0) } ?? "NA"
        line += String(format: "%6d  ", a.loci) + String(repeating: " ", count: max(0, 6 - lambda.count)) + lambda
        line += String(format: "  %8.1f", a.seconds)
        if let t = a.trueLoci, let f = a.falseLoci { line += String(format: "  %5d  %5d", t, f) }
        lines.append(line)
    }
    return lines.joined(separator: "\n")
}

private func arm(_ method: String, _ result: LociResult, _ lambda: Double?, _ seconds: Double,
                 truth: [(chromosome: String, position: Int)]?, kb: Double) -> CompareArm {
    var a = CompareArm(method: method, loci: result.clumps.count, lambdaGC: lambda, seconds: seconds)
    if let truth {
        let radius = kb * 1000
        func near(_ c: Clump, _ t: (chromosome: String, position: Int)) -> Bool {
            c.chromosome == t.chromosome && abs(Double(c.position - t.position)) <= radius
        }
        a.trueLoci = truth.filter { t in result.clumps.contains { near($0, t) } }.count
        a.falseLoci = result.clumps.filter { c in !truth.contains { near(c, $0) } }.count
    }
    return a
}

/// Causal SNPs of a truth file: its `chr` and `ps` columns.
private func causalSNPs(path: String) throws -> [(chromosome: String, position: Int)] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
    guard let header = lines.first, let c = header.firstIndex(of: "chr"), let p = header.firstIndex(of: "ps") else {
        throw FormatError(path: path, line: 1, "expected a header with chr and ps columns (the simulator's truth file)")
    }
    return try lines.dropFirst().enumerated().map { k, f in
        guard f.count > max(c, p), let position = Int(f[p]) else {
            throw FormatError(path: path, line: k + 2, "expected a chromosome and an integer position")
        }
        return (f[c], position)
    }
}
