import Formats

/// The SNP identifiers and p-values of an association results file, in file order.
///
/// Reads GEMMA `.assoc.txt` (`chr rs ps n_miss allele1 allele0 af beta se … p_wald p_lrt
/// p_score`, univariate or multivariate) and PLINK-style reports (`SNP … P`, as `--clump`
/// expects; PLINK 2 `ID … P` too). The header is the first non-empty line. As PLINK's
/// `--clump` does, a row whose p-value is not a number (`NA`, `nan`, `-nan`) is skipped and
/// counted, and a row too short to reach both columns is skipped; a p-value outside [0, 1]
/// or a repeated SNP identifier is an error.
public struct AssociationPValues: Sendable {
    /// One usable row.
    public struct Row: Equatable, Sendable {
        /// Variant identifier (matched against the `.bim` second column).
        public var id: String
        /// p-value.
        public var p: Double
        /// 1-based line number in the file.
        public var line: Int
        public init(id: String, p: Double, line: Int) { self.id = id; self.p = p; self.line = line }
    }

    /// Column names tried, in order, when no identifier column is named.
    public static let defaultIDFields = ["rs", "SNP", "ID"]
    /// Column names tried, in order, when no p-value column is named: GEMMA's Wald
    /// p-value when present (its primary test for `-lmm 1`/`-lmm 4`), then LRT, then score
    /// (the only one `-lmm 3` and `gwasflow assoc` write), then PLINK's `P`.
    public static let defaultPFields = ["p_wald", "p_lrt", "p_score", "P"]

    /// The file read.
    public let path: String
    /// The identifier column used.
    public let idField: String
    /// The p-value column used.
    public let pField: String
    /// Rows with a numeric p-value, in file order.
    public let rows: [Row]
    /// Rows skipped because the p-value was not a number or the line was too short.
    public let skipped: Int

    /// Reads `path`; `idField` / `pField` name the columns, or nil to use the defaults above.
    public init(path: String, idField: String? = nil, pField: String? = nil) throws {
        self.path = path
        let lines = try TextLines(path: path).makeIterator()
        guard let header = lines.next() else {
            throw FormatError(path: path, "empty association file: expected a header line with SNP and p-value columns")
        }
        let names = header.fields.map(String.init)
        func column(_ requested: String?, _ defaults: [String], _ what: String) throws -> (String, Int) {
            let wanted = requested.map { [$0] } ?? defaults
            for name in wanted { if let k = names.firstIndex(of: name) { return (name, k) } }
            throw FormatError(path: path, line: header.number,
                              "no \(what) column (looked for \(wanted.joined(separator: ", ")); header has \(names.joined(separator: " "))")
        }
        let (idName, idColumn) = try column(idField, AssociationPValues.defaultIDFields, "SNP identifier")
        let (pName, pColumn) = try column(pField, AssociationPValues.defaultPFields, "p-value")
        self.idField = idName
        self.pField = pName
        var rows: [Row] = []
        var skipped = 0
        var firstLine: [String: Int] = [:]
        while let line = lines.next() {
            let f = line.fields
            guard f.count > max(idColumn, pColumn) else { skipped += 1; continue }
            guard let p = Double(f[pColumn]), !p.isNaN else { skipped += 1; continue }
            guard p >= 0, p <= 1 else {
                throw FormatError(path: path, line: line.number, "p-value '\(f[pColumn])' in column \(pName) is outside [0, 1]")
            }
            let id = String(f[idColumn])
            if let earlier = firstLine[id] {
                throw FormatError(path: path, line: line.number, "SNP '\(id)' appears twice (first on line \(earlier)); give one row per SNP")
            }
            firstLine[id] = line.number
            rows.append(Row(id: id, p: p, line: line.number))
        }
        self.rows = rows
        self.skipped = skipped
    }
}
