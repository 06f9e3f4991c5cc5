import Formats
import Foundation
import Numerics
import Relatedness

/// How `gwasflow grm` writes a relatedness matrix.
public enum GRMFileFormat: String, CaseIterable, Sendable {
    /// GEMMA text: `PREFIX.cXX.txt` / `PREFIX.sXX.txt` (n lines of n values, `%.10g`).
    case gemma
    /// GCTA binary: `PREFIX.grm.bin`, `PREFIX.grm.N.bin`, `PREFIX.grm.id` (Float32).
    case gcta
}

/// Settings of `gwasflow grm` (from genotypes) and of `gwasflow eigen --bfile`.
public struct GRMSettings: Equatable, Sendable {
    /// Centred (GEMMA `-gk 1`) or standardised (`-gk 2`).
    public var kind: GRMKind
    /// Lowest allele frequency kept (GEMMA `-maf`); nil for GEMMA's 0.01.
    public var maf: Double?
    /// Highest missing fraction kept (GEMMA `-miss`); nil for GEMMA's 0.05.
    public var geno: Double?
    /// A `--keep` file: the GRM covers only the individuals it names (in `.fam` order).
    public var keep: String?
    /// Chromosomes to use, as typed (`1,2,5-7`, `X`); empty for all.
    public var chromosomes: [String]
    /// An `--extract` file: only the SNPs it lists (first field of each line, e.g. `gwasflow qc`'s `.snplist`).
    public var extract: String?
    /// Output format.
    public var format: GRMFileFormat
    /// `--part I/N`: compute only the I-th of N SNP partitions, as a partial sum.
    public var part: GRMPart?

    public init(kind: GRMKind = .centered, maf: Double? = nil, geno: Double? = nil, keep: String? = nil,
                chromosomes: [String] = [], extract: String? = nil, format: GRMFileFormat = .gemma, part: GRMPart? = nil) {
        self.kind = kind; self.maf = maf; self.geno = geno; self.keep = keep
        self.chromosomes = chromosomes; self.extract = extract; self.format = format; self.part = part
    }

    /// The SNP filters: GEMMA's defaults with `maf`/`geno` replaced when given.
    public var filter: SNPFilter {
        SNPFilter(minAlleleFrequency: maf ?? SNPFilter.gemmaDefault.minAlleleFrequency,
                  maxMissingFraction: geno ?? SNPFilter.gemmaDefault.maxMissingFraction)
    }
}

/// `--part I/N`: the I-th (1-based) of N SNP partitions.
public struct GRMPart: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// Parses `I/N` with 1 ≤ I ≤ N.
    public init(_ text: String) throws {
        let f = text.split(separator: "/")
        guard f.count == 2, let i = Int(f[0]), let n = Int(f[1]), n >= 1, i >= 1, i <= n else {
            throw UsageError("--part must be I/N with 1 ≤ I ≤ N (e.g. --part 3/10), got \(text)")
        }
        index = i; count = n
    }

    public var description: String { "\(index)/\(count)" }

    /// The output prefix of this part: `PREFIX.partIofN` (its `.grmpart` and `.log`).
    public func prefix(_ out: String) -> String { "\(out).part\(index)of\(count)" }
}

/// What `gwasflow grm` computed.
public struct GRMRunSummary: Sendable {
    /// Individuals in the matrix.
    public var individuals: Int
    /// SNPs that passed the filters (in this part, for `--part`).
    public var snpsUsed: Int
    /// Files written.
    public var outputs: [String]
}

/// `gwasflow grm --bfile`: GEMMA's `-gk 1`/`-gk 2` relatedness matrix from PLINK genotypes.
///
/// Individuals: every `.fam` individual (or those of `--keep`), in `.fam` order. As GEMMA does, the
/// SNP filters are decided on the individuals with a `.fam` phenotype (GEMMA's analysed
/// individuals); when no individual has one, on all of them (GEMMA itself stops there). With
/// `--part I/N` only the I-th block-aligned slice of the SNPs is summed and written, unnormalised,
/// to `PREFIX.partIofN.grmpart` (see `grmMerge`).
@discardableResult
public func grm(bfile: String, settings: GRMSettings, out: String, context: RunContext) throws -> GRMRunSummary {
    let data = try context.step("open genotypes") { try PlinkDataset(prefix: bfile) }
    let setup = try GRMSetup(data: data, settings: settings, context: context)
    let builder = setup.builder(bed: data.bed, settings: settings)
    let snps = settings.part.map { builder.piece($0.index, of: $0.count, snps: setup.snps) } ?? setup.snps
    if let part = settings.part { context.setting("part", "\(part) (\(snps.count) SNPs of \(setup.snps.count))") }
    let sum = GRMSetup.partialSum(builder, snps: snps, context: context)
    context.figure("individuals", setup.individuals.count)
    context.figure("SNPs used", sum.snpCount)
    let ids = setup.individuals.map { (fid: data.fam[$0].fid, iid: data.fam[$0].iid) }
    if let part = settings.part {
        let path = GRMPartFile.path(out)
        let file = GRMPartFile(sum: sum, part: part.index, parts: part.count, settings: setup.partSettings, ids: ids)
        try context.step("write") { try context.write(file.bytes(), to: path) }
        return GRMRunSummary(individuals: ids.count, snpsUsed: sum.snpCount, outputs: [path])
    }
    guard sum.snpCount > 0 else {
        throw UsageError("no SNP of \(bfile).bed passed the filters (maf \(settings.filter.minAlleleFrequency), geno \(settings.filter.maxMissingFraction)\(settings.chromosomes.isEmpty ? "" : ", chromosomes \(settings.chromosomes.joined(separator: ","))"))")
    }
    let used = sum.snpCount
    let result = sum.normalized()
    let outputs = try context.step("write") { try writeGRM(result, kind: settings.kind, ids: ids, format: settings.format, out: out, context: context) }
    return GRMRunSummary(individuals: ids.count, snpsUsed: used, outputs: outputs)
}

/// `gwasflow grm-merge`: adds the partial sums of `gwasflow grm --part I/N` into the GRM the
/// one-shot run gives (equal up to the order of Double additions across blocks, ≤ 1e-12).
///
/// Each argument is a part's prefix or one of its files (`Q.part2of4.grmpart` or `.log`, so that
/// `Q.part*` works); every part 1…N must be present exactly once, with the same individuals,
/// kind and settings.
@discardableResult
public func grmMerge(parts arguments: [String], format: GRMFileFormat, out: String, context: RunContext) throws -> GRMRunSummary {
    var prefixes: [String] = []
    for a in arguments {
        var p = a
        for suffix in [".grmpart", ".log"] where p.hasSuffix(suffix) { p.removeLast(suffix.count) }
        if !prefixes.contains(p) { prefixes.append(p) }
    }
    guard !prefixes.isEmpty else { throw UsageError("no part files given (e.g. gwasflow grm-merge Q.part*)") }
    // Read in part order (1, 2, …, N, whatever order the shell gives: Q.part10of12 sorts before
    // Q.part2of12), so that the sum is formed in one fixed order and at most two n × n matrices
    // are held: the running total and the part being read.
    prefixes.sort { (partNumber($0) ?? Int.max, $0) < (partNumber($1) ?? Int.max, $1) }
    /// The first part read: what every other part must agree with.
    var reference: (path: String, parts: Int, kind: GRMKind, settings: String, ids: [(fid: String, iid: String)])?
    var seen: [Int: String] = [:]
    var pending: [Int: GRMPartialSum] = [:]
    var total: GRMPartialSum?
    var next = 1
    for path in prefixes.map(GRMPartFile.path) {
        context.input("part", path)
        let file = try GRMPartFile.read(path: path)
        if let earlier = seen[file.part] {
            throw FormatError(path: path, "part \(file.part) of \(file.parts) given twice (also \(earlier))")
        }
        seen[file.part] = path
        if let r = reference {
            guard file.parts == r.parts else { throw FormatError(path: path, "part of \(file.parts), but \(r.path) is a part of \(r.parts)") }
            guard file.sum.kind == r.kind else { throw FormatError(path: path, "\(file.sum.kind) GRM, but \(r.path) is \(r.kind)") }
            guard file.settings == r.settings else {
                throw FormatError(path: path, "computed with settings '\(file.settings)', but \(r.path) with '\(r.settings)'")
            }
            guard file.ids.count == r.ids.count, zip(file.ids, r.ids).allSatisfy({ $0.fid == $1.fid && $0.iid == $1.iid }) else {
                throw FormatError(path: path, "its individuals differ from those of \(r.path)")
            }
        } else {
            reference = (path, file.parts, file.sum.kind, file.settings, file.ids)
        }
        pending[file.part] = file.sum
        while let part = pending.removeValue(forKey: next) {
            total = total.map { $0.merged(with: part) } ?? part
            next += 1
        }
    }
    let header = reference!
    let missing = (1...header.parts).filter { seen[$0] == nil }
    guard missing.isEmpty else {
        throw UsageError("missing parts of \(header.parts): \(missing.map(String.init).joined(separator: ", ")) (given: \(prefixes.map(GRMPartFile.path).joined(separator: " ")))")
    }
    let (n, used, kind) = (total!.sum.rows, total!.snpCount, total!.kind)
    context.figure("parts", header.parts)
    context.figure("individuals", n)
    context.figure("SNPs used", used)
    guard used > 0 else { throw UsageError("no SNP passed the filters in any part") }
    let result = total.take()!.normalized()
    let outputs = try context.step("write") {
        try writeGRM(result, kind: kind, ids: header.ids, format: format, out: out, context: context)
    }
    return GRMRunSummary(individuals: n, snpsUsed: used, outputs: outputs)
}

/// I of a part prefix `….partIofN`, when the name has that form.
private func partNumber(_ prefix: String) -> Int? {
    guard let range = prefix.range(of: #"\.part[0-9]+of[0-9]+$"#, options: .regularExpression) else { return nil }
    return Int(prefix[range].dropFirst(".part".count).prefix { $0.isNumber })
}

/// Writes a GRM as `PREFIX.cXX.txt`/`.sXX.txt` (GEMMA) or the three GCTA files; returns the paths.
func writeGRM(_ grm: GRM, kind: GRMKind, ids: [(fid: String, iid: String)], format: GRMFileFormat,
              out: String, context: RunContext) throws -> [String] {
    switch format {
    case .gemma:
        // Streamed row by row: the 380 MB text of a 5,000 × 5,000 GRM is never held in memory.
        let path = out + ".\(kind.gemmaInfix).txt"
        try context.write(to: path) { try GEMMAMatrixText.write(grm.matrix, to: $0) }
        return [path]
    case .gcta:
        let files = GCTAGRMFiles.files(grm, ids: ids)
        for file in files { try context.write(file.bytes, to: out + file.suffix) }
        return files.map { out + $0.suffix }
    }
}

/// Individuals and SNPs of a GRM run, resolved from the settings.
struct GRMSetup {
    /// SNPs per Float block: a few thousand, so that the Float sums stay short (see `GRMBuilder`).
    static let blockSize = 2048

    var individuals: [Int]
    var analysed: [Bool]
    var snps: [Int]
    /// What must agree between the parts of one GRM (recorded in each part file).
    var partSettings: String

    init(data: PlinkDataset, settings: GRMSettings, context: RunContext) throws {
        if let keep = settings.keep {
            context.input("keep", keep)
            let (rows, match) = try KeepList.rows(path: keep, fam: data.fam)
            context.figure("kept individuals", "\(rows.count) of \(data.fam.count)" + (match.unmatchedRows > 0 ? " (\(match.unmatchedRows) lines not in the .fam)" : ""))
            individuals = rows
        } else {
            individuals = Array(data.fam.indices)
        }
        let phenotyped = individuals.map { data.fam[$0].hasGEMMAPhenotype }
        let count = phenotyped.filter { $0 }.count
        if count == 0 {
            analysed = [Bool](repeating: true, count: individuals.count)
            context.setting("SNP filters decided on", "all \(individuals.count) individuals (no .fam phenotype present)")
        } else {
            analysed = phenotyped
            context.setting("SNP filters decided on", "\(count) individuals with a .fam phenotype, as GEMMA")
        }
        let chromosomes = try ChromosomeSet(settings.chromosomes)
        snps = data.bim.indices.filter { chromosomes.contains(data.bim[$0].chromosome) }
        guard !snps.isEmpty else {
            throw UsageError("no SNP of \(data.prefix).bim is on chromosomes \(settings.chromosomes.joined(separator: ","))")
        }
        var extracted = "all"
        if let extract = settings.extract {
            context.input("extract", extract)
            var listed = Set<Substring>()
            for line in try TextLines(path: extract) { listed.insert(line.fields[0]) }
            let known = Set(data.bim.map { Substring($0.id) })
            let unknown = listed.subtracting(known).count
            snps = snps.filter { listed.contains(Substring(data.bim[$0].id)) }
            guard !snps.isEmpty else { throw FormatError(path: extract, "none of its \(listed.count) SNP IDs is in \(data.prefix).bim\(settings.chromosomes.isEmpty ? "" : " on the chosen chromosomes")") }
            context.figure("SNPs extracted", "\(snps.count) (\(unknown) listed IDs not in the .bim)")
            extracted = "\(snps.count) listed"
        }
        let filter = settings.filter
        context.setting("GRM", "\(settings.kind.rawValue) (GEMMA -gk \(settings.kind.gemmaCode))")
        context.setting("maf", filter.minAlleleFrequency)
        context.setting("geno", filter.maxMissingFraction)
        if !settings.chromosomes.isEmpty { context.setting("chromosomes", settings.chromosomes.joined(separator: ",")) }
        partSettings = "maf \(filter.minAlleleFrequency) geno \(filter.maxMissingFraction) chr \(settings.chromosomes.isEmpty ? "all" : settings.chromosomes.joined(separator: ",")) bim-snps \(data.bim.count) extract \(extracted) filter-individuals \(count)"
    }

    /// The kernel for these individuals with the settings' kind and filters.
    func builder(bed: PlinkBed, settings: GRMSettings) -> GRMBuilder {
        var b = GRMBuilder(bed: bed, individuals: individuals, analysed: analysed, kind: settings.kind, filter: settings.filter)
        b.blockSize = GRMSetup.blockSize
        return b
    }

    /// The partial sum over `snps` as the timed step "GRM" with a progress bar.
    static func partialSum(_ builder: GRMBuilder, snps: [Int], context: RunContext) -> GRMPartialSum {
        context.step("GRM", total: snps.count, unit: "SNPs") { progress in
            builder.partialSum(snps: snps) { done, _ in progress.update(completed: done) }
        }
    }
}

/// Chromosome names from `--chr` values: comma-separated names or numeric ranges (`1-22,X`);
/// a `chr` prefix is ignored on both sides, as is case.
struct ChromosomeSet {
    private var names: Set<String> = []
    private var ranges: [ClosedRange<Int>] = []
    private var all = false

    init(_ values: [String]) throws {
        all = values.isEmpty
        for token in values.flatMap({ $0.split(separator: ",") }).map(String.init) {
            let parts = token.split(separator: "-", omittingEmptySubsequences: false)
            if parts.count == 2, let a = Int(ChromosomeSet.normal(String(parts[0]))), let b = Int(ChromosomeSet.normal(String(parts[1]))) {
                guard a <= b else { throw UsageError("--chr range \(token) runs backwards") }
                ranges.append(a...b)
            } else if !token.isEmpty {
                names.insert(ChromosomeSet.normal(token))
            }
        }
    }

    static func normal(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasPrefix("chr") ? String(lower.dropFirst(3)) : lower
    }

    func contains(_ chromosome: String) -> Bool {
        if all { return true }
        let c = ChromosomeSet.normal(chromosome)
        if names.contains(c) { return true }
        if let v = Int(c) { return ranges.contains { $0.contains(v) } }
        return false
    }
}
