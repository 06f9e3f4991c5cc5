/// A list of individuals to keep (PLINK's `--keep` file), matched against the `.fam`.
///
/// One individual per line: `FID IID` (further fields ignored), or a bare `IID` when that IID is
/// unique in the `.fam`. A header line starting `FID`/`#FID`/`IID`/`#IID` is skipped, as PLINK 2
/// does. Lines naming nobody in the `.fam` are counted, not errors; a file that matches nobody is.
public enum KeepList {
    /// The `.fam` rows the file names, in `.fam` order, and how its lines matched.
    public static func rows(path: String, fam: [FamRecord]) throws -> (rows: [Int], match: SampleMatch) {
        let index = IndividualIndex(fam)
        var keep = [Bool](repeating: false, count: fam.count)
        var unmatched = 0
        var examples: [String] = []
        var first = true
        for line in try TextLines(path: path) {
            let f = line.fields
            defer { first = false }
            if first, TableConvention.isPlinkHeader(f) { continue }
            let row = f.count >= 2 ? index.row(fid: f[0], iid: f[1]) : try index.row(iid: f[0], path: path, line: line.number)
            guard let row else {
                unmatched += 1
                if examples.count < 5 { examples.append(f.prefix(2).joined(separator: " ")) }
                continue
            }
            keep[row] = true
        }
        let rows = keep.indices.filter { keep[$0] }
        guard !rows.isEmpty else {
            throw FormatError(path: path, "no line names a .fam individual (expected FID IID per line, or a unique IID)")
        }
        return (rows, SampleMatch(famIndividuals: fam.count, matched: rows.count, unmatchedRows: unmatched, unmatchedExamples: examples))
    }
}
