extension FamRecord {
    /// Whether the `.fam` phenotype column holds a value by GEMMA's reading: `NA` and -9 (in any
    /// spelling, e.g. `-9.0`) are missing, everything else (0 included) is a value. GEMMA's
    /// `-bfile` runs analyse exactly these individuals (checked against GEMMA 0.98.5).
    public var hasGEMMAPhenotype: Bool { !MissingCodes.gemmaPhenotype.isMissing(Substring(phenotype)) }
}
