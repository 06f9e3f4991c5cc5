/// One variant of a PLINK `.bim` file.
public struct BimRecord: Equatable, Sendable {
    /// Chromosome code as written (`1`…`22`, `X`, …).
    public var chromosome: String
    /// Variant ID.
    public var id: String
    /// Genetic position in centimorgans.
    public var centimorgans: Double
    /// Base-pair position.
    public var position: Int
    /// Allele 1 (the counted allele: GEMMA's genotype is the number of A1 copies).
    public var allele1: String
    /// Allele 2.
    public var allele2: String

    public init(chromosome: String, id: String, centimorgans: Double = 0, position: Int, allele1: String, allele2: String) {
        self.chromosome = chromosome; self.id = id; self.centimorgans = centimorgans
        self.position = position; self.allele1 = allele1; self.allele2 = allele2
    }
}

/// Reading and writing PLINK `.bim` files (six whitespace-separated columns).
public enum PlinkBim {
    /// Reads a `.bim`; rejects wrong column counts and non-numeric positions.
    public static func read(path: String) throws -> [BimRecord] {
        var records: [BimRecord] = []
        for line in try TextLines(path: path) {
            let f = line.fields
            guard f.count == 6 else {
                throw FormatError(path: path, line: line.number, "expected 6 columns (chr id cm bp A1 A2), found \(f.count)")
            }
            guard let cm = Double(f[2]) else {
                throw FormatError(path: path, line: line.number, "genetic position must be a number, found '\(f[2])'")
            }
            guard let bp = Int(f[3]) else {
                throw FormatError(path: path, line: line.number, "base-pair position must be an integer, found '\(f[3])'")
            }
            records.append(BimRecord(chromosome: String(f[0]), id: String(f[1]), centimorgans: cm, position: bp,
                                     allele1: String(f[4]), allele2: String(f[5])))
        }
        if records.isEmpty { throw FormatError(path: path, "empty .bim file: expected one line per variant") }
        return records
    }

    /// The text of a `.bim` file for these records (tab separated, as PLINK writes it).
    public static func text(_ records: [BimRecord]) -> String {
        var s = ""
        for r in records {
            let cm = r.centimorgans == 0 ? "0" : "\(r.centimorgans)"
            s += "\(r.chromosome)\t\(r.id)\t\(cm)\t\(r.position)\t\(r.allele1)\t\(r.allele2)\n"
        }
        return s
    }
}
