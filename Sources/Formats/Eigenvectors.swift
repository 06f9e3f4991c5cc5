import Numerics

/// The eigenvector file layouts `Eigenvectors.read` recognises.
public enum EigenvectorFormat: String, Equatable, Sendable {
    /// PLINK 2 `.eigenvec`: header `#FID IID PC1…` (or `#IID PC1…`; an `SID` column is ignored).
    case plink2
    /// PLINK 1.9 `.eigenvec`: no header, `FID IID value…`.
    case plink19
    /// EIGENSOFT `.evec`: a `#eigvals: …` line, then `ID value… label` (ID an IID or `FID:IID`).
    case eigensoft
    /// GEMMA `-eigen`: `.eigenU.txt` (n × n, no IDs, rows in `.fam` order) with `.eigenD.txt` (one value per line).
    case gemma
}

/// One individual as an eigenvector file names it.
public struct IndividualID: Hashable, Sendable, CustomStringConvertible {
    /// Family ID, nil when the file gives none.
    public var fid: String?
    /// Individual ID (for EIGENSOFT, the whole ID field, possibly `FID:IID`).
    public var iid: String

    public init(fid: String?, iid: String) { self.fid = fid; self.iid = iid }

    public var description: String { fid.map { "\($0) \(iid)" } ?? iid }
}

/// Principal components or eigenvectors read from a file, in file row order.
public struct Eigenvectors {
    /// The file as given (for GEMMA, the `.eigenU.txt`).
    public let path: String
    /// The layout detected.
    public let format: EigenvectorFormat
    /// Row IDs, one per row of `vectors`; empty for GEMMA, whose rows follow the `.fam`.
    public let ids: [IndividualID]
    /// rows × k values: column j is eigenvector j as the file orders them.
    public let vectors: Matrix<Double>
    /// The eigenvalue of each column when the format carries them (EIGENSOFT, GEMMA).
    public let eigenvalues: [Double]?
    /// Source line of each row, for error messages.
    let lines: [Int]

    /// Reads an eigenvector file, detecting its layout from the name (`.eigenU.txt`, `.eigenD.txt`,
    /// or a prefix with those files beside it: GEMMA) or else from the first line (`#eigvals:`:
    /// EIGENSOFT; an `FID`/`IID` header: PLINK 2; all numbers: a bare GEMMA `.eigenU.txt`;
    /// otherwise PLINK 1.9). Plain or gzip.
    public static func read(path: String) throws -> Eigenvectors {
        if let (u, d) = gemmaPair(path) { return try readGemma(vectorsPath: u, valuesPath: d) }
        var lines = try TextLines(path: path).makeIterator()
        guard let first = lines.next() else { throw FormatError(path: path, "empty file: expected eigenvectors") }
        let f = first.fields
        if f[0].hasPrefix("#eigvals:") { return try readEigensoft(path: path, first: first, rest: &lines) }
        if TableConvention.isPlinkHeader(f) { return try readPlink2(path: path, header: first, rest: &lines) }
        if f.allSatisfy({ Double($0) != nil }) {
            if f.count == 1 {
                throw FormatError(path: path, line: first.number, "one number per line looks like GEMMA's .eigenD.txt (eigenvalues only); give the .eigenU.txt (eigenvectors) instead")
            }
            return try readGemma(vectorsPath: path, valuesPath: nil)
        }
        return try readRows(path: path, format: .plink19, layout: RowLayout(fid: 0, iid: 1, values: 2, trailing: 0),
                            first: first, rest: &lines, eigenvalues: nil)
    }

    /// GEMMA's `(eigenU, eigenD)` paths when `path` names one of them or is the prefix beside them.
    static func gemmaPair(_ path: String) -> (String, String)? {
        for gz in ["", ".gz"] {
            for (mine, other) in [(".eigenU.txt", ".eigenD.txt"), (".eigenD.txt", ".eigenU.txt")] where path.hasSuffix(mine + gz) {
                let stem = String(path.dropLast(mine.count + gz.count))
                let partner = [stem + other + gz, stem + other + (gz.isEmpty ? ".gz" : "")].first(where: fileExists) ?? stem + other + gz
                return mine == ".eigenU.txt" ? (path, partner) : (partner, path)
            }
        }
        for gz in ["", ".gz"] where fileExists(path + ".eigenU.txt" + gz) {
            let d = [path + ".eigenD.txt" + gz, path + ".eigenD.txt"].first(where: fileExists) ?? path + ".eigenD.txt" + gz
            return (path + ".eigenU.txt" + gz, d)
        }
        return nil
    }

    /// A finite number from a cell, or an error naming the file, line and column.
    static func number(_ cell: Substring, path: String, line: Int, column: Int) throws -> Double {
        guard let v = Double(cell), v.isFinite else {
            throw FormatError(path: path, line: line, "column \(column): expected a finite number, found '\(cell)'")
        }
        return v
    }

    /// GEMMA's square `.eigenU.txt`, with the eigenvalues of `.eigenD.txt` when given.
    static func readGemma(vectorsPath: String, valuesPath: String?) throws -> Eigenvectors {
        var lines = try TextLines(path: vectorsPath).makeIterator()
        guard let first = lines.next() else { throw FormatError(path: vectorsPath, "empty file: expected GEMMA eigenvectors (.eigenU.txt)") }
        let table = try readRows(path: vectorsPath, format: .gemma, layout: RowLayout(fid: nil, iid: nil, values: 0, trailing: 0),
                                 first: first, rest: &lines, eigenvalues: nil)
        let n = table.vectors.rows
        guard table.vectors.columns == n else {
            throw FormatError(path: vectorsPath, "expected a square matrix (GEMMA .eigenU.txt is n × n), found \(n) rows of \(table.vectors.columns) values")
        }
        guard let valuesPath else { return table }
        var values: [Double] = []
        for line in try TextLines(path: valuesPath) {
            guard line.fields.count == 1 else {
                throw FormatError(path: valuesPath, line: line.number, "expected one eigenvalue per line (GEMMA .eigenD.txt), found \(line.fields.count) values")
            }
            values.append(try number(line.fields[0], path: valuesPath, line: line.number, column: 1))
        }
        guard values.count == n else {
            throw FormatError(path: valuesPath, "\(values.count) eigenvalues, but \(vectorsPath) has \(n) eigenvectors")
        }
        return Eigenvectors(path: vectorsPath, format: .gemma, ids: [], vectors: table.vectors, eigenvalues: values, lines: table.lines)
    }

    /// EIGENSOFT `.evec`: `#eigvals: λ…` then `ID value… label`.
    static func readEigensoft(path: String, first: TextLines.Line, rest: inout AnyIterator<TextLines.Line>) throws -> Eigenvectors {
        var cells = Array(first.fields)
        let glued = cells[0].dropFirst("#eigvals:".count)
        cells.removeFirst()
        if !glued.isEmpty { cells.insert(glued, at: 0) }
        let values = try cells.enumerated().map { try number($0.element, path: path, line: first.number, column: $0.offset + 2) }
        guard let row = rest.next() else { throw FormatError(path: path, "no eigenvector rows after the #eigvals: line") }
        return try readRows(path: path, format: .eigensoft, layout: RowLayout(fid: nil, iid: 0, values: 1, trailing: 1),
                            first: row, rest: &rest, eigenvalues: values)
    }

    /// PLINK 2 `.eigenvec` with its header.
    static func readPlink2(path: String, header: TextLines.Line, rest: inout AnyIterator<TextLines.Line>) throws -> Eigenvectors {
        let names = header.fields.map { ($0.hasPrefix("#") ? $0.dropFirst() : $0).uppercased() }
        let hasFID = names[0] == "FID"
        if hasFID && (names.count < 2 || names[1] != "IID") {
            throw FormatError(path: path, line: header.number, "header starts with FID, so the second column must be IID")
        }
        var idColumns = hasFID ? 2 : 1
        if names.count > idColumns && names[idColumns] == "SID" { idColumns += 1 }
        guard names.count > idColumns else {
            throw FormatError(path: path, line: header.number, "header has no eigenvector columns after the IDs")
        }
        guard let row = rest.next() else { throw FormatError(path: path, "no rows after the header") }
        let layout = RowLayout(fid: hasFID ? 0 : nil, iid: hasFID ? 1 : 0, values: idColumns, trailing: 0)
        let table = try readRows(path: path, format: .plink2, layout: layout, first: row, rest: &rest, eigenvalues: nil)
        guard table.vectors.columns == names.count - idColumns else {
            throw FormatError(path: path, line: table.lines.first ?? header.number, "expected \(names.count) columns as in the header, found \(table.vectors.columns + idColumns)")
        }
        return table
    }

    /// Where a row's fields are: the FID and IID columns (nil when absent), the first value column,
    /// and how many fields after the values are ignored (EIGENSOFT's label).
    struct RowLayout {
        var fid: Int?
        var iid: Int?
        var values: Int
        var trailing: Int
    }

    /// Rows of IDs, numbers and ignored trailing fields as `layout` says; every row as wide as the
    /// first; duplicate IDs rejected.
    static func readRows(path: String, format: EigenvectorFormat, layout: RowLayout, first: TextLines.Line,
                         rest: inout AnyIterator<TextLines.Line>, eigenvalues: [Double]?) throws -> Eigenvectors {
        let width = first.fields.count
        let k = width - layout.values - layout.trailing
        guard k >= 1 else {
            throw FormatError(path: path, line: first.number, "expected ID columns followed by at least one eigenvector value, found \(width) column\(width == 1 ? "" : "s")")
        }
        if let eigenvalues, eigenvalues.count < k {
            throw FormatError(path: path, line: first.number, "\(k) eigenvector columns but only \(eigenvalues.count) eigenvalues on the #eigvals: line")
        }
        var rowMajor: [Double] = []
        var ids: [IndividualID] = []
        var lines: [Int] = []
        var seen: [IndividualID: Int] = [:]
        var next: TextLines.Line? = first
        while let line = next {
            let f = line.fields
            guard f.count == width else {
                throw FormatError(path: path, line: line.number, "expected \(width) columns as on line \(first.number), found \(f.count)")
            }
            if let iid = layout.iid {
                let id = IndividualID(fid: layout.fid.map { String(f[$0]) }, iid: String(f[iid]))
                if let earlier = seen[id] {
                    throw FormatError(path: path, line: line.number, "duplicate individual \(id) (first on line \(earlier))")
                }
                seen[id] = line.number
                ids.append(id)
            }
            for c in layout.values..<(layout.values + k) {
                rowMajor.append(try number(f[c], path: path, line: line.number, column: c + 1))
            }
            lines.append(line.number)
            next = rest.next()
        }
        let rows = lines.count
        var vectors = Matrix<Double>(rows: rows, columns: k)
        for i in 0..<rows { for j in 0..<k { vectors[i, j] = rowMajor[i * k + j] } }
        return Eigenvectors(path: path, format: format, ids: ids, vectors: vectors,
                            eigenvalues: eigenvalues.map { Array($0.prefix(k)) }, lines: lines)
    }

    /// The vectors with one row per `.fam` individual in `.fam` order (NaN rows for individuals the
    /// file lacks), and how the rows matched. GEMMA files carry no IDs, so their row count must
    /// equal the `.fam`'s.
    public func aligned(to fam: [FamRecord]) throws -> (values: Matrix<Double>, match: SampleMatch) {
        if format == .gemma {
            guard vectors.rows == fam.count else {
                throw FormatError(path: path, "\(vectors.rows) rows but \(fam.count) .fam individuals; GEMMA eigenvector files carry no IDs, so they must cover the same individuals in .fam order")
            }
            return (vectors, SampleMatch(famIndividuals: fam.count, matched: fam.count))
        }
        let index = IndividualIndex(fam)
        var out = Matrix<Double>(rows: fam.count, columns: vectors.columns, repeating: .nan)
        var matched = 0, unmatched = 0
        var examples: [String] = []
        for (r, id) in ids.enumerated() {
            let row: Int?
            switch (format, id.fid) {
            case (.eigensoft, _): row = try index.row(eigensoftID: Substring(id.iid), path: path, line: lines[r])
            case (_, let fid?): row = index.row(fid: fid, iid: id.iid)
            case (_, nil): row = try index.row(iid: id.iid, path: path, line: lines[r])
            }
            guard let row else {
                unmatched += 1
                if examples.count < 5 { examples.append(id.description) }
                continue
            }
            if !out[row, 0].isNaN {
                throw FormatError(path: path, line: lines[r], "\(id) is a second row for .fam individual \(fam[row].fid) \(fam[row].iid)")
            }
            for j in 0..<vectors.columns { out[row, j] = vectors[r, j] }
            matched += 1
        }
        return (out, SampleMatch(famIndividuals: fam.count, matched: matched, unmatchedRows: unmatched, unmatchedExamples: examples))
    }

    /// Column indices of the `k` leading eigenvectors: by decreasing eigenvalue when the file has
    /// eigenvalues (GEMMA writes them in increasing order), else the first `k` (PLINK's order).
    public func leadingColumns(_ k: Int) throws -> [Int] {
        guard k >= 0 && k <= vectors.columns else {
            throw FormatError(path: path, "\(k) components requested, but the file has \(vectors.columns)")
        }
        guard let eigenvalues else { return Array(0..<k) }
        return Array(eigenvalues.indices.sorted { eigenvalues[$0] > eigenvalues[$1] || (eigenvalues[$0] == eigenvalues[$1] && $0 < $1) }.prefix(k))
    }
}
