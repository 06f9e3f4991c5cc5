import Foundation
import Formats
import Numerics

/// GEMMA's text matrices: `.cXX.txt`/`.sXX.txt` (n × n), `.eigenU.txt` (n × n), `.eigenD.txt` (n × 1).
///
/// One matrix row per line, values tab-separated in C's `%.10g`, no header, no trailing tab.
/// Reading accepts any whitespace and plain or gzip files, and requires every line to have the
/// same number of values.
public enum GEMMAMatrixText {
    /// The file text for `m`, row by row.
    public static func bytes(_ m: Matrix<Double>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(m.rows * m.columns * 14)
        m.storage.withUnsafeBufferPointer { p in
            for i in 0..<m.rows {
                for j in 0..<m.columns {
                    if j > 0 { out.append(UInt8(ascii: "\t")) }
                    GEMMANumberFormat.append(p[i + j * m.rows], to: &out)
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    /// Writes `m` to `path` atomically.
    public static func write(_ m: Matrix<Double>, to path: String) throws {
        try AtomicFile.write(bytes(m), to: path)
    }

    /// Reads a numeric matrix; throws a `FormatError` naming the line for a bad number or a ragged row.
    public static func read(path: String) throws -> Matrix<Double> {
        let file = try FileBytes(path: path)
        var values: [Double] = []
        var columns = -1
        var rows = 0
        var line = 1
        var inRow = 0
        var token = [CChar](repeating: 0, count: 80)
        let b = file.buffer
        var k = 0
        func endLine() throws {
            if inRow > 0 {
                if columns < 0 { columns = inRow }
                guard inRow == columns else {
                    throw FormatError(path: path, line: line, "expected \(columns) values (as on the first line), found \(inRow)")
                }
                rows += 1
            }
            inRow = 0
        }
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: "\n") { try endLine(); line += 1; k += 1; continue }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { k += 1; continue }
            var len = 0
            while k < b.count, b[k] != UInt8(ascii: " "), b[k] != UInt8(ascii: "\t"), b[k] != UInt8(ascii: "\n"), b[k] != UInt8(ascii: "\r") {
                if len < token.count - 1 { token[len] = CChar(bitPattern: b[k]) }
                len += 1; k += 1
            }
            let text = len < token.count ? len : token.count - 1
            token[text] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = token.withUnsafeMutableBufferPointer { t -> Double in
                let r = strtod(t.baseAddress!, &end)
                if end != t.baseAddress! + text || len != text { end = nil }
                return r
            }
            guard end != nil, v.isFinite else {
                let shown = String(decoding: token[0..<text].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw FormatError(path: path, line: line, "not a finite number: '\(shown)'")
            }
            values.append(v)
            inRow += 1
        }
        try endLine()
        guard rows > 0 else { throw FormatError(path: path, "empty matrix file: expected one line of numbers per row") }
        // The values were read row by row; the matrix is column-major.
        var m = Matrix<Double>(rows: rows, columns: columns)
        values.withUnsafeBufferPointer { v in
            m.storage.withUnsafeMutableBufferPointer { s in
                for i in 0..<rows { for j in 0..<columns { s[i + j * rows] = v[i * columns + j] } }
            }
        }
        return m
    }

    /// Reads a square matrix (a GRM); throws when it is not square.
    public static func readSquare(path: String) throws -> Matrix<Double> {
        let m = try read(path: path)
        guard m.rows == m.columns else {
            throw FormatError(path: path, "expected a square matrix, found \(m.rows) rows of \(m.columns) values")
        }
        return m
    }
}
