/// A PLINK binary fileset (`prefix.bed`, `.bim`, `.fam`) opened together and checked for consistency.
public struct PlinkDataset: Sendable {
    /// The prefix as given.
    public let prefix: String
    /// Individuals, in `.fam` order.
    public let fam: [FamRecord]
    /// Variants, in `.bim` order.
    public let bim: [BimRecord]
    /// The genotypes.
    public let bed: PlinkBed

    /// Opens `prefix.bed/.bim/.fam`; each may also be found gzip-compressed as `prefix.X.gz`.
    public init(prefix: String) throws {
        self.prefix = prefix
        fam = try PlinkFam.read(path: PlinkDataset.locate(prefix, "fam"))
        bim = try PlinkBim.read(path: PlinkDataset.locate(prefix, "bim"))
        bed = try PlinkBed(path: PlinkDataset.locate(prefix, "bed"), individuals: fam.count, snps: bim.count)
    }

    /// `prefix.ext`, or `prefix.ext.gz` when only that exists.
    static func locate(_ prefix: String, _ ext: String) -> String {
        let plain = "\(prefix).\(ext)"
        let gz = plain + ".gz"
        if !fileExists(plain) && fileExists(gz) { return gz }
        return plain
    }
}
