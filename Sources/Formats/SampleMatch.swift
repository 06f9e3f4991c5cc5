/// How the rows of a table with IDs lined up with the `.fam`: the figures a log should show.
public struct SampleMatch: Equatable, Sendable, CustomStringConvertible {
    /// Individuals in the `.fam`.
    public var famIndividuals: Int
    /// `.fam` individuals that have a row in the file.
    public var matched: Int
    /// Rows of the file whose ID is not in the `.fam` (ignored).
    public var unmatchedRows: Int
    /// Up to five IDs of unmatched rows, as `FID IID`, for the log.
    public var unmatchedExamples: [String]

    /// A match in which every `.fam` individual has its row and nothing else is there.
    public init(famIndividuals: Int, matched: Int, unmatchedRows: Int = 0, unmatchedExamples: [String] = []) {
        self.famIndividuals = famIndividuals
        self.matched = matched
        self.unmatchedRows = unmatchedRows
        self.unmatchedExamples = unmatchedExamples
    }

    /// `.fam` individuals with no row in the file (their values are NaN).
    public var absent: Int { famIndividuals - matched }

    /// One line, e.g. `598 of 600 .fam individuals matched; 2 absent; 3 rows not in the .fam (e.g. F9 I9)`.
    public var description: String {
        var s = "\(matched) of \(famIndividuals) .fam individuals matched"
        if absent > 0 { s += "; \(absent) absent (set missing)" }
        if unmatchedRows > 0 {
            s += "; \(unmatchedRows) row\(unmatchedRows == 1 ? "" : "s") not in the .fam (ignored, e.g. \(unmatchedExamples.joined(separator: ", ")))"
        }
        return s
    }
}
