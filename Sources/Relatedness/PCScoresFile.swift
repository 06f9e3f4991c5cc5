import Formats
import Numerics

/// Principal-component scores read from an `.eigenvec` file (PLINK 2, PLINK 1.9 or GCTA layout).
///
/// PLINK 2 writes a header `#FID IID PC1 …` (or `#IID PC1 …` without family IDs); PLINK 1.9 and
/// GCTA write no header and `FID IID PC1 …`. Without a family ID column the FID is taken equal to
/// the IID, as PLINK 2 does.
public struct PCScores {
    /// Family and individual IDs, one per row.
    public var ids: [(fid: String, iid: String)]
    /// Scores, n × (number of PCs in the file).
    public var scores: Matrix<Double>

    /// Reads `path`; throws a `FormatError` naming the line for a bad value or a short row.
    public static func read(path: String) throws -> PCScores {
        var ids: [(fid: String, iid: String)] = []
        var rows: [[Double]] = []
        var idColumns = 2
        var pcs = -1
        var firstLine = true
        for line in try TextLines(path: path) {
            let f = line.fields
            if firstLine && f[0].hasPrefix("#") {
                idColumns = f[0] == "#IID" ? 1 : 2
                pcs = f.count - idColumns
                firstLine = false
                continue
            }
            firstLine = false
            if pcs < 0 { pcs = f.count - idColumns }
            guard pcs > 0 else { throw FormatError(path: path, line: line.number, "expected ID columns followed by PC scores, found \(f.count) fields") }
            guard f.count == idColumns + pcs else {
                throw FormatError(path: path, line: line.number, "expected \(idColumns + pcs) fields (\(idColumns) ID columns and \(pcs) PCs), found \(f.count)")
            }
            var values: [Double] = []
            values.reserveCapacity(pcs)
            for text in f[idColumns...] {
                guard let v = Double(text), v.isFinite else {
                    throw FormatError(path: path, line: line.number, "PC score is not a finite number: '\(text)'")
                }
                values.append(v)
            }
            ids.append(idColumns == 2 ? (String(f[0]), String(f[1])) : (String(f[0]), String(f[0])))
            rows.append(values)
        }
        guard !rows.isEmpty else { throw FormatError(path: path, "no individuals: expected one line of PC scores per individual") }
        return PCScores(ids: ids, scores: Matrix(rowArrays: rows))
    }
}

/// Eigenvalues of an `.eigenval` file (one per line, PLINK's layout).
public enum EigenvalueFile {
    /// Reads the eigenvalues in file order.
    public static func read(path: String) throws -> [Double] {
        var values: [Double] = []
        for line in try TextLines(path: path) {
            guard line.fields.count == 1, let v = Double(line.fields[0]), v.isFinite else {
                throw FormatError(path: path, line: line.number, "expected one eigenvalue per line")
            }
            values.append(v)
        }
        return values
    }
}
