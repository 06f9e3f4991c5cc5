import Dependence
import Formats
import Foundation
import Numerics
import Relatedness

/// The relatedness source of `normalize`, read and lined up with the `.fam`: which `.fam`
/// individuals it covers, and the dependence structure over any subset of them.
struct RelatednessInput {
    private enum Kind {
        /// Dense G (matrix row per `.fam` row via `rowOf`) and an optional eigendecomposition of it.
        case dense(Matrix<Double>, eigen: TransposedGRMEigendecomposition?)
        /// Only an eigendecomposition (`.fam` order).
        case eigenOnly(TransposedGRMEigendecomposition)
        /// Per `.fam` row: its PC relatedness factor row (n × k, NaN rows for absent individuals).
        case factor(Matrix<Double>)
        /// Per `.fam` row: its block label.
        case labels([String?])
        case independent
    }

    private let kind: Kind
    /// Matrix row of each `.fam` row (nil: not in the matrix); identity for `.fam`-ordered inputs.
    private let rowOf: [Int?]

    init(_ source: NormalizeRelatedness, fam: [FamRecord], pheno: String, context: RunContext) throws {
        let n = fam.count
        switch source {
        case .independent:
            kind = .independent
            rowOf = Array(0..<n)
        case let .grm(path, eigenPrefix):
            context.input("grm", path)
            let (matrix, mapping) = try Self.readGRM(path, fam: fam)
            var eigen: TransposedGRMEigendecomposition?
            if let eigenPrefix {
                context.input("eigen", eigenPrefix)
                eigen = try GEMMAEigenFiles.readTransposed(prefix: eigenPrefix)
                guard eigen!.count == matrix.rows else {
                    throw UsageError("--eigen \(eigenPrefix) has \(eigen!.count) individuals but the relatedness matrix \(path) has \(matrix.rows)")
                }
            }
            kind = .dense(matrix, eigen: eigen)
            rowOf = mapping
        case let .eigen(prefix):
            context.input("eigen", prefix)
            let eigen = try GEMMAEigenFiles.readTransposed(prefix: prefix)
            guard eigen.count == n else {
                throw UsageError("--eigen \(prefix) has \(eigen.count) individuals but the .fam has \(n); GEMMA eigen files carry no IDs")
            }
            kind = .eigenOnly(eigen)
            rowOf = Array(0..<n)
        case let .pcs(path, count):
            context.input("pcs", path)
            let vectors = try Eigenvectors.read(path: path)
            let (aligned, match) = try vectors.aligned(to: fam)
            context.figure("PC rows matched", match.description)
            let columns = try vectors.leadingColumns(count)
            let scores = aligned.selectingColumns(columns)
            var factor = Matrix<Double>(rows: n, columns: count, repeating: .nan)
            let present = (0..<n).filter { !scores[$0, 0].isNaN }
            do {
                let w = try PCRelatedness(scores: scores.selectingRows(present), count: count).factor
                for (r, i) in present.enumerated() { for j in 0..<count { factor[i, j] = w[r, j] } }
            } catch let error as PCRelatednessError {
                throw UsageError("--pcs \(path): \(error.description)")
            }
            context.setting("relatedness", "PC relatedness from \(count) PCs (low rank, Woodbury)")
            kind = .factor(factor)
            rowOf = (0..<n).map { scores[$0, 0].isNaN ? nil : $0 }
        case let .blocks(column):
            if column.uppercased() == "FID" {
                kind = .labels(fam.map(\.fid))
            } else {
                let table = try PhenotypeTable.read(path: pheno, fam: fam, columns: .names([column]))
                kind = .labels(table.values.column(0).map { $0.isNaN ? nil : String(format: "%.17g", $0) })
            }
            context.setting("relatedness", "equicorrelated blocks by \(column)")
            rowOf = Array(0..<n)
        }
    }

    /// Whether `.fam` row `i` has a relatedness entry.
    func covers(_ i: Int) -> Bool {
        if case let .labels(labels) = kind { return labels[i] != nil }
        return rowOf[i] != nil
    }

    /// The structure over the `.fam` rows `rows` (in that order).
    func structure(for rows: [Int], context: RunContext) throws -> DependenceStructure {
        switch kind {
        case .independent:
            return .independent
        case let .labels(labels):
            let blocks = BlockCovariance(labels: rows.map { labels[$0]! }, rho: 0)
            context.figure("blocks", "\(blocks.sizes.count), of which \(blocks.sizes.filter { $0 > 1 }.count) with more than one individual")
            return .blocks(blockOf: blocks.blockOf, count: blocks.sizes.count)
        case let .factor(factor):
            let spectrum = try RelatednessSpectrum(factor: factor.selectingRows(rows))
            report(spectrum, context: context)
            return .relatedness(spectrum)
        case let .eigenOnly(eigen):
            let spectrum: RelatednessSpectrum
            if rows == Array(0..<eigen.count) {
                context.setting("eigendecomposition", "reused from --eigen (training individuals = all)")
                spectrum = RelatednessSpectrum(transposed: eigen)
            } else {
                context.setting("eigendecomposition", "G rebuilt from --eigen and restricted to the training individuals, then decomposed")
                // The spectrum clamps negative eigenvalues to 0 (as the reused path above does), so G is
                // rebuilt from the clamped ones; Qᵀ is shared, not copied.
                var clamped = eigen
                clamped.values = eigen.values.map { max(0, $0) }
                spectrum = try RelatednessSpectrum(grm: clamped.recomposed(rows: rows))
            }
            report(spectrum, context: context)
            return .relatedness(spectrum)
        case let .dense(matrix, eigen):
            let matrixRows = rows.map { rowOf[$0]! }
            let spectrum: RelatednessSpectrum
            if let eigen, matrixRows == Array(0..<matrix.rows) {
                context.setting("eigendecomposition", "reused from --eigen (training individuals = all matrix individuals)")
                spectrum = RelatednessSpectrum(transposed: eigen)
            } else {
                if eigen != nil {
                    context.setting("eigendecomposition", "--eigen not reused: the training individuals are a subset, so G restricted to them is decomposed")
                }
                spectrum = try RelatednessSpectrum(grm: matrix.selectingRows(matrixRows).selectingColumns(matrixRows))
            }
            report(spectrum, context: context)
            return .relatedness(spectrum)
        }
    }

    private func report(_ spectrum: RelatednessSpectrum, context: RunContext) {
        context.figure("G mean diagonal (G divided by it)", String(format: "%.6g", spectrum.scale))
        if spectrum.clampedCount > 0 {
            context.warn("\(spectrum.clampedCount) eigenvalues of G below \(GRMEigen.zeroThreshold) (tiny negative ones included) set to 0")
        }
        context.figure("relatedness rank used", "\(spectrum.rank) of \(spectrum.count)")
    }

    /// Reads a GCTA binary GRM (`PATH.grm.bin` or `PATH` ending `.grm.bin`, IDs matched to the
    /// `.fam`) or a GEMMA text matrix (`.fam` order, every `.fam` individual).
    private static func readGRM(_ path: String, fam: [FamRecord]) throws -> (Matrix<Double>, [Int?]) {
        let prefix = path.hasSuffix(".grm.bin") ? String(path.dropLast(".grm.bin".count)) : path
        if fileExists(prefix + ".grm.bin") {
            let contents = try GCTAGRMFiles.read(prefix: prefix)
            var index: [String: Int] = [:]
            for (r, id) in contents.ids.enumerated() { index["\(id.fid)\t\(id.iid)"] = r }
            return (contents.matrix, fam.map { index["\($0.fid)\t\($0.iid)"] })
        }
        let matrix = try GEMMAMatrixText.readSquare(path: path)
        guard matrix.rows == fam.count else {
            throw FormatError(path: path, "\(matrix.rows) × \(matrix.rows) matrix but \(fam.count) .fam individuals; a GEMMA text matrix must cover the .fam in order (use a GCTA binary GRM with IDs for a subset)")
        }
        return (matrix, Array(0..<fam.count))
    }
}

/// The normalized phenotypes as text.
enum NormalizedPhenotypeText {
    /// GEMMA: no header, one row per `.fam` individual, `NA` for missing.
    static func gemma(_ values: Matrix<Double>) -> String {
        var out = ""
        for i in 0..<values.rows {
            out += (0..<values.columns).map { number(values[i, $0]) }.joined(separator: "\t")
            out += "\n"
        }
        return out
    }

    /// PLINK 2 / REGENIE / BOLT: `FID IID trait…`, `NA` for missing.
    static func plink(_ values: Matrix<Double>, fam: [FamRecord], names: [String]) -> String {
        var out = (["FID", "IID"] + names).joined(separator: "\t") + "\n"
        for i in 0..<values.rows {
            out += ([fam[i].fid, fam[i].iid] + (0..<values.columns).map { number(values[i, $0]) }).joined(separator: "\t")
            out += "\n"
        }
        return out
    }

    private static func number(_ x: Double) -> String {
        x.isNaN ? "NA" : String(format: "%.10g", x)
    }
}
