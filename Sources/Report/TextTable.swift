import Formats
import Foundation

/// A whitespace-separated text table with a header line (gwasflow's `.tsv` outputs, GEMMA's
/// `.assoc.txt`, PLINK's `.clumped`): column names and rows of fields, read as text so the report
/// can show whatever columns a file has.
public struct TextTable: Sendable {
    /// Where the table was read from.
    public let path: String
    /// Header names (a leading `#` of the first name removed).
    public let columns: [String]
    /// Data rows; a row may be shorter than the header.
    public let rows: [[String]]

    /// Reads `path` (plain or gzip); the first non-empty line is the header.
    public init(path: String) throws {
        let lines = try TextLines(path: path).makeIterator()
        guard let header = lines.next() else { throw FormatError(path: path, "empty file; expected a header line") }
        var names = header.fields.map(String.init)
        if names[0].hasPrefix("#") { names[0].removeFirst() }
        if names[0].isEmpty { names.removeFirst() }
        var rows: [[String]] = []
        while let line = lines.next() { rows.append(line.fields.map(String.init)) }
        self.path = path
        self.columns = names
        self.rows = rows
    }

    /// Reads only the columns named in `wanted` (each entry: alternative names, case-insensitive,
    /// the first present is kept), so a table of a million SNPs with many columns stays small.
    /// The result's columns are the names found, in `wanted` order; entries with no match are left out.
    public init(path: String, keeping wanted: [[String]]) throws {
        let lines = try TextLines(path: path).makeIterator()
        guard let header = lines.next() else { throw FormatError(path: path, "empty file; expected a header line") }
        var names = header.fields.map(String.init)
        if names[0].hasPrefix("#") { names[0].removeFirst() }
        if names[0].isEmpty { names.removeFirst() }
        let lowered = names.map { $0.lowercased() }
        let picked = wanted.compactMap { alternatives in
            alternatives.lazy.compactMap { lowered.firstIndex(of: $0.lowercased()) }.first
        }
        var rows: [[String]] = []
        while let line = lines.next() {
            rows.append(picked.map { $0 < line.fields.count ? String(line.fields[$0]) : "" })
        }
        self.path = path
        self.columns = picked.map { names[$0] }
        self.rows = rows
    }

    /// A table from values in memory (tests, derived tables).
    public init(path: String, columns: [String], rows: [[String]]) {
        self.path = path
        self.columns = columns
        self.rows = rows
    }

    /// Index of the first column whose name equals one of `names` (case-insensitive).
    public func column(_ names: String...) -> Int? {
        column(in: names)
    }

    /// Index of the first column whose name equals one of `names` (case-insensitive), in `names` order.
    public func column(in names: [String]) -> Int? {
        let lowered = columns.map { $0.lowercased() }
        for name in names { if let i = lowered.firstIndex(of: name.lowercased()) { return i } }
        return nil
    }

    /// Column `index` as numbers (NaN where missing or not numeric).
    public func numbers(_ index: Int) -> [Double] {
        rows.map { index < $0.count ? (Double($0[index]) ?? .nan) : .nan }
    }

    /// Whether column `index` has at least one finite number.
    public func isNumeric(_ index: Int) -> Bool {
        numbers(index).contains { $0.isFinite }
    }
}

/// The `key: value` lines of a gwasflow `PREFIX.log` (first occurrence of each key), enough to
/// find the inputs a run used.
public struct RunLogEntries: Sendable {
    public let values: [String: String]

    /// Reads `path`; nil when it does not exist or cannot be read.
    public init?(path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.range(of: ": ") else { continue }
            let key = String(line[..<colon.lowerBound]), value = String(line[colon.upperBound...])
            if values[key] == nil { values[key] = value }
        }
        self.values = values
    }

    /// The value of `key` with a ` (from gwasflow.toml)` note removed, as a path resolved against
    /// the run's working directory when relative.
    public func path(_ key: String) -> String? {
        guard var value = values[key] else { return nil }
        if let note = value.range(of: " (from ") { value = String(value[..<note.lowerBound]) }
        if value.hasPrefix("/") { return value }
        guard let directory = values["working directory"] else { return value }
        return URL(fileURLWithPath: directory).appendingPathComponent(value).path
    }
}
