import Formats
import Numerics

/// The PC-relatedness factor file `prefix.pcfactor.tsv`: a header `FID IID W1 … Wk`, then one
/// tab-separated line per individual with its row of W (`G = W Wᵀ`), values in shortest
/// round-trip form so reading gives back the same Doubles.
public enum PCFactorFile {
    /// `prefix.pcfactor.tsv`.
    public static func path(_ prefix: String) -> String { prefix + ".pcfactor.tsv" }

    /// The file's bytes for `factor` with one ID pair per row.
    public static func bytes(_ factor: Matrix<Double>, ids: [(fid: String, iid: String)]) -> [UInt8] {
        precondition(ids.count == factor.rows, "one ID per factor row")
        var out: [UInt8] = []
        out.reserveCapacity(factor.rows * (factor.columns * 24 + 32))
        out.append(contentsOf: Array(("FID\tIID" + (0..<factor.columns).map { "\tW\($0 + 1)" }.joined() + "\n").utf8))
        for i in 0..<factor.rows {
            out.append(contentsOf: Array("\(ids[i].fid)\t\(ids[i].iid)".utf8))
            for c in 0..<factor.columns {
                out.append(UInt8(ascii: "\t"))
                out.append(contentsOf: Array(factor[i, c].description.utf8))
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Writes the factor with one ID pair per row, atomically.
    public static func write(_ factor: Matrix<Double>, ids: [(fid: String, iid: String)], to path: String) throws {
        try AtomicFile.write(bytes(factor, ids: ids), to: path)
    }

    /// Reads a factor file: IDs and the n × k factor.
    public static func read(path: String) throws -> (ids: [(fid: String, iid: String)], factor: Matrix<Double>) {
        var ids: [(fid: String, iid: String)] = []
        var rows: [[Double]] = []
        var k = -1
        for line in try TextLines(path: path) {
            let f = line.fields
            if k < 0 {
                guard f.count >= 3, f[0] == "FID", f[1] == "IID" else {
                    throw FormatError(path: path, line: line.number, "expected the header FID IID W1 … Wk")
                }
                k = f.count - 2
                continue
            }
            guard f.count == k + 2 else { throw FormatError(path: path, line: line.number, "expected \(k + 2) fields, found \(f.count)") }
            var row: [Double] = []
            for text in f[2...] {
                guard let v = Double(text), v.isFinite else { throw FormatError(path: path, line: line.number, "not a finite number: '\(text)'") }
                row.append(v)
            }
            ids.append((String(f[0]), String(f[1])))
            rows.append(row)
        }
        guard !rows.isEmpty else { throw FormatError(path: path, "no individuals after the header") }
        return (ids, Matrix(rowArrays: rows))
    }
}
