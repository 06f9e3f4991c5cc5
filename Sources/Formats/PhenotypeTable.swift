import Numerics

/// Phenotypes lined up with the `.fam`: one row per `.fam` individual in `.fam` order, one column per
/// selected trait, NaN where missing (a missing code, or no row for that individual in the file).
public struct PhenotypeTable {
    /// The file as given.
    public let path: String
    /// The convention the file was read in (`.gemma` or `.plink`).
    public let convention: TableConvention
    /// Trait names: the header names, or `pheno1…` (the file's column positions) for GEMMA style.
    public let names: [String]
    /// n × p values, n = `.fam` individuals, NaN for missing.
    public let values: Matrix<Double>
    /// How the file's rows matched the `.fam`.
    public let match: SampleMatch

    /// Reads a phenotype table in either convention (detected from the header unless given).
    ///
    /// GEMMA style: no header, one row per `.fam` individual in order, `NA` or -9 missing.
    /// PLINK style: header `FID IID name…`, rows matched by ID in any order, `NA`, `nan` or -9
    /// missing; rows for IDs not in the `.fam` are counted in `match` and ignored; duplicate IDs
    /// are an error. Only the selected columns must be numeric.
    public static func read(path: String, fam: [FamRecord], columns: ColumnSelection = .all,
                            convention: TableConvention = .automatic) throws -> PhenotypeTable {
        let table = try IndividualTable(path: path, fam: fam, convention: convention, defaultName: "pheno")
        let chosen = try columns.resolve(in: table.names, path: path, hasHeader: table.convention == .plink)
        let codes: MissingCodes = table.convention == .gemma ? .gemmaPhenotype : .plink
        var values = Matrix<Double>(rows: fam.count, columns: chosen.count, repeating: .nan)
        for i in table.rowsInFileOrder {
            let row = table.cells[i]!
            for (k, j) in chosen.enumerated() {
                guard let v = codes.number(row[j]) else {
                    throw FormatError(path: path, line: table.lines[i],
                                      "column \(table.names[j]): expected \(codes.expectation), found '\(row[j])'\(table.headerHint(line: table.lines[i]))")
                }
                values[i, k] = v
            }
        }
        return PhenotypeTable(path: path, convention: table.convention, names: chosen.map { table.names[$0] },
                              values: values, match: table.match)
    }

    /// Number of `.fam` individuals missing trait `column` (0-based).
    public func missingCount(column: Int) -> Int {
        values.column(column).reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
    }

    /// `.fam` rows (0-based) with every selected trait present: the individuals an analysis can use.
    public var completeRows: [Int] {
        values.completeRows()
    }
}
