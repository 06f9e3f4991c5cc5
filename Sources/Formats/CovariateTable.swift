import Numerics

/// Covariates lined up with the `.fam` as a design matrix W: one row per `.fam` individual in
/// `.fam` order, NaN where missing (the caller drops those individuals).
///
/// GEMMA style is used as given: GEMMA's `-c` file carries its own intercept column of 1s.
/// PLINK style gets an intercept column (`intercept`, all 1s) put first. In both, a column with a
/// non-numeric value is categorical: its levels, sorted as text, become 0/1 indicator columns
/// `name=level` for every level but the first (the reference), so W stays full rank with the intercept.
public struct CovariateTable {
    /// The file as given.
    public let path: String
    /// The convention the file was read in (`.gemma` or `.plink`).
    public let convention: TableConvention
    /// Names of the columns of `values`.
    public let names: [String]
    /// n × c design matrix, n = `.fam` individuals, NaN where missing.
    public let values: Matrix<Double>
    /// How the file's rows matched the `.fam`.
    public let match: SampleMatch
    /// Lines for the log: the intercept, and each categorical column with its levels.
    public let notes: [String]

    /// Columns with more levels than this are refused as categorical (likely an ID column or a typo).
    public static let maximumLevels = 100

    /// Reads a covariate table in either convention (detected from the header unless given).
    public static func read(path: String, fam: [FamRecord], columns: ColumnSelection = .all,
                            convention: TableConvention = .automatic) throws -> CovariateTable {
        let table = try IndividualTable(path: path, fam: fam, convention: convention, defaultName: "covar")
        let chosen = try columns.resolve(in: table.names, path: path, hasHeader: table.convention == .plink)
        let codes: MissingCodes = table.convention == .gemma ? .gemmaCovariate : .plink
        let n = fam.count
        var names: [String] = []
        var columnsOut: [[Double]] = []
        var notes: [String] = []
        if table.convention == .plink {
            names.append("intercept")
            columnsOut.append([Double](repeating: 1, count: n))
            notes.append("intercept added (PLINK-style covariate table)")
        }
        for j in chosen {
            let name = table.names[j]
            var numeric = [Double](repeating: .nan, count: n)
            var firstText: (value: Substring, line: Int)?
            for i in table.rowsInFileOrder {
                let cell = table.cells[i]![j]
                if let v = codes.number(cell) { numeric[i] = v } else if firstText == nil { firstText = (cell, table.lines[i]) }
            }
            guard let firstText else {
                names.append(name)
                columnsOut.append(numeric)
                continue
            }
            var levels = Set<Substring>()
            for row in table.cells { if let row, !codes.isMissing(row[j]) { levels.insert(row[j]) } }
            let sorted = levels.sorted()
            guard sorted.count <= maximumLevels else {
                throw FormatError(path: path, line: firstText.line,
                                  "column \(name): expected \(codes.expectation), found '\(firstText.value)'; read as categorical it would have \(sorted.count) levels (more than \(maximumLevels))\(table.headerHint(line: firstText.line))")
            }
            let indicators = Array(sorted.dropFirst())
            for level in indicators {
                var column = [Double](repeating: .nan, count: n)
                for (i, row) in table.cells.enumerated() {
                    guard let row, !codes.isMissing(row[j]) else { continue }
                    column[i] = row[j] == level ? 1 : 0
                }
                names.append("\(name)=\(level)")
                columnsOut.append(column)
            }
            if indicators.isEmpty {
                notes.append("\(name): categorical with a single level '\(sorted.first ?? "")', dropped (constant)")
            } else {
                notes.append("\(name): categorical, \(sorted.count) levels, reference '\(sorted[0])', indicator columns \(indicators.map { "\(name)=\($0)" }.joined(separator: ", "))")
            }
        }
        if table.convention == .gemma {
            let hasConstant = columnsOut.contains { col in col.allSatisfy { $0.isNaN || $0 == 1 } }
            notes.append(hasConstant ? "GEMMA-style covariates used as given (the file's column of 1s is the intercept)"
                                     : "GEMMA-style covariates used as given, and no column is all 1s: the model has no intercept (GEMMA behaves the same)")
        }
        let values = Matrix<Double>(rows: n, columns: columnsOut.count, storage: columnsOut.flatMap { $0 })
        return CovariateTable(path: path, convention: table.convention, names: names, values: values,
                              match: table.match, notes: notes)
    }

    /// `.fam` rows (0-based) with every covariate present.
    public var completeRows: [Int] {
        values.completeRows()
    }
}
