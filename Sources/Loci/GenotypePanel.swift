import Formats

/// Hard-call genotypes of a `.bed` for a fixed set of individuals, decoded SNP by SNP on
/// demand and kept in a bounded cache (LD windows revisit their neighbours many times).
///
/// By default every individual of the `.fam` counts; `foundersOnly` keeps those with both
/// parents `0`, which is what PLINK 1.9 uses for LD unless told otherwise.
public final class GenotypePanel {
    /// The genotypes.
    public let bed: PlinkBed
    /// `.fam` rows used, in order.
    public let individuals: [Int]
    private var cache: [Int: GenotypeCodes] = [:]
    private let capacity: Int

    /// Individuals `individuals` of `bed`; the cache holds about `cacheBytes` of codes.
    public init(bed: PlinkBed, individuals: [Int], cacheBytes: Int = 1 << 28) {
        self.bed = bed
        self.individuals = individuals
        capacity = max(16, cacheBytes / max(individuals.count, 1))
    }

    /// All individuals of `dataset`, or its founders only.
    public convenience init(dataset: PlinkDataset, foundersOnly: Bool) {
        let rows = foundersOnly ? dataset.fam.indices.filter { dataset.fam[$0].isFounder } : Array(dataset.fam.indices)
        self.init(bed: dataset.bed, individuals: rows)
    }

    /// Codes of `.bim` row `snp`.
    public func codes(_ snp: Int) -> GenotypeCodes {
        if let hit = cache[snp] { return hit }
        if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
        let g = GenotypeCodes(bed: bed, snp: snp, individuals: individuals)
        cache[snp] = g
        return g
    }
}
