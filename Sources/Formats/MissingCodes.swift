/// Which cell texts mean "missing" in a numeric table column, and the number parser that honours them.
struct MissingCodes {
    /// Lower-cased tokens read as missing.
    let tokens: Set<String>
    /// Whether the number -9 (in any spelling, e.g. `-9.0`) is missing, as in GEMMA and PLINK phenotypes.
    let minusNine: Bool

    /// GEMMA phenotypes: `NA` or -9.
    static let gemmaPhenotype = MissingCodes(tokens: ["na"], minusNine: true)
    /// GEMMA covariates: only `NA` (GEMMA reads -9 as a value there).
    static let gemmaCovariate = MissingCodes(tokens: ["na"], minusNine: false)
    /// PLINK phenotypes and covariates (PLINK 1.9 `--pheno`/`--covar`): `NA`, `nan`, -9.
    static let plink = MissingCodes(tokens: ["na", "nan"], minusNine: true)

    /// Whether `cell` is a missing code.
    func isMissing(_ cell: Substring) -> Bool {
        if tokens.contains(cell.lowercased()) { return true }
        return minusNine && Double(cell) == -9
    }

    /// NaN for a missing code, the value for a finite number, nil for anything else.
    func number(_ cell: Substring) -> Double? {
        if isMissing(cell) { return .nan }
        guard let v = Double(cell), v.isFinite else { return nil }
        return v
    }

    /// The wording of error messages: what a cell may hold.
    var expectation: String {
        let codes = tokens.sorted().map { $0 == "na" ? "NA" : $0 } + (minusNine ? ["-9"] : [])
        return "a number or \(codes.joined(separator: "/")) for missing"
    }
}
