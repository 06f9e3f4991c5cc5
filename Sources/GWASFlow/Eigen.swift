import Formats
import Numerics
import Relatedness

/// The individuals an association run analyses: those with every selected trait of `pheno` and
/// every covariate of `covar` present (as `assoc` selects them).
public struct AnalysedIndividuals {
    /// Phenotype table, as `assoc --pheno`.
    public var pheno: String
    /// Its selected columns, as `assoc --columns`.
    public var columns: ColumnSelection
    /// Covariate table, as `assoc --covar` (nil: intercept only).
    public var covar: String?

    /// The selection of `assoc --pheno pheno --columns columns --covar covar`.
    public init(pheno: String, columns: ColumnSelection = .all, covar: String? = nil) {
        self.pheno = pheno
        self.columns = columns
        self.covar = covar
    }
}

/// `gwasflow eigen`: GEMMA's `-eigen`, writing `PREFIX.eigenD.txt` and `PREFIX.eigenU.txt`.
///
/// The matrix is `grm` (GEMMA text, or a GCTA `.grm.bin` prefix) or, without it, the GRM built
/// from `bfile` with `settings` (as `gwasflow grm` would). With `analysed` (needs `bfile` for the
/// IDs), K is restricted to the individuals `assoc` would analyse, in `.fam` order: its eigen files
/// are then those of exactly the analysed individuals, which `assoc --eigen` uses as they are
/// instead of recomposing and decomposing K again in every run (e.g. every per-chromosome job).
/// Otherwise, as GEMMA's `-bfile P -k K -eigen` does, when `bfile` is given only the individuals
/// with a `.fam` phenotype are kept (rows and columns of the others dropped) — unless none has one.
/// Then the matrix is double-centred, decomposed with LAPACK `dsyevd`, and eigenvalues below
/// 1e-10 are set to 0 (see `GRMEigen`).
@discardableResult
public func eigen(grm grmPath: String?, bfile: String?, settings: GRMSettings, analysed selection: AnalysedIndividuals? = nil,
                  out: String, context: RunContext) throws -> GRMEigendecomposition {
    let data = try bfile.map { b in try context.step("open genotypes") { try PlinkDataset(prefix: b) } }
    var matrix: Matrix<Double>
    if let grmPath {
        matrix = try context.step("read GRM") { try readGRMMatrix(grmPath) }
        if let data, matrix.rows != data.fam.count {
            throw FormatError(path: grmPath, "\(matrix.rows) × \(matrix.rows) matrix, but \(data.prefix).fam has \(data.fam.count) individuals")
        }
    } else if let data {
        guard settings.keep == nil else { throw UsageError("eigen builds the GRM over every .fam individual; --keep applies to gwasflow grm") }
        let setup = try GRMSetup(data: data, settings: settings, context: context)
        let sum = GRMSetup.partialSum(setup.builder(bed: data.bed, settings: settings), snps: setup.snps, context: context)
        guard sum.snpCount > 0 else { throw UsageError("no SNP of \(data.prefix).bed passed the filters") }
        context.figure("SNPs used", sum.snpCount)
        matrix = sum.normalized().matrix
    } else {
        throw UsageError("nothing to decompose: pass --grm FILE (a GEMMA .cXX.txt/.sXX.txt or GCTA .grm.bin), or --bfile PREFIX to build the GRM")
    }
    if let selection {
        guard let data else { throw UsageError("--pheno needs --bfile: its .fam lines the phenotype rows up with the GRM's individuals") }
        let (table, covariates) = try readTraits(pheno: selection.pheno, columns: selection.columns, covar: selection.covar,
                                                 fam: data.fam, context: context)
        let kept = analysedRows(traits: table.values, covariates: covariates)
        guard !kept.isEmpty else { throw FormatError(path: selection.pheno, "no .fam individual has every selected trait and covariate") }
        context.figure("analysed individuals", "\(kept.count) of \(data.fam.count)")
        context.setting("eigendecomposition", "of K restricted to the individuals assoc analyses with these traits and covariates, in .fam order")
        matrix = subset(matrix, kept)
    } else if let data {
        let kept = data.fam.indices.filter { data.fam[$0].hasGEMMAPhenotype }
        if !kept.isEmpty && kept.count < data.fam.count {
            context.warn("as GEMMA -eigen: decomposing the \(kept.count) of \(data.fam.count) individuals with a .fam phenotype; eigenU rows follow them in .fam order")
            matrix = matrix.selectingRows(kept).selectingColumns(kept)
        }
    }
    context.figure("individuals", matrix.rows)
    // Handed over, not copied: the decomposition centres it in place and overwrites it with U.
    var input: Matrix<Double>? = consume matrix
    let e = try context.step("eigendecomposition") { try GRMEigen.decompose(input.take()!) }
    if e.zeroedCount > 0 { context.figure("eigenvalues set to 0 (below 1e-10)", e.zeroedCount) }
    try context.step("write") {
        for file in GEMMAEigenFiles.matrices(e) {
            try context.write(to: out + file.suffix) { try GEMMAMatrixText.write(file.matrix, to: $0) }
        }
    }
    return e
}

/// A GRM from GEMMA text (`.cXX.txt`, any square matrix file) or GCTA binary (`X.grm.bin`, or the
/// prefix `X` with `X.grm.bin` beside it).
func readGRMMatrix(_ path: String) throws -> Matrix<Double> {
    if path.hasSuffix(".grm.bin") { return try GCTAGRMFiles.read(prefix: String(path.dropLast(".grm.bin".count))).matrix }
    if !fileExists(path) && fileExists(path + ".grm.bin") { return try GCTAGRMFiles.read(prefix: path).matrix }
    return try GEMMAMatrixText.readSquare(path: path)
}
