import Formats
import Numerics

/// One SNP partition's unnormalised GRM (`gwasflow grm --part I/N`), written as `prefix.grmpart`
/// so that `gwasflow grm-merge` can add the N pieces into the one-shot matrix.
///
/// Layout: text header lines, then the lower triangle with the diagonal, row by row ((0,0), (1,0),
/// (1,1), …), as little-endian Float64 — full precision, so merging loses nothing. The header:
///
///     gwasflow-grm-part 1
///     kind centered
///     part 2 4
///     snps 2311
///     settings <one line: the options that must agree across parts>
///     individuals 3
///     F1<tab>I1
///     …
///     data
public struct GRMPartFile {
    /// `prefix.grmpart`.
    public static func path(_ prefix: String) -> String { prefix + ".grmpart" }

    /// The partial sum `Σ x xᵀ` and its SNP count.
    public var sum: GRMPartialSum
    /// 1-based index of this part.
    public var part: Int
    /// Number of parts.
    public var parts: Int
    /// The options that must be equal across parts (filters, chromosomes, input), one line.
    public var settings: String
    /// Family and individual IDs, one per row.
    public var ids: [(fid: String, iid: String)]

    public init(sum: GRMPartialSum, part: Int, parts: Int, settings: String, ids: [(fid: String, iid: String)]) {
        precondition(ids.count == sum.sum.rows, "one ID per row")
        precondition(!settings.contains("\n"), "settings are one line")
        self.sum = sum; self.part = part; self.parts = parts; self.settings = settings; self.ids = ids
    }

    static let magic = "gwasflow-grm-part 1"

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        let n = sum.sum.rows
        var header = "\(GRMPartFile.magic)\nkind \(sum.kind.rawValue)\npart \(part) \(parts)\nsnps \(sum.snpCount)\n"
        header += "settings \(settings)\nindividuals \(n)\n"
        for id in ids { header += "\(id.fid)\t\(id.iid)\n" }
        header += "data\n"
        var out = Array(header.utf8)
        out.reserveCapacity(out.count + n * (n + 1) * 4)
        sum.sum.storage.withUnsafeBufferPointer { s in
            for i in 0..<n {
                for j in 0...i {
                    let bits = s[i + j * n].bitPattern.littleEndian
                    for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
                }
            }
        }
        return out
    }

    /// Reads a part file; throws a `FormatError` naming the line for a bad header or the byte
    /// count for a truncated matrix.
    public static func read(path: String) throws -> GRMPartFile {
        let file = try FileBytes(path: path)
        let b = file.buffer
        var offset = 0
        var lineNumber = 0
        func nextLine() throws -> String {
            guard let end = b[offset...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw FormatError(path: path, line: lineNumber + 1, "unexpected end of the header")
            }
            let text = String(decoding: b[offset..<end], as: UTF8.self)
            offset = end + 1
            lineNumber += 1
            return text
        }
        func field(_ name: String) throws -> String {
            let line = try nextLine()
            guard line.hasPrefix(name + " ") else {
                throw FormatError(path: path, line: lineNumber, "expected '\(name) …', found '\(line.prefix(60))'")
            }
            return String(line.dropFirst(name.count + 1))
        }
        guard (try? nextLine()) == magic else {
            throw FormatError(path: path, line: 1, "not a gwasflow GRM part file (written by gwasflow grm --part I/N)")
        }
        guard let kind = GRMKind(rawValue: try field("kind")) else {
            throw FormatError(path: path, line: lineNumber, "unknown GRM kind")
        }
        let partFields = try field("part").split(separator: " ").compactMap { Int($0) }
        guard partFields.count == 2, partFields[0] >= 1, partFields[0] <= partFields[1] else {
            throw FormatError(path: path, line: lineNumber, "expected 'part I N' with 1 ≤ I ≤ N")
        }
        guard let snps = Int(try field("snps")), snps >= 0 else { throw FormatError(path: path, line: lineNumber, "bad SNP count") }
        let settings = try field("settings")
        guard let n = Int(try field("individuals")), n > 0 else { throw FormatError(path: path, line: lineNumber, "bad individual count") }
        var ids: [(fid: String, iid: String)] = []
        ids.reserveCapacity(n)
        for _ in 0..<n {
            let f = try nextLine().split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 2 else { throw FormatError(path: path, line: lineNumber, "expected FID<tab>IID") }
            ids.append((String(f[0]), String(f[1])))
        }
        guard try nextLine() == "data" else { throw FormatError(path: path, line: lineNumber, "expected 'data' after \(n) ID lines") }
        let expected = n * (n + 1) / 2 * 8
        guard b.count - offset == expected else {
            throw FormatError(path: path, byteOffset: b.count,
                              "\(b.count - offset) bytes of matrix data, expected \(expected) (a Float64 lower triangle for \(n) individuals)")
        }
        var m = Matrix<Double>(rows: n, columns: n)
        m.storage.withUnsafeMutableBufferPointer { s in
            var k = offset
            for i in 0..<n {
                for j in 0...i {
                    let v = Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: k, as: UInt64.self)))
                    s[i + j * n] = v; s[j + i * n] = v
                    k += 8
                }
            }
        }
        return GRMPartFile(sum: GRMPartialSum(sum: m, snpCount: snps, kind: kind), part: partFields[0], parts: partFields[1],
                           settings: settings, ids: ids)
    }
}
