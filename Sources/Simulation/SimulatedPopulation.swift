import Foundation
import Formats
import Numerics

/// Simulated genotypes of a structured cohort with families, held as SNP-major PLINK `.bed` bytes.
///
/// The model, SNP by SNP along each chromosome:
/// - **Frequencies.** An ancestral A1 frequency p (a rare minor allele for `rareFraction` of SNPs,
///   either allele being A1), and per subpopulation a Balding–Nichols draw
///   p_k ~ Beta(p(1−F)/F, (1−p)(1−F)/F) with F = `fst`.
/// - **Founder haplotypes with LD.** Each founder haplotype carries a latent z following a
///   Gaussian AR(1) along the chromosome, z ← ρ z + √(1−ρ²) ε with ρ = exp(−gap / `ldDecay`),
///   restarted (ρ = 0) at LD block boundaries; the allele is A1 when z < Φ⁻¹(p_k), so each
///   SNP keeps frequency p_k exactly in expectation while neighbouring SNPs are in LD.
/// - **Families.** A child receives one haplotype of each parent, switching between the parent's
///   two haplotypes at crossovers (Haldane map, 1 cM per Mb), so siblings share about half their
///   genome identical by descent and parent–child pairs exactly half.
/// - **Missingness.** Each SNP draws its own rate uniform in [0, 2 × `missingRate`].
///
/// Genotypes are kept packed (2 bits each), so a 5,000 × 100,000 cohort needs 125 MB.
public struct SimulatedPopulation: Sendable {
    /// The settings it was drawn from.
    public let settings: PopulationSettings
    /// `.fam` records: FID, IID, parents (when genotyped), sex.
    public let fam: [FamRecord]
    /// `.bim` records: chromosome, ID (`rs1`…), base-pair position, alleles.
    public let bim: [BimRecord]
    /// Family, role and subpopulation of each individual, in `.fam` order.
    public let individuals: [SimulatedIndividual]
    /// Ancestral frequency of allele A1 of each SNP (before subpopulation drift).
    public let ancestralFrequencies: [Double]
    /// The complete `.bed` file: magic bytes `6c 1b 01`, then ⌈n/4⌉ bytes per SNP.
    public let bed: [UInt8]

    /// Bytes per SNP in `bed`.
    public var bytesPerSNP: Int { (fam.count + 3) / 4 }

    /// Draws a population; the same settings and generator state give the same bytes.
    /// `progress` is called with the number of SNPs done, every 1,000 SNPs and at the end.
    public init(settings: PopulationSettings, generator g: inout SeededGenerator, progress: (Int) -> Void = { _ in }) {
        precondition(settings.problem == nil, settings.problem ?? "")
        self.settings = settings
        let pedigree = Pedigree(settings: settings, generator: &g)
        fam = pedigree.fam
        individuals = pedigree.individuals
        let layout = SNPLayout(settings: settings, generator: &g)
        bim = layout.bim
        ancestralFrequencies = layout.frequencies
        bed = SimulatedPopulation.genotypes(settings: settings, pedigree: pedigree, layout: layout, generator: &g,
                                            progress: progress)
    }

    /// A1 counts (0, 1, 2) of one SNP for every individual, −1 where missing.
    public func genotypes(snp: Int) -> [Int8] {
        precondition(snp >= 0 && snp < bim.count, "SNP index \(snp) out of range 0..<\(bim.count)")
        let n = fam.count, start = 3 + snp * bytesPerSNP
        let values: [Int8] = [2, -1, 1, 0]
        return (0..<n).map { i in values[Int(bed[start + i >> 2] >> UInt8((i & 3) * 2)) & 3] }
    }

    /// Writes `prefix.bed`, `prefix.bim` and `prefix.fam` (each atomically).
    public func write(prefix: String) throws {
        try AtomicFile.write(bed, to: prefix + ".bed")
        try AtomicFile.write(PlinkBim.text(bim), to: prefix + ".bim")
        try AtomicFile.write(PlinkFam.text(fam), to: prefix + ".fam")
    }

    /// The genotype simulation proper (see the type's documentation), straight into `.bed` bytes.
    private static func genotypes(settings s: PopulationSettings, pedigree: Pedigree, layout: SNPLayout,
                                  generator g: inout SeededGenerator, progress: (Int) -> Void) -> [UInt8]
    {
        let n = pedigree.fam.count, per = (n + 3) / 4
        var bed = [UInt8](repeating: 0, count: 3 + per * layout.bim.count)
        bed[0] = 0x6c; bed[1] = 0x1b; bed[2] = 0x01
        let founders = pedigree.founderSubpopulations.count
        let children = pedigree.children
        var latent = [Double](repeating: 0, count: 2 * founders)
        var allele = [UInt8](repeating: 0, count: 2 * founders)
        // Which haplotype (0 or 1) of the father and of the mother each child is copying now.
        var fromFather = [UInt8](repeating: 0, count: children.count)
        var fromMother = [UInt8](repeating: 0, count: children.count)
        let codes: [UInt8] = [0b11, 0b10, 0b00]  // A1 count 0, 1, 2
        var thresholds = [Double](repeating: 0, count: s.subpopulations)
        var frequencies = [Double](repeating: 0, count: s.subpopulations)
        for snp in 0..<layout.bim.count {
            let startsChromosome = snp == 0 || layout.bim[snp].chromosome != layout.bim[snp - 1].chromosome
            let gap = startsChromosome ? 0 : Double(layout.bim[snp].position - layout.bim[snp - 1].position)
            // Drifted frequencies of this SNP in each subpopulation.
            let p = layout.frequencies[snp]
            for k in 0..<s.subpopulations {
                var pk = p
                if s.fst > 0 { pk = g.beta(p * (1 - s.fst) / s.fst, (1 - p) * (1 - s.fst) / s.fst) }
                pk = min(max(pk, 1e-6), 1 - 1e-6)
                frequencies[k] = pk
                if s.ldDecay > 0 { thresholds[k] = Distributions.normalQuantile(pk) }
            }
            // Founder haplotypes.
            if s.ldDecay > 0 {
                let restart = startsChromosome || g.uniform() < 1 / s.meanBlockLength
                let rho = restart ? 0 : exp(-gap / s.ldDecay)
                let innovation = (1 - rho * rho).squareRoot()
                for h in 0..<(2 * founders) {
                    latent[h] = rho * latent[h] + innovation * g.normal()
                    allele[h] = latent[h] < thresholds[pedigree.founderSubpopulations[h >> 1]] ? 1 : 0
                }
            } else {
                for h in 0..<(2 * founders) {
                    allele[h] = g.uniform() < frequencies[pedigree.founderSubpopulations[h >> 1]] ? 1 : 0
                }
            }
            // Transmission to children, with crossovers since the previous SNP.
            let crossover = startsChromosome ? 0.5 : 0.5 * (1 - exp(-2 * gap / 1e8))
            for c in children.indices {
                if startsChromosome {
                    fromFather[c] = g.uniform() < 0.5 ? 1 : 0
                    fromMother[c] = g.uniform() < 0.5 ? 1 : 0
                } else {
                    if g.uniform() < crossover { fromFather[c] ^= 1 }
                    if g.uniform() < crossover { fromMother[c] ^= 1 }
                }
            }
            let missing = s.missingRate > 0 ? 2 * s.missingRate * g.uniform() : 0
            let base = 3 + snp * per
            for i in 0..<n {
                let count: UInt8
                switch pedigree.sources[i] {
                case let .founder(f):
                    count = allele[2 * f] + allele[2 * f + 1]
                case let .child(c):
                    let parents = children[c]
                    count = allele[2 * parents.father + Int(fromFather[c])] + allele[2 * parents.mother + Int(fromMother[c])]
                }
                let code = missing > 0 && g.uniform() < missing ? 0b01 : codes[Int(count)]
                bed[base + i >> 2] |= code << UInt8((i & 3) * 2)
            }
            if (snp + 1) % 1_000 == 0 || snp + 1 == layout.bim.count { progress(snp + 1) }
        }
        return bed
    }
}

/// The family structure: who is genotyped, who descends from whom, and each founder's subpopulation.
struct Pedigree {
    /// Where an individual's two haplotypes come from.
    enum Source { case founder(Int), child(Int) }

    var fam: [FamRecord] = []
    var individuals: [SimulatedIndividual] = []
    var sources: [Source] = []
    /// Subpopulation of each founder (genotyped or not); founder f owns haplotypes 2f and 2f + 1.
    var founderSubpopulations: [Int] = []
    /// Founder indices of each child's parents.
    var children: [(father: Int, mother: Int)] = []

    /// Families fill `relatedFraction` of the sample (nuclear families and sibships), then unrelated
    /// individuals the rest. Subpopulation k is drawn with weight 1 / (k + 1).
    init(settings s: PopulationSettings, generator g: inout SeededGenerator) {
        let n = s.individuals
        let related = Int((s.relatedFraction * Double(n)).rounded())
        let weights = (0..<s.subpopulations).map { 1 / Double($0 + 1) }
        let total = weights.reduce(0, +)
        func subpopulation() -> Int {
            var u = g.uniform() * total
            for (k, w) in weights.enumerated() { if u < w { return k }; u -= w }
            return s.subpopulations - 1
        }
        var family = 0
        while related - fam.count >= 2 {
            let left = related - fam.count
            let k = subpopulation()
            let fid = String(format: "F%04d", family + 1)
            let father = founderSubpopulations.count, mother = father + 1
            founderSubpopulations += [k, k]
            let nuclear = left >= 3 && g.uniform() < s.nuclearFamilyShare
            if nuclear {
                add(FamRecord(fid: fid, iid: fid + "_1", sex: 1), .founder(father), family, .father, k)
                add(FamRecord(fid: fid, iid: fid + "_2", sex: 2), .founder(mother), family, .mother, k)
            }
            let count = nuclear ? min(g.integer(in: 1...3), left - 2) : min(g.integer(in: 2...4), left)
            for c in 0..<count {
                let iid = fid + "_\(c + 3)"
                let record = nuclear ? FamRecord(fid: fid, iid: iid, father: fid + "_1", mother: fid + "_2", sex: 1 + g.integer(in: 0...1))
                                     : FamRecord(fid: fid, iid: iid, sex: 1 + g.integer(in: 0...1))
                add(record, .child(children.count), family, .child, k)
                children.append((father, mother))
            }
            family += 1
        }
        var unrelated = 0
        while fam.count < n {
            unrelated += 1
            let k = subpopulation()
            let id = String(format: "U%04d", unrelated)
            add(FamRecord(fid: id, iid: id, sex: 1 + g.integer(in: 0...1)), .founder(founderSubpopulations.count), family, .unrelated, k)
            founderSubpopulations.append(k)
            family += 1
        }
    }

    private mutating func add(_ record: FamRecord, _ source: Source, _ family: Int, _ role: PedigreeRole, _ k: Int) {
        fam.append(record)
        sources.append(source)
        individuals.append(SimulatedIndividual(family: family, role: role, subpopulation: k))
    }
}

/// SNP positions, IDs, alleles and ancestral frequencies.
struct SNPLayout {
    var bim: [BimRecord] = []
    var frequencies: [Double] = []

    init(settings s: PopulationSettings, generator g: inout SeededGenerator) {
        let bases = ["A", "C", "G", "T"]
        for chromosome in 1...s.chromosomes {
            let count = s.snps / s.chromosomes + (chromosome <= s.snps % s.chromosomes ? 1 : 0)
            var position = 1 + g.integer(in: 0...(s.meanSpacing - 1))
            for _ in 0..<count {
                let a1 = g.integer(in: 0...3)
                let a2 = (a1 + g.integer(in: 1...3)) % 4
                bim.append(BimRecord(chromosome: "\(chromosome)", id: "rs\(bim.count + 1)", position: position,
                                     allele1: bases[a1], allele2: bases[a2]))
                let maf = g.uniform() < s.rareFraction ? 0.002 * pow(5, g.uniform()) : 0.01 + 0.49 * g.uniform()
                frequencies.append(g.uniform() < 0.5 ? maf : 1 - maf)
                position += 1 + g.integer(in: 0...(2 * s.meanSpacing - 2))
            }
        }
    }
}

extension SimulatedPopulation {
    /// One SNP's genotypes standardized over the non-missing individuals, (x − mean) / sd with
    /// the population standard deviation, missing set to 0 (the mean); with the observed A1
    /// frequency (mean / 2) and the standard deviation. Nil for a SNP with no variation.
    public func standardized(snp: Int) -> (values: [Double], frequency: Double, sd: Double)? {
        let x = genotypes(snp: snp)
        var sum = 0.0, sumSquares = 0.0, count = 0
        for v in x where v >= 0 { sum += Double(v); sumSquares += Double(v) * Double(v); count += 1 }
        guard count > 0 else { return nil }
        let mean = sum / Double(count)
        let variance = sumSquares / Double(count) - mean * mean
        guard variance > 1e-12 else { return nil }
        let sd = variance.squareRoot()
        return (x.map { $0 < 0 ? 0 : (Double($0) - mean) / sd }, mean / 2, sd)
    }
}

extension SimulatedPopulation {
    /// Share of genotype calls that are missing.
    public var missingGenotypeRate: Double {
        var missing = 0
        let n = fam.count, per = bytesPerSNP
        for snp in bim.indices {
            let start = 3 + snp * per
            for i in 0..<n where (bed[start + i >> 2] >> UInt8((i & 3) * 2)) & 3 == 1 { missing += 1 }
        }
        return Double(missing) / Double(max(1, n * bim.count))
    }
}
