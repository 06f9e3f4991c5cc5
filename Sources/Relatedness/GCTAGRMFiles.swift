import Formats
import Numerics

/// GCTA's binary GRM: `prefix.grm.bin`, `prefix.grm.N.bin`, `prefix.grm.id` (also PLINK's `--make-grm-bin`).
///
/// `.grm.bin` holds the lower triangle with the diagonal, row by row ((0,0), (1,0), (1,1), (2,0), …),
/// as little-endian Float32; `.grm.N.bin` holds, in the same order, the number of SNPs behind each
/// entry (Float32); `.grm.id` has one `FID<tab>IID` line per row. Our GRMs impute missing
/// genotypes, so every entry of `.grm.N.bin` we write is the GRM's SNP count.
public enum GCTAGRMFiles {
    /// A GRM read from GCTA files.
    public struct Contents {
        /// The matrix, widened from Float32.
        public var matrix: Matrix<Double>
        /// Per-entry SNP counts from `.grm.N.bin`, nil when that file is absent.
        public var snpCounts: Matrix<Double>?
        /// Family and individual IDs, one per row.
        public var ids: [(fid: String, iid: String)]
    }

    /// The three files for `grm` with one ID pair per row: (name suffix, bytes), for
    /// `.grm.bin`, `.grm.N.bin` and `.grm.id`.
    public static func files(_ grm: GRM, ids: [(fid: String, iid: String)]) -> [(suffix: String, bytes: [UInt8])] {
        let n = grm.count
        precondition(ids.count == n, "one ID per GRM row")
        var values = [UInt8](), counts = [UInt8]()
        values.reserveCapacity(n * (n + 1) * 2)
        counts.reserveCapacity(n * (n + 1) * 2)
        let count = Float(grm.snpCount).bitPattern.littleEndian
        for i in 0..<n {
            for j in 0...i {
                appendFloat(Float(grm.matrix[i, j]).bitPattern.littleEndian, to: &values)
                appendFloat(count, to: &counts)
            }
        }
        return [(".grm.bin", values), (".grm.N.bin", counts), (".grm.id", Array(ids.map { "\($0.fid)\t\($0.iid)\n" }.joined().utf8))]
    }

    /// Writes the three files for `grm` with one ID pair per row, each atomically.
    public static func write(_ grm: GRM, ids: [(fid: String, iid: String)], prefix: String) throws {
        for file in files(grm, ids: ids) { try AtomicFile.write(file.bytes, to: prefix + file.suffix) }
    }

    /// Reads `prefix.grm.id`, `prefix.grm.bin` and, when present, `prefix.grm.N.bin`.
    public static func read(prefix: String) throws -> Contents {
        var ids: [(fid: String, iid: String)] = []
        let idPath = prefix + ".grm.id"
        for line in try TextLines(path: idPath) {
            guard line.fields.count >= 2 else {
                throw FormatError(path: idPath, line: line.number, "expected FID and IID, found \(line.fields.count) field")
            }
            ids.append((String(line.fields[0]), String(line.fields[1])))
        }
        let n = ids.count
        guard n > 0 else { throw FormatError(path: idPath, "no individuals listed") }
        let matrix = try readTriangle(path: prefix + ".grm.bin", n: n)
        let countsPath = prefix + ".grm.N.bin"
        let counts = fileExists(countsPath) ? try readTriangle(path: countsPath, n: n) : nil
        return Contents(matrix: matrix, snpCounts: counts, ids: ids)
    }

    static func appendFloat(_ bits: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: bits)); out.append(UInt8(truncatingIfNeeded: bits >> 8))
        out.append(UInt8(truncatingIfNeeded: bits >> 16)); out.append(UInt8(truncatingIfNeeded: bits >> 24))
    }

    /// A symmetric matrix from a Float32 lower triangle; the size must be exactly n(n+1)/2 values.
    static func readTriangle(path: String, n: Int) throws -> Matrix<Double> {
        let file = try FileBytes(path: path)
        let expected = n * (n + 1) / 2 * 4
        guard file.count == expected else {
            throw FormatError(path: path, byteOffset: min(file.count, expected),
                              "\(file.count) bytes, expected \(expected) (a Float32 lower triangle for \(n) individuals in .grm.id)")
        }
        var m = Matrix<Double>(rows: n, columns: n)
        let b = file.buffer
        var k = 0
        for i in 0..<n {
            for j in 0...i {
                let v = Double(Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: k, as: UInt32.self))))
                m[i, j] = v; m[j, i] = v
                k += 4
            }
        }
        return m
    }
}
