import Formats
import Numerics
import Relatedness

/// Settings of `gwasflow grm --pcs`.
public struct PCGRMSettings: Equatable, Sendable {
    /// Leading PCs used (the paper: 40).
    public var count: Int
    /// Weighting of each PC before the correlation.
    public var scale: PCScale
    /// Also write the n × n matrix (`PREFIX.pcrel.txt`, GEMMA text); otherwise only the factor.
    public var dense: Bool

    public init(count: Int = 40, scale: PCScale = .none, dense: Bool = false) {
        self.count = count; self.scale = scale; self.dense = dense
    }
}

/// `gwasflow grm --pcs`: the paper's PC relatedness, `G_ij` = Pearson correlation of individuals
/// i and j's vectors of leading PC scores, written as the low-rank factor `PREFIX.pcfactor.tsv`
/// (`G = W Wᵀ`, n × k: nothing n × n is formed unless `dense`).
///
/// `pcs` is any file `Eigenvectors.read` accepts (PLINK 2/1.9 `.eigenvec`, EIGENSOFT, GEMMA
/// `.eigenU.txt`); the leading PCs are those of largest eigenvalue when the file has eigenvalues,
/// else the first columns. Eigenvalues for `--pc-scale` come from the file or PLINK's `.eigenval`
/// beside it. With `bfile` the rows follow the `.fam` (every individual needs scores); without
/// it, the file's rows and IDs (GEMMA files carry no IDs, so they need `bfile`).
@discardableResult
public func pcRelatedness(pcs: String, bfile: String?, settings: PCGRMSettings, out: String,
                          context: RunContext) throws -> PCRelatedness {
    context.input("pcs", pcs)
    let file = try context.step("read PCs") { try Eigenvectors.read(path: pcs) }
    var scores: Matrix<Double>
    var ids: [(fid: String, iid: String)]
    if let bfile {
        context.input("bfile", bfile)
        let fam = try PlinkDataset(prefix: bfile).fam
        let (values, match) = try file.aligned(to: fam)
        guard match.absent == 0 else {
            let example = (0..<fam.count).first { values[$0, 0].isNaN }.map { "\(fam[$0].fid) \(fam[$0].iid)" } ?? ""
            throw FormatError(path: pcs, "\(match.absent) of \(fam.count) .fam individuals have no PC scores (e.g. \(example))")
        }
        scores = values
        ids = fam.map { ($0.fid, $0.iid) }
    } else {
        guard file.format != .gemma else {
            throw UsageError("\(pcs) is a GEMMA eigenvector file, which carries no IDs: pass --bfile PREFIX to name its rows")
        }
        scores = file.vectors
        ids = file.ids.map { ($0.fid ?? $0.iid, $0.iid) }
    }
    let columns = try file.leadingColumns(settings.count)
    scores = scores.selectingColumns(columns)
    var eigenvalues: [Double] = []
    if settings.scale != .none {
        guard let all = try file.columnEigenvalues() else {
            throw UsageError("--pc-scale \(settings.scale.rawValue) needs eigenvalues: \(pcs) has none and no PLINK .eigenval file is beside it")
        }
        eigenvalues = columns.map { all[$0] }
    }
    context.setting("PCs", settings.count)
    context.setting("PC scale", settings.scale.rawValue)
    let pc: PCRelatedness
    do {
        pc = try PCRelatedness(scores: scores, count: settings.count, scale: settings.scale, eigenvalues: eigenvalues)
    } catch let e as PCRelatednessError {
        throw UsageError("\(pcs): \(e)")
    }
    context.figure("individuals", pc.count)
    try context.step("write") {
        try context.write(PCFactorFile.bytes(pc.factor, ids: ids), to: PCFactorFile.path(out))
        if settings.dense { try context.write(to: out + ".pcrel.txt") { try GEMMAMatrixText.write(pc.dense(), to: $0) } }
    }
    return pc
}
