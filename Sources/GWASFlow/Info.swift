import Formats
import Foundation
import Loci
import Numerics

/// What `gwasflow info` reports: ordered `key: value` lines.
public struct DatasetSummary: Equatable, Sendable {
    /// One line of the summary.
    public struct Line: Equatable, Sendable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: CustomStringConvertible) { self.key = key; self.value = value.description }
    }

    /// The lines, in the order printed.
    public var lines: [Line] = []

    /// The value of the first line with `key`.
    public subscript(key: String) -> String? { lines.first { $0.key == key }?.value }

    /// `key: value`, one per line.
    public var text: String { lines.map { "\($0.key): \($0.value)\n" }.joined() }

    mutating func add(_ key: String, _ value: CustomStringConvertible) { lines.append(Line(key, value)) }
}

/// `gwasflow info`: describes a PLINK fileset and, when given, a phenotype table, a covariate
/// table and a principal-component file lined up with its `.fam`.
///
/// Genotype lines: individuals, families, founders, sex counts, SNPs, chromosomes and SNPs per
/// chromosome, the missing-genotype rate, rare and monomorphic SNP counts (every individual
/// counted). For each table: the file's convention, its columns, how its rows matched the `.fam`,
/// and missing values per phenotype column. Finally the number of individuals complete in every
/// file given (all phenotypes, covariates and PCs present).
public func info(bfile: String, pheno: String? = nil, covar: String? = nil, pcs: String? = nil,
                 context: RunContext) throws -> DatasetSummary
{
    let data = try PlinkDataset(prefix: bfile)
    let n = data.fam.count
    var s = DatasetSummary()
    s.add("bfile", bfile)
    s.add("individuals", n)
    s.add("families", Set(data.fam.map(\.fid)).count)
    s.add("founders", data.fam.filter(\.isFounder).count)
    s.add("males", data.fam.filter { $0.sex == 1 }.count)
    s.add("females", data.fam.filter { $0.sex == 2 }.count)
    s.add("unknown sex", data.fam.filter { $0.sex != 1 && $0.sex != 2 }.count)
    s.add("SNPs", data.bim.count)
    var chromosomes: [String] = [], perChromosome: [String: Int] = [:]
    for v in data.bim {
        if perChromosome[v.chromosome] == nil { chromosomes.append(v.chromosome) }
        perChromosome[v.chromosome, default: 0] += 1
    }
    s.add("chromosomes", chromosomes.count)
    for c in chromosomes { s.add("SNPs on chromosome \(c)", perChromosome[c]!) }
    let qc = context.step("genotype statistics") {
        VariantQC(dataset: data, panel: GenotypePanel(dataset: data, foundersOnly: false), thresholds: .init())
    }
    let called = qc.statistics.reduce(0) { $0 + $1.homA1 + $1.het + $1.homA2 }
    let calls = n * data.bim.count
    s.add("missing-genotype rate", String(format: "%.6g", Double(calls - called) / Double(calls)))
    s.add("SNPs with MAF < 0.01", qc.statistics.filter { $0.maf < 0.01 && $0.maf > 0 }.count)
    s.add("monomorphic SNPs", qc.statistics.filter { !($0.maf > 0) }.count)

    var complete = [Bool](repeating: true, count: n)
    func restrict(_ values: Matrix<Double>) {
        for i in 0..<n where complete[i] {
            for j in 0..<values.columns where values[i, j].isNaN { complete[i] = false; break }
        }
    }
    if let pheno {
        let table = try PhenotypeTable.read(path: pheno, fam: data.fam)
        s.add("pheno", "\(pheno) (\(table.convention.rawValue) style)")
        s.add("pheno columns", table.names.joined(separator: ", "))
        s.add("pheno individuals", table.match)
        for (j, name) in table.names.enumerated() { s.add("pheno missing \(name)", table.missingCount(column: j)) }
        restrict(table.values)
    }
    if let covar {
        let table = try CovariateTable.read(path: covar, fam: data.fam)
        s.add("covar", "\(covar) (\(table.convention.rawValue) style)")
        s.add("covar columns", table.names.joined(separator: ", "))
        s.add("covar individuals", table.match)
        for note in table.notes { s.add("covar note", note) }
        s.add("covar incomplete individuals", n - table.completeRows.count)
        restrict(table.values)
    }
    if let pcs {
        let file = try Eigenvectors.read(path: pcs)
        let (values, match) = try file.aligned(to: data.fam)
        s.add("pcs", "\(pcs) (\(file.format.rawValue))")
        s.add("pcs columns", values.columns)
        s.add("pcs individuals", match)
        restrict(values)
    }
    if pheno != nil || covar != nil || pcs != nil {
        s.add("individuals complete in every file", complete.filter { $0 }.count)
    }
    return s
}
