import Formats

/// The order PLINK gives variants once a fileset is sorted (`--make-bed` on an unsorted
/// `.bim`): by chromosome code, then base-pair position, ties kept in file order.
///
/// Chromosomes `1`…`22` (with or without a `chr` prefix) come first in numeric order, then
/// `X` (23), `Y` (24), `XY` (25), `MT` (26); any other name follows, in order of first
/// appearance. Clumping windows and LD pruning walk this order, so an unsorted `.bim`
/// gives the same answer as its sorted copy.
public struct VariantOrder: Sendable {
    /// `.bim` rows (0-based) in sorted order.
    public let rows: [Int]
    /// Inverse of `rows`: sorted rank of each `.bim` row.
    public let rank: [Int]
    /// For each sorted rank, the range of ranks on its chromosome.
    public let chromosomeRange: [Range<Int>]

    /// Sorts `variants`.
    public init(_ variants: [BimRecord]) {
        var otherOrder: [String: Int] = [:]
        let keys: [Int] = variants.map { v in
            if let code = VariantOrder.standardCode(v.chromosome) { return code }
            if let k = otherOrder[v.chromosome] { return 1000 + k }
            otherOrder[v.chromosome] = otherOrder.count
            return 1000 + otherOrder.count - 1
        }
        let rows = variants.indices.sorted { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            if variants[a].position != variants[b].position { return variants[a].position < variants[b].position }
            return a < b
        }
        var rank = [Int](repeating: 0, count: variants.count)
        for (r, row) in rows.enumerated() { rank[row] = r }
        var ranges = [Range<Int>](repeating: 0..<0, count: variants.count)
        var start = 0
        while start < rows.count {
            var end = start + 1
            while end < rows.count && keys[rows[end]] == keys[rows[start]] { end += 1 }
            for r in start..<end { ranges[r] = start..<end }
            start = end
        }
        self.rows = rows
        self.rank = rank
        self.chromosomeRange = ranges
    }

    /// PLINK's numeric code of a human chromosome name, nil for other names.
    public static func standardCode(_ name: String) -> Int? {
        var s = Substring(name)
        if s.lowercased().hasPrefix("chr") { s = s.dropFirst(3) }
        if let n = Int(s), n >= 0, n <= 26 { return n }
        switch s.uppercased() {
        case "X": return 23
        case "Y": return 24
        case "XY": return 25
        case "M", "MT": return 26
        default: return nil
        }
    }
}
