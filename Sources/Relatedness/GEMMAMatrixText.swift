import Foundation
import Formats
import Numerics

/// GEMMA's text matrices: `.cXX.txt`/`.sXX.txt` (n × n), `.eigenU.txt` (n × n), `.eigenD.txt` (n × 1).
///
/// One matrix row per line, values tab-separated in C's `%.10g`, no header, no trailing tab.
/// Reading accepts any whitespace and plain or gzip files, and requires every line to have the
/// same number of values.
///
/// Both directions work on bytes, split over `threads` threads (the BLAS threads by default): an
/// n × n matrix at n = 5,000 is 25 million numbers, 380 MB of text. Writing formats a few rows per
/// thread at a time and streams them to the file; reading parses pieces of the file in parallel
/// straight into the matrix, each number exactly (the Double `strtod` gives).
public enum GEMMAMatrixText {
    /// Rows one thread formats between two writes.
    static let rowsPerPiece = 32

    /// Formats `m` row by row and hands the text to `sink`, a few rows per call, in file order.
    public static func format(_ m: Matrix<Double>, threads: Int = BLAS.threads,
                              to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let (rows, columns) = (m.rows, m.columns)
        guard rows > 0 else { return }
        let t = max(1, min(threads, (rows + rowsPerPiece - 1) / rowsPerPiece))
        let capacity = rowsPerPiece * max(1, columns) * (GEMMANumberFormat.maxLength + 1)
        let buffers = (0..<t).map { _ in UnsafeMutablePointer<UInt8>.allocate(capacity: capacity) }
        let tiles = (0..<t).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: rowsPerPiece * columns) }
        defer { buffers.forEach { $0.deallocate() }; tiles.forEach { $0.deallocate() } }
        var lengths = [Int](repeating: 0, count: t)
        try m.storage.withUnsafeBufferPointer { p in
            var first = 0
            while first < rows {
                let pieces = min(t, (rows - first + rowsPerPiece - 1) / rowsPerPiece)
                lengths.withUnsafeMutableBufferPointer { length in
                    DispatchQueue.concurrentPerform(iterations: pieces) { k in
                        let a = first + k * rowsPerPiece
                        length[k] = formatRows(p, rows: rows, columns: columns, range: a..<min(rows, a + rowsPerPiece),
                                               tile: tiles[k], into: buffers[k])
                    }
                }
                for k in 0..<pieces { try sink(UnsafeRawBufferPointer(start: buffers[k], count: lengths[k])) }
                first += pieces * rowsPerPiece
            }
        }
    }

    /// The text of rows `range` of the column-major `p` at `out`; returns its length. The rows are
    /// first copied into the row-major `tile` (reading whole column stretches), then formatted.
    static func formatRows(_ p: UnsafeBufferPointer<Double>, rows: Int, columns: Int, range: Range<Int>,
                           tile: UnsafeMutablePointer<Double>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let height = range.count
        for j in 0..<columns {
            let column = p.baseAddress! + j * rows + range.lowerBound
            for r in 0..<height { tile[r * columns + j] = column[r] }
        }
        var n = 0
        for r in 0..<height {
            let row = tile + r * columns
            for j in 0..<columns {
                if j > 0 { out[n] = UInt8(ascii: "\t"); n += 1 }
                n += GEMMANumberFormat.write(row[j], to: out + n)
            }
            out[n] = UInt8(ascii: "\n"); n += 1
        }
        return n
    }

    /// Streams `m` into an atomic file being written.
    public static func write(_ m: Matrix<Double>, to sink: AtomicFileSink) throws {
        try format(m) { try sink.append($0) }
    }

    /// Writes `m` to `path` atomically.
    public static func write(_ m: Matrix<Double>, to path: String) throws {
        try AtomicFile.write(to: path) { try write(m, to: $0) }
    }

    /// Reads a numeric matrix; throws a `FormatError` naming the line for a bad number or a ragged row.
    /// `transposed`: return the file's transpose (line i becomes column i), which is how the text is
    /// laid out already, so no transpose pass and no second copy are needed.
    public static func read(path: String, threads: Int = BLAS.threads, transposed: Bool = false) throws -> Matrix<Double> {
        let file = try FileBytes(path: path)
        return try withExtendedLifetime(file) {
            let b = file.buffer.assumingMemoryBound(to: UInt8.self)
            // The first line with a value fixes the number of columns.
            var columns = 0
            var k = 0
            while k < b.count && columns == 0 {
                let end = lineEnd(b, from: k)
                columns = tokenCount(b, k..<end)
                k = end + 1
            }
            guard columns > 0 else { throw FormatError(path: path, "empty matrix file: expected one line of numbers per row") }
            // Pieces of about equal size, cut after a newline; their lines and value rows are
            // counted first so that each piece knows where its rows go.
            let t = b.count < 1 << 20 ? 1 : max(1, threads)
            var cuts = [0]
            for i in 1..<t {
                let at = max(cuts.last!, b.count * i / t)
                cuts.append(at < b.count ? min(b.count, lineEnd(b, from: at) + 1) : b.count)
            }
            cuts.append(b.count)
            var lines = [Int](repeating: 0, count: t), valueRows = [Int](repeating: 0, count: t)
            lines.withUnsafeMutableBufferPointer { lineCount in
                valueRows.withUnsafeMutableBufferPointer { rowCount in
                    DispatchQueue.concurrentPerform(iterations: t) { i in
                        (lineCount[i], rowCount[i]) = countLines(b, cuts[i]..<cuts[i + 1])
                    }
                }
            }
            let rows = valueRows.reduce(0, +)
            var storage = [Double](repeating: 0, count: rows * columns)
            var errors = [FormatError?](repeating: nil, count: t)
            storage.withUnsafeMutableBufferPointer { s in
                errors.withUnsafeMutableBufferPointer { error in
                    DispatchQueue.concurrentPerform(iterations: t) { i in
                        let firstLine = 1 + lines[0..<i].reduce(0, +), firstRow = valueRows[0..<i].reduce(0, +)
                        do {
                            try parse(b, cuts[i]..<cuts[i + 1], columns: columns, firstLine: firstLine,
                                      into: s.baseAddress! + firstRow * columns, path: path)
                        } catch let e as FormatError {
                            error[i] = e
                        } catch {
                            preconditionFailure("parse throws only FormatError")
                        }
                    }
                }
            }
            if let e = errors.first(where: { $0 != nil }) { throw e! }
            // The values are row by row, i.e. the transpose in column-major order.
            if transposed { return Matrix(rows: columns, columns: rows, storage: storage) }
            if rows == columns {
                transposeInPlace(&storage, n: rows)
                return Matrix(rows: rows, columns: columns, storage: storage)
            }
            if rows == 1 || columns == 1 { return Matrix(rows: rows, columns: columns, storage: storage) }
            var m = Matrix<Double>(rows: rows, columns: columns)
            for i in 0..<rows { for j in 0..<columns { m[i, j] = storage[i * columns + j] } }
            return m
        }
    }

    /// Index of the next `\n` at or after `from`, or `b.count`.
    static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard from < b.count, let hit = memchr(b.baseAddress! + from, 0x0A, b.count - from) else { return b.count }
        return b.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    /// Whitespace-separated tokens in `range` (one line).
    static func tokenCount(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var count = 0, inToken = false
        for k in range {
            let space = isSpace(b[k])
            if !space && !inToken { count += 1 }
            inToken = !space
        }
        return count
    }

    /// Lines (newlines, plus a last line without one) and lines holding a value in `range`.
    static func countLines(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (lines: Int, rows: Int) {
        var lines = 0, rows = 0, k = range.lowerBound
        while k < range.upperBound {
            var c = k
            while c < range.upperBound && isSpace(b[c]) { c += 1 }
            let end = min(range.upperBound, lineEnd(b, from: c))
            if c < end { rows += 1 }
            lines += 1
            k = end + 1
        }
        return (lines, rows)
    }

    /// Parses the lines in `range` (line numbers from `firstLine`), `columns` values each, row by row
    /// into `out`.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, columns: Int, firstLine: Int,
                      into out: UnsafeMutablePointer<Double>, path: String) throws {
        var line = firstLine, inRow = 0, row = 0, k = range.lowerBound
        let end = range.upperBound
        let base = UnsafeRawPointer(b.baseAddress!)
        func endLine() throws {
            if inRow > 0 {
                guard inRow == columns else {
                    throw FormatError(path: path, line: line, "expected \(columns) values (as on the first line), found \(inRow)")
                }
                row += 1
            }
            inRow = 0
        }
        while k < end {
            let c = b[k]
            if c == 0x0A { try endLine(); line += 1; k += 1; continue }
            if isSpace(c) { k += 1; continue }
            let start = k
            while k < end && b[k] != 0x0A && !isSpace(b[k]) { k += 1 }
            let token = UnsafeRawBufferPointer(start: base + start, count: k - start)
            guard let v = exactDecimal(token) ?? strtodValue(token), v.isFinite else {
                let shown = String(decoding: token.prefix(79), as: UTF8.self)
                throw FormatError(path: path, line: line, "not a finite number: '\(shown)'")
            }
            if inRow < columns { out[row * columns + inRow] = v }
            inRow += 1
        }
        try endLine()
    }

    /// `strtod` of a whole token (nil when it is not entirely a number or longer than 79 bytes).
    static func strtodValue(_ t: UnsafeRawBufferPointer) -> Double? {
        guard t.count < 80 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 80) { text -> Double? in
            let p = text.baseAddress!
            t.withMemoryRebound(to: CChar.self) { for i in 0..<t.count { p[i] = $0[i] } }
            p[t.count] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let v = strtod(p, &endPointer)
            return endPointer == p + t.count ? v : nil
        }
    }

    /// Turns a row-major n × n array into column-major in place (swapping 64 × 64 tiles): the
    /// transpose of a square matrix's storage.
    public static func transposeInPlace(_ a: inout [Double], n: Int) {
        let tile = 64
        a.withUnsafeMutableBufferPointer { p in
            for i0 in stride(from: 0, to: n, by: tile) {
                for j0 in stride(from: i0, to: n, by: tile) {
                    for i in i0..<min(n, i0 + tile) {
                        for j in max(j0, i + 1)..<max(max(j0, i + 1), min(n, j0 + tile)) {
                            p.swapAt(i * n + j, j * n + i)
                        }
                    }
                }
            }
        }
    }

    /// Exact powers of ten representable in a Double (10^0 … 10^22).
    static let exactPowers: [Double] = (0...22).map { pow(10, Double($0)) }

    /// The value of a plain decimal (`-0.01227771466`, `1.5e-07`) with at most 15 significant digits
    /// and a power of ten within ±22, or nil for anything else (then `strtod` decides).
    ///
    /// Such a value is `m · 10^e` or `m / 10^−e` with m and 10^|e| both exact Doubles, so one IEEE
    /// multiplication or division gives the correctly rounded result — the same Double as `strtod`
    /// (Clinger's fast path). Every `%.10g` number in GEMMA's files takes this path.
    @inline(__always)
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
            value = m * exactPowers.withUnsafeBufferPointer { $0[exponent] }
        } else {
            guard exponent >= -22 else { return nil }
            value = m / exactPowers.withUnsafeBufferPointer { $0[-exponent] }
        }
        return negative ? -value : value
    }

    /// Reads a square matrix (a GRM; its transpose with `transposed`); throws when it is not square.
    public static func readSquare(path: String, threads: Int = BLAS.threads, transposed: Bool = false) throws -> Matrix<Double> {
        let m = try read(path: path, threads: threads, transposed: transposed)
        guard m.rows == m.columns else {
            throw FormatError(path: path, "expected a square matrix, found \(m.rows) rows of \(m.columns) values")
        }
        return m
    }
}
