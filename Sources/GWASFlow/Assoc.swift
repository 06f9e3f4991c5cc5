import Association
import Formats
import Foundation
import Numerics
import Relatedness

/// Where the relatedness of `gwasflow assoc` comes from.
public enum RelatednessSource: Equatable, Sendable {
    /// A GEMMA text matrix (`.cXX.txt` / `.sXX.txt`) over the `.fam` individuals.
    case grm(String)
    /// GEMMA eigen files `PREFIX.eigenD.txt` / `PREFIX.eigenU.txt`, over the `.fam` individuals or
    /// over exactly the analysed ones.
    case eigen(String)
    /// The paper's PC relatedness (as `gwasflow grm --pcs`) from the first `count` PCs of an
    /// eigenvector file (IDs matched to the `.fam`), decomposed from its n × count factor.
    case pcs(path: String, count: Int)
}

/// Settings of `gwasflow assoc` beyond the input files.
public struct AssocSettings: Sendable {
    public var relatedness: RelatednessSource
    /// Phenotype columns to use.
    public var columns: ColumnSelection
    /// Covariate file; nil means an intercept only.
    public var covar: String?
    /// Only SNPs on this chromosome (`.bim` first column).
    public var chromosome: String?
    /// Only `.bim` rows in this 1-based inclusive range.
    public var snpRange: ClosedRange<Int>?
    /// With several columns, test each alone (univariate) instead of jointly (multivariate).
    public var perTrait: Bool
    /// GEMMA's SNP filters.
    public var filter: AssociationSNPFilter
    /// Arithmetic of the rotation GEMM.
    public var precision: RotationPrecision

    public init(relatedness: RelatednessSource, columns: ColumnSelection = .all, covar: String? = nil,
                chromosome: String? = nil, snpRange: ClosedRange<Int>? = nil, perTrait: Bool = false,
                filter: AssociationSNPFilter = .gemmaDefault, precision: RotationPrecision = .float) {
        self.relatedness = relatedness; self.columns = columns; self.covar = covar
        self.chromosome = chromosome; self.snpRange = snpRange; self.perTrait = perTrait
        self.filter = filter; self.precision = precision
    }
}

/// One association table written by `assoc`.
public struct AssocTable: Sendable {
    /// The trait (univariate) or the traits joined by `+` (multivariate).
    public var name: String
    /// The file written.
    public var path: String
    /// `.bim` rows of the tested SNPs, in file order.
    public var snps: [Int]
    /// Natural-log p-values, one per tested SNP.
    public var logP: [Double]
    /// Genomic-control λ of the p-values.
    public var lambdaGC: Double?
}

/// What `gwasflow assoc` did.
public struct AssocResult {
    /// Analysed individuals (every selected trait and covariate present).
    public var analysed: Int
    /// SNPs examined and SNPs that passed the filters.
    public var candidates: Int
    public var tested: Int
    /// The tables written.
    public var tables: [AssocTable]
    /// Univariate null fits (ML, REML) per trait, when univariate tests ran.
    public var univariateFits: [(trait: String, maximum: UnivariateNullFit, restricted: UnivariateNullFit)]
    /// Multivariate null fits (REML, ML), when the multivariate test ran.
    public var multivariateFit: (restricted: MultivariateNullFit, maximum: MultivariateNullFit)?
}

/// `gwasflow assoc`: GEMMA 0.98.5's LMM score tests (`-lmm 3`) on PLINK genotypes.
///
/// One selected column, or `perTrait`: the univariate test per trait, written to `out.assoc.txt`
/// (one trait) or `out.NAME.assoc.txt` (one per trait). Several columns: the multivariate test,
/// `out.assoc.txt`. Individuals missing any selected trait or covariate are dropped, and the
/// relatedness is restricted to the rest (a GRM is subset and decomposed; eigen files over all
/// `.fam` individuals are recomposed into K, subset and decomposed again, as GEMMA would on `-k`).
@discardableResult
public func assoc(bfile: String, pheno: String, settings: AssocSettings, out: String, context: RunContext) throws -> AssocResult {
    let data = try context.step("read genotypes") { try PlinkDataset(prefix: bfile) }
    let (table, covariates) = try readTraits(pheno: pheno, columns: settings.columns, covar: settings.covar, fam: data.fam, context: context)
    return try associate(dataset: data, traits: table.values, names: table.names, covariates: covariates,
                         settings: settings, out: out, context: context)
}

/// The selected traits and the covariates (`.fam`-aligned) as `assoc` reads them, logged.
func readTraits(pheno: String, columns: ColumnSelection, covar: String?, fam: [FamRecord],
                context: RunContext) throws -> (table: PhenotypeTable, covariates: Matrix<Double>?) {
    context.input("pheno", pheno)
    let table = try PhenotypeTable.read(path: pheno, fam: fam, columns: columns)
    context.input("traits", table.names.joined(separator: ","))
    context.figure("phenotype rows", table.match.description)
    var covariates: Matrix<Double>?
    if let covar {
        context.input("covar", covar)
        let c = try CovariateTable.read(path: covar, fam: fam)
        for note in c.notes { context.figure("covariates", note) }
        covariates = c.values
    }
    return (table, covariates)
}

/// The `.fam` rows with every trait and every covariate present: the individuals `assoc` analyses
/// (without covariates, the intercept alone).
func analysedRows(traits: Matrix<Double>, covariates: Matrix<Double>?) -> [Int] {
    (0..<traits.rows).filter { i in
        (0..<traits.columns).allSatisfy { !traits[i, $0].isNaN }
            && (covariates.map { c in (0..<c.columns).allSatisfy { !c[i, $0].isNaN } } ?? true)
    }
}

/// The association on traits already in memory (`.fam`-aligned, NaN missing); what `assoc` and
/// `compare` share. Writes the tables under `out` as `assoc` describes.
public func associate(dataset data: PlinkDataset, traits: Matrix<Double>, names: [String], covariates: Matrix<Double>?,
                      settings: AssocSettings, out: String, context: RunContext) throws -> AssocResult {
    precondition(traits.rows == data.fam.count && names.count == traits.columns, "traits are .fam-aligned, one name per column")
    guard traits.columns > 0 else { throw UsageError("no phenotype column selected") }
    let famCount = data.fam.count
    let w = covariates ?? Matrix(rows: famCount, columns: 1, repeating: 1)
    let analysed = analysedRows(traits: traits, covariates: covariates)
    context.figure("analysed individuals", "\(analysed.count) of \(famCount)")
    guard analysed.count > w.columns + 2 else {
        throw UsageError("only \(analysed.count) individuals have every selected trait and covariate; the model needs at least \(w.columns + 3)")
    }
    let eigen = try analysedEigen(settings.relatedness, fam: data.fam, analysed: analysed, context: context)
    let u = eigen.vectors
    let rotatedW = BLAS.product(u, w.selectingRows(analysed), transA: .transposed)
    let rotatedY = BLAS.product(u, traits.selectingRows(analysed), transA: .transposed)
    let traceG = eigen.values.reduce(0, +) / Double(analysed.count)

    // Null models and their score tests.
    var tests: [(name: String, path: String, test: ScoreTest)] = []
    var univariateFits: [(trait: String, maximum: UnivariateNullFit, restricted: UnivariateNullFit)] = []
    var multivariateFit: (restricted: MultivariateNullFit, maximum: MultivariateNullFit)?
    let univariate = traits.columns == 1 || settings.perTrait
    if univariate {
        for t in 0..<traits.columns {
            let null = try UnivariateNull(eigenvalues: eigen.values, covariates: rotatedW, trait: rotatedY.column(t))
            let (ml, reml) = context.step("null model \(names[t])") { (null.fit(.maximum), null.fit(.restricted)) }
            univariateFits.append((names[t], ml, reml))
            let label = traits.columns == 1 ? "" : " (\(names[t]))"
            context.figure("lambda ML\(label)", ml.lambda)
            context.figure("log-likelihood ML\(label)", ml.logLikelihood)
            context.figure("lambda REML\(label)", reml.lambda)
            context.figure("log-likelihood REML\(label)", reml.logLikelihood)
            context.figure("vg REML\(label)", reml.vg)
            context.figure("ve REML\(label)", reml.ve)
            context.figure("pve REML\(label)", traceG * reml.vg / (traceG * reml.vg + reml.ve))
            let path = traits.columns == 1 ? out + ".assoc.txt" : "\(out).\(names[t]).assoc.txt"
            tests.append((names[t], path, try ScoreTest.univariate(null: null, lambda: ml.lambda)))
        }
    } else {
        let null = try MultivariateNull(eigenvalues: eigen.values, covariates: rotatedW, traits: rotatedY)
        let fits = try context.step("multivariate null model") { try null.fitGEMMA() }
        multivariateFit = fits
        for (label, fit) in [("REML", fits.restricted), ("ML", fits.maximum)] {
            context.figure("Vg \(label)", matrixText(fit.vg))
            context.figure("Ve \(label)", matrixText(fit.ve))
            context.figure("log-likelihood \(label)", fit.logLikelihood)
            context.figure("iterations \(label)", "EM \(fit.emIterations), Newton \(fit.newtonIterations)")
            if !fit.converged { context.warn("the multivariate \(label) null fit stopped before Newton's method converged") }
        }
        tests.append((names.joined(separator: "+"), out + ".assoc.txt", try ScoreTest.multivariate(null: null, vg: fits.maximum.vg, ve: fits.maximum.ve)))
    }

    // SNPs.
    var snps = Array(0..<data.bim.count)
    if let range = settings.snpRange {
        guard range.lowerBound >= 1, range.upperBound <= data.bim.count else {
            throw UsageError("--snps \(range.lowerBound)-\(range.upperBound) is outside the .bim's rows 1-\(data.bim.count)")
        }
        snps = Array((range.lowerBound - 1)...(range.upperBound - 1))
    }
    if let chromosome = settings.chromosome { snps = snps.filter { data.bim[$0].chromosome == chromosome } }
    context.figure("SNPs examined", snps.count)
    let rotation = try GenotypeRotation(bed: data.bed, individuals: analysed, eigenvectors: u, covariates: w.selectingRows(analysed),
                                        filter: settings.filter, precision: settings.precision)
    context.setting("rotation precision", settings.precision.rawValue)
    let traitCounts = tests.map { $0.test.isUnivariate ? 1 : $0.test.traitCount }
    var writers = traitCounts.map { AssociationTable(traits: $0) }
    var logPs = [[Double]](repeating: [], count: tests.count)
    var tested: [Int] = []
    context.step("score tests", total: snps.count, unit: "SNPs") { progress in
        var examined = 0
        // Each chunk is tested and its rows formatted on the rotation's workers, then joined in order.
        rotation.scan(snps: snps, progress: { done in progress.advance(by: done - examined); examined = done }, analyse: { kept, rotated in
            var parts: [(rows: AssociationTable, logP: [Double])] = []
            for (t, entry) in tests.enumerated() {
                // A test squares its block in place: every test but the last gets a copy.
                var copy = t == tests.count - 1 ? Matrix(rows: 0, columns: 0) : rotated
                let results = t == tests.count - 1 ? entry.test.test(&rotated) : entry.test.test(&copy)
                var rows = AssociationTable(traits: traitCounts[t], header: false)
                for (snp, result) in zip(kept, results) { rows.append(variant: data.bim[snp.index], snp: snp, result: result) }
                parts.append((rows, results.map(\.logP)))
            }
            return (kept.map(\.index), parts)
        }, collect: { snps, parts in
            tested += snps
            for (t, part) in parts.enumerated() {
                writers[t].append(rowsOf: part.rows)
                logPs[t] += part.logP
            }
        })
    }
    context.figure("SNPs tested", tested.count)
    var tables: [AssocTable] = []
    for (t, entry) in tests.enumerated() {
        try context.write(writers[t].bytes, to: entry.path)
        let lambda = GenomicControl.lambda(logP: logPs[t])
        if let lambda { context.figure("lambda GC\(tests.count > 1 ? " (\(entry.name))" : "")", lambda) }
        tables.append(AssocTable(name: entry.name, path: entry.path, snps: tested, logP: logPs[t], lambdaGC: lambda))
    }
    return AssocResult(analysed: analysed.count, candidates: snps.count, tested: tested.count, tables: tables,
                       univariateFits: univariateFits, multivariateFit: multivariateFit)
}

/// The eigendecomposition of K over the analysed individuals (GEMMA: K subset, then `-eigen`'s
/// centring and decomposition).
///
/// Eigen files over every `.fam` individual when some are not analysed: K is recomposed on the
/// analysed rows, `U_a diag(d) U_aᵀ`, and decomposed again. That is exact (the centring GEMMA
/// applies to the subset absorbs the centring over all individuals that the files carry), but it
/// is an O(n³) step in every run, e.g. in each per-chromosome job; eigen files of exactly the
/// analysed individuals (GEMMA's `-d/-u` convention; `gwasflow eigen --pheno` writes them) skip it.
func analysedEigen(_ source: RelatednessSource, fam: [FamRecord], analysed: [Int], context: RunContext) throws -> GRMEigendecomposition {
    let famCount = fam.count
    switch source {
    case .grm(let path):
        context.input("grm", path)
        let k = try context.step("read GRM") { try GEMMAMatrixText.readSquare(path: path) }
        guard k.rows == famCount else {
            throw FormatError(path: path, "\(k.rows) × \(k.rows) matrix, but the .fam has \(famCount) individuals")
        }
        return try context.step("eigendecomposition") { try GRMEigen.decompose(subset(k, analysed)) }
    case .eigen(let prefix):
        context.input("eigen", prefix)
        let e = try context.step("read eigendecomposition") { try GEMMAEigenFiles.readTransposed(prefix: prefix) }
        if e.count == analysed.count && (analysed.count == famCount || e.count != famCount) {
            if e.count != famCount { context.setting("eigendecomposition", "of the \(e.count) analysed individuals, in .fam order") }
            return GRMEigendecomposition(consume e)
        }
        guard e.count == famCount else {
            throw FormatError(path: GEMMAEigenFiles.valuesPath(prefix),
                              "\(e.count) eigenvalues, but there are \(famCount) individuals in the .fam and \(analysed.count) analysed; eigen files must cover the .fam or exactly the analysed individuals (GEMMA eigen files carry no IDs)")
        }
        context.warn("\(famCount - analysed.count) of \(famCount) individuals lack a trait or covariate: K is recomposed from the eigen files on the \(analysed.count) analysed and decomposed again")
        return try context.step("eigendecomposition") { try GRMEigen.decompose(e.recomposed(rows: analysed)) }
    case let .pcs(path, count):
        context.input("pcs", path)
        let file = try context.step("read PCs") { try Eigenvectors.read(path: path) }
        let (scores, match) = try file.aligned(to: fam)
        context.figure("PC rows matched", match.description)
        if let absent = analysed.first(where: { scores[$0, 0].isNaN }) {
            throw FormatError(path: path, "no PC scores for \(fam[absent].fid) \(fam[absent].iid), an analysed individual")
        }
        guard count < analysed.count else {
            throw UsageError("--n-pcs \(count) needs more analysed individuals than PCs (\(analysed.count) analysed)")
        }
        let factor: Matrix<Double>
        do {
            factor = try PCRelatedness(scores: scores.selectingRows(analysed).selectingColumns(try file.leadingColumns(count)), count: count).factor
        } catch let error as PCRelatednessError {
            throw UsageError("--pcs \(path): \(error.description)")
        }
        context.setting("relatedness", "PC relatedness from \(count) PCs, decomposed from its low-rank factor")
        return try context.step("eigendecomposition") { try LowRankEigen.decompose(factor: factor) }
    }
}

/// Rows and columns `rows` of a square matrix.
func subset(_ k: Matrix<Double>, _ rows: [Int]) -> Matrix<Double> {
    if rows.count == k.rows { return k }
    var out = Matrix<Double>(rows: rows.count, columns: rows.count)
    for (b, j) in rows.enumerated() { for (a, i) in rows.enumerated() { out[a, b] = k[i, j] } }
    return out
}

/// A small matrix as `[a b; c d]` for the log.
func matrixText(_ m: Matrix<Double>) -> String {
    "[" + (0..<m.rows).map { i in (0..<m.columns).map { "\(m[i, $0])" }.joined(separator: " ") }.joined(separator: "; ") + "]"
}
