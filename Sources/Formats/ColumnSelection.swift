/// Which data columns of a table to use: all, 1-based positions (`1,2,4`, `2-4`), or header names
/// (`TSH,FT4`). Positions count data columns only, after `FID IID` in a PLINK-style table, as
/// GEMMA's `-n` and PLINK's `--mpheno` do.
public enum ColumnSelection: Equatable, Sendable {
    /// Every data column, in file order.
    case all
    /// 1-based data-column positions, in the order wanted.
    case positions([Int])
    /// Header names, in the order wanted.
    case names([String])

    /// Parses a command-line list: all tokens numbers or `a-b` ranges → positions, otherwise names.
    /// An empty text or `all` selects every column.
    public init(parsing text: String) throws {
        let tokens = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        if (tokens.count == 1 && tokens[0].isEmpty) || (tokens.count == 1 && tokens[0].lowercased() == "all") { self = .all; return }
        if tokens.contains(where: { $0.isEmpty }) {
            throw FormatError(path: "--columns", "empty entry in '\(text)'; expected a comma-separated list like 1,2,4 or TSH,FT4")
        }
        var positions: [Int] = []
        for t in tokens {
            if let p = Int(t) { positions.append(p); continue }
            let ends = t.split(separator: "-", omittingEmptySubsequences: false)
            if ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]) {
                guard a <= b else { throw FormatError(path: "--columns", "range '\(t)' runs backwards; expected a-b with a ≤ b") }
                positions += Array(a...b)
                continue
            }
            self = .names(tokens.map(String.init))
            return
        }
        if let bad = positions.first(where: { $0 < 1 }) {
            throw FormatError(path: "--columns", "column positions start at 1, found \(bad)")
        }
        self = .positions(positions)
    }

    /// 0-based indices into `names` (the data columns of the table at `path`).
    func resolve(in names: [String], path: String, hasHeader: Bool) throws -> [Int] {
        var chosen: [Int]
        switch self {
        case .all:
            chosen = Array(names.indices)
        case .positions(let ps):
            if let bad = ps.first(where: { $0 > names.count }) {
                throw FormatError(path: path, "column \(bad) requested, but the table has \(names.count) data column\(names.count == 1 ? "" : "s")")
            }
            chosen = ps.map { $0 - 1 }
        case .names(let wanted):
            guard hasHeader else {
                throw FormatError(path: path, "columns chosen by name (\(wanted.joined(separator: ","))), but this GEMMA-style table has no header; choose them by position (1,2,…)")
            }
            chosen = try wanted.map { w in
                guard let j = names.firstIndex(of: w) else {
                    throw FormatError(path: path, line: 1, "no column named '\(w)'; the header has \(names.joined(separator: ", "))")
                }
                return j
            }
        }
        var seen = Set<Int>()
        for j in chosen where !seen.insert(j).inserted {
            throw FormatError(path: path, "column \(names[j]) selected twice")
        }
        return chosen
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
