/// One individual of a PLINK `.fam` file.
public struct FamRecord: Equatable, Sendable {
    /// Family ID.
    public var fid: String
    /// Individual ID.
    public var iid: String
    /// Father's IID, `0` when not in the data.
    public var father: String
    /// Mother's IID, `0` when not in the data.
    public var mother: String
    /// 1 male, 2 female, 0 unknown.
    public var sex: Int
    /// The sixth column as written (`-9`, `0`, a number, or `NA`).
    public var phenotype: String

    public init(fid: String, iid: String, father: String = "0", mother: String = "0", sex: Int = 0, phenotype: String = "-9") {
        self.fid = fid; self.iid = iid; self.father = father; self.mother = mother; self.sex = sex; self.phenotype = phenotype
    }

    /// A founder has neither parent in the data (PLINK's definition, used for LD).
    public var isFounder: Bool { father == "0" && mother == "0" }
}

/// Reading and writing PLINK `.fam` files (six whitespace-separated columns).
public enum PlinkFam {
    /// Reads a `.fam`; rejects wrong column counts, a bad sex code and duplicate FID/IID pairs.
    public static func read(path: String) throws -> [FamRecord] {
        var records: [FamRecord] = []
        var seen: [String: Int] = [:]
        for line in try TextLines(path: path) {
            let f = line.fields
            guard f.count == 6 else {
                throw FormatError(path: path, line: line.number, "expected 6 columns (FID IID father mother sex phenotype), found \(f.count)")
            }
            guard let sex = Int(f[4]) else {
                throw FormatError(path: path, line: line.number, "sex must be 0, 1 or 2, found '\(f[4])'")
            }
            let key = "\(f[0])\t\(f[1])"
            if let first = seen[key] {
                throw FormatError(path: path, line: line.number, "duplicate individual \(f[0]) \(f[1]) (first on line \(first))")
            }
            seen[key] = line.number
            records.append(FamRecord(fid: String(f[0]), iid: String(f[1]), father: String(f[2]), mother: String(f[3]),
                                     sex: sex, phenotype: String(f[5])))
        }
        if records.isEmpty { throw FormatError(path: path, "empty .fam file: expected one line per individual") }
        return records
    }

    /// The text of a `.fam` file for these records.
    public static func text(_ records: [FamRecord]) -> String {
        var s = ""
        for r in records { s += "\(r.fid) \(r.iid) \(r.father) \(r.mother) \(r.sex) \(r.phenotype)\n" }
        return s
    }
}
