/// The two layouts of per-individual tables (phenotypes, covariates).
public enum TableConvention: String, Equatable, Sendable {
    /// GEMMA: no header, whitespace separated, exactly one row per `.fam` individual in `.fam` order.
    case gemma
    /// PLINK 2 / REGENIE: a header `FID IID name…` (`#FID` allowed; `IID`/`#IID` alone matches by
    /// IID), rows matched to the `.fam` by ID in any order.
    case plink
    /// PLINK when the first field of the file is `FID`, `#FID`, `IID` or `#IID`, GEMMA otherwise.
    case automatic

    /// Whether a first line starts like a PLINK-style header.
    static func isPlinkHeader(_ fields: [Substring]) -> Bool {
        guard let first = fields.first else { return false }
        let name = first.hasPrefix("#") ? first.dropFirst() : first
        return name.uppercased() == "FID" || name.uppercased() == "IID"
    }
}
