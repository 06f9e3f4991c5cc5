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
        values.reserveCapacity(file.count / 12)
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
            let start = k
            var len = 0
            while k < b.count, b[k] != UInt8(ascii: " "), b[k] != UInt8(ascii: "\t"), b[k] != UInt8(ascii: "\n"), b[k] != UInt8(ascii: "\r") {
                if len < token.count - 1 { token[len] = CChar(bitPattern: b[k]) }
                len += 1; k += 1
            }
            if let v = exactDecimal(UnsafeRawBufferPointer(rebasing: b[start..<k])) {
                values.append(v)
                inRow += 1
                continue
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

    /// Exact powers of ten representable in a Double (10^0 … 10^22).
    static let exactPowers: [Double] = (0...22).map { pow(10, Double($0)) }

    /// The value of a plain decimal (`-0.01227771466`, `1.5e-07`) with at most 15 significant digits
    /// and a power of ten within ±22, or nil for anything else (then `strtod` decides).
    ///
    /// Such a value is `m · 10^e` or `m / 10^−e` with m and 10^|e| both exact Doubles, so one IEEE
    /// multiplication or division gives the correctly rounded result — the same Double as `strtod`
    /// (Clinger's fast path). Every `%.10g` number in GEMMA's files takes this path.
    static func exactDecimal(_ t: UnsafeRawBufferPointer) -> Double? {
        var i = 0
        let n = t.count
        var negative = false
        if i < n && (t[i] == UInt8(ascii: "-") || t[i] == UInt8(ascii: "+")) { negative = t[i] == UInt8(ascii: "-"); i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0, seenDigit = false, seenPoint = false
        while i < n {
            let c = t[i]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                seenDigit = true
                if mantissa == 0 && c == UInt8(ascii: "0") {
                    if seenPoint { exponent -= 1 }  // leading zeros are not significant
                } else {
                    guard digits < 15 else { return nil }
                    mantissa = mantissa * 10 + UInt64(c - UInt8(ascii: "0"))
                    digits += 1
                    if seenPoint { exponent -= 1 }
                }
            } else if c == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                break
            }
            i += 1
        }
        guard seenDigit else { return nil }
        if i < n {
            guard t[i] == UInt8(ascii: "e") || t[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var exponentNegative = false
            if i < n && (t[i] == UInt8(ascii: "-") || t[i] == UInt8(ascii: "+")) { exponentNegative = t[i] == UInt8(ascii: "-"); i += 1 }
            guard i < n else { return nil }
            var e = 0
            while i < n {
                let c = t[i]
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"), e < 10_000 else { return nil }
                e = e * 10 + Int(c - UInt8(ascii: "0"))
                i += 1
            }
            exponent += exponentNegative ? -e : e
        }
        let m = Double(mantissa)
        let value: Double
        if mantissa == 0 {
            value = 0
        } else if exponent >= 0 {
            guard exponent <= 22 else { return nil }
            value = m * exactPowers[exponent]
        } else {
            guard exponent >= -22 else { return nil }
            value = m / exactPowers[-exponent]
        }
        return negative ? -value : value
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
