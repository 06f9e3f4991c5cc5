/// The text cells of a per-individual table, read in either convention and lined up with the `.fam`:
/// the common first step of `PhenotypeTable` and `CovariateTable`.
struct IndividualTable {
    /// The file as given.
    let path: String
    /// The convention actually used (never `.automatic`).
    let convention: TableConvention
    /// Names of the data columns (after the ID columns); `defaultName1…` for GEMMA style.
    let names: [String]
    /// Per `.fam` individual: the data cells of its row, or nil when the file has no row for it.
    let cells: [[Substring]?]
    /// Per `.fam` individual: the line its row came from (0 when absent), for error messages.
    let lines: [Int]
    /// How the rows matched the `.fam`.
    let match: SampleMatch

    /// Reads `path`; `defaultName` names GEMMA-style columns (`pheno` → `pheno1`, `pheno2`, …).
    init(path: String, fam: [FamRecord], convention: TableConvention, defaultName: String) throws {
        self.path = path
        let rows = Array(try TextLines(path: path))
        guard let first = rows.first else {
            throw FormatError(path: path, "empty file: expected one row per individual")
        }
        let plink = convention == .plink || (convention == .automatic && TableConvention.isPlinkHeader(first.fields))
        self.convention = plink ? .plink : .gemma
        var cells = [[Substring]?](repeating: nil, count: fam.count)
        var lines = [Int](repeating: 0, count: fam.count)
        if plink {
            let header = first.fields
            let idColumns: Int
            let firstName = (header[0].hasPrefix("#") ? header[0].dropFirst() : header[0]).uppercased()
            if firstName == "FID" {
                guard header.count >= 2, header[1].uppercased() == "IID" else {
                    throw FormatError(path: path, line: first.number, "header starts with FID, so the second column must be IID, found '\(header.count > 1 ? header[1] : "")'")
                }
                idColumns = 2
            } else if firstName == "IID" {
                idColumns = 1
            } else {
                throw FormatError(path: path, line: first.number, "expected a header line starting FID IID (or #FID IID), found '\(header[0])'")
            }
            guard header.count > idColumns else {
                throw FormatError(path: path, line: first.number, "header has no data columns after the ID column\(idColumns == 1 ? "" : "s")")
            }
            let names = header[idColumns...].map(String.init)
            var seenName: [String: Int] = [:]
            for (j, name) in names.enumerated() {
                if let k = seenName[name] {
                    throw FormatError(path: path, line: first.number, "column name '\(name)' appears twice (columns \(k + idColumns + 1) and \(j + idColumns + 1))")
                }
                seenName[name] = j
            }
            self.names = names
            let index = IndividualIndex(fam)
            var firstLine: [String: Int] = [:]
            var matched = 0, unmatched = 0
            var examples: [String] = []
            for line in rows.dropFirst() {
                let f = line.fields
                guard f.count == header.count else {
                    throw FormatError(path: path, line: line.number, "expected \(header.count) columns as in the header, found \(f.count)")
                }
                let id = idColumns == 2 ? "\(f[0]) \(f[1])" : String(f[0])
                if let earlier = firstLine[id] {
                    throw FormatError(path: path, line: line.number, "duplicate individual \(id) (first on line \(earlier))")
                }
                firstLine[id] = line.number
                let row = idColumns == 2 ? index.row(fid: f[0], iid: f[1])
                                         : try index.row(iid: f[0], path: path, line: line.number)
                guard let row else {
                    unmatched += 1
                    if examples.count < 5 { examples.append(id) }
                    continue
                }
                cells[row] = Array(f[idColumns...])
                lines[row] = line.number
                matched += 1
            }
            match = SampleMatch(famIndividuals: fam.count, matched: matched, unmatchedRows: unmatched, unmatchedExamples: examples)
        } else {
            let width = first.fields.count
            for (k, line) in rows.enumerated() {
                guard k < fam.count else {
                    throw FormatError(path: path, line: line.number, "more rows than .fam individuals (\(fam.count)); a GEMMA-style table has exactly one row per .fam individual, in .fam order")
                }
                guard line.fields.count == width else {
                    throw FormatError(path: path, line: line.number, "expected \(width) columns as on line \(first.number), found \(line.fields.count)")
                }
                cells[k] = line.fields
                lines[k] = line.number
            }
            guard rows.count == fam.count else {
                throw FormatError(path: path, "\(rows.count) rows but \(fam.count) .fam individuals; a GEMMA-style table has exactly one row per .fam individual, in .fam order (use a PLINK-style FID IID header to match by ID)")
            }
            names = (1...width).map { "\(defaultName)\($0)" }
            match = SampleMatch(famIndividuals: fam.count, matched: fam.count)
        }
        self.cells = cells
        self.lines = lines
    }

    /// `.fam` rows that have a row in the file, in file order (so errors come first-line first).
    var rowsInFileOrder: [Int] {
        cells.indices.filter { cells[$0] != nil }.sorted { lines[$0] < lines[$1] }
    }

    /// The hint added to a non-numeric first row of a GEMMA-style table, which is usually a header.
    func headerHint(line: Int) -> String {
        convention == .gemma && line == lines.first ? " (a header line? PLINK-style tables start with FID IID)" : ""
    }
}
