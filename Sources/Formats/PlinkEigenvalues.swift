extension Eigenvectors {
    /// PLINK's `.eigenval` beside a `.eigenvec` (same stem; `.gz` tolerated on either), when it exists.
    public static func plinkEigenvaluesPath(beside path: String) -> String? {
        var stem = path
        if stem.hasSuffix(".gz") { stem.removeLast(3) }
        guard stem.hasSuffix(".eigenvec") else { return nil }
        stem.removeLast(".eigenvec".count)
        return [stem + ".eigenval", stem + ".eigenval.gz"].first(where: fileExists)
    }

    /// Eigenvalues from a PLINK `.eigenval` file: one number per line, in the order of the
    /// `.eigenvec` columns.
    public static func readPlinkEigenvalues(path: String) throws -> [Double] {
        var values: [Double] = []
        for line in try TextLines(path: path) {
            guard line.fields.count == 1 else {
                throw FormatError(path: path, line: line.number, "expected one eigenvalue per line, found \(line.fields.count) values")
            }
            values.append(try number(line.fields[0], path: path, line: line.number, column: 1))
        }
        guard !values.isEmpty else { throw FormatError(path: path, "empty file: expected one eigenvalue per line") }
        return values
    }

    /// The eigenvalue of each column: those the file carries (EIGENSOFT, GEMMA), else PLINK's
    /// `.eigenval` beside it; nil when neither exists.
    public func columnEigenvalues() throws -> [Double]? {
        if let eigenvalues { return eigenvalues }
        guard let beside = Eigenvectors.plinkEigenvaluesPath(beside: path) else { return nil }
        let values = try Eigenvectors.readPlinkEigenvalues(path: beside)
        guard values.count >= vectors.columns else {
            throw FormatError(path: beside, "\(values.count) eigenvalues, but \(path) has \(vectors.columns) eigenvector columns")
        }
        return Array(values.prefix(vectors.columns))
    }
}
