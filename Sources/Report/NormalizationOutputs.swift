import Formats
import Foundation

/// What a report shows of one `gwasflow normalize` run (`X.pheno.tsv` and its siblings): the
/// normalized traits, the raw traits they came from (found through `X.log`), λ per stage
/// (`X.lambda.tsv`), training curves (any `X.*.tsv` with an `epoch` column) and diagnostics.
public struct NormalizationOutputs {
    /// Display name (`hormonal/alternating`).
    public let name: String
    public let traits: [String]
    /// Normalized values per trait, over the individuals with every trait normalized.
    public let after: [[Double]]
    /// Raw values per trait for the same individuals, when the raw table could be read.
    public let before: [[Double]]?
    /// Why `before` is nil.
    public let beforeProblem: String?
    /// Where the raw values came from.
    public let beforeSource: String?
    public let lambda: TextTable?
    public let curves: TextTable?
    public let diagnostics: TextTable?

    /// Reads the outputs under `prefix` (`prefix.pheno.tsv`, or `prefix.pheno.txt` without IDs).
    public init(name: String, prefix: String) throws {
        self.name = name
        var fam: [FamRecord]? = nil
        var traits: [String]
        var columns: [[Double]]
        if fileExists(prefix + ".pheno.tsv") {
            let table = try TextTable(path: prefix + ".pheno.tsv")
            guard table.columns.count > 2 else {
                throw FormatError(path: table.path, "expected FID IID and at least one trait column")
            }
            fam = table.rows.map { FamRecord(fid: $0[0], iid: $0.count > 1 ? $0[1] : $0[0]) }
            traits = Array(table.columns.dropFirst(2))
            columns = (2..<table.columns.count).map { table.numbers($0) }
        } else {
            var rows: [[Double]] = []
            for line in try TextLines(path: prefix + ".pheno.txt") { rows.append(line.fields.map { Double($0) ?? .nan }) }
            let width = rows.map(\.count).max() ?? 0
            traits = (0..<width).map { "trait\($0 + 1)" }
            columns = (0..<width).map { j in rows.map { j < $0.count ? $0[j] : .nan } }
        }
        let complete = (0..<(columns.first?.count ?? 0)).filter { i in columns.allSatisfy { $0[i].isFinite } }
        after = columns.map { c in complete.map { c[$0] } }
        self.traits = traits

        var before: [[Double]]? = nil, problem: String? = nil, source: String? = nil
        if let fam {
            switch NormalizationOutputs.raw(prefix: prefix, fam: fam, traits: traits) {
            case .success(let (table, path)):
                before = (0..<traits.count).map { k in complete.map { table.values[$0, k] } }
                source = path
            case .failure(let reason):
                problem = reason.problem
            }
        } else {
            problem = "\(prefix).pheno.tsv (with individual IDs) not found, so the raw values cannot be matched"
        }
        self.before = before
        self.beforeProblem = problem
        self.beforeSource = source
        lambda = try? TextTable(path: prefix + ".lambda.tsv")
        diagnostics = try? TextTable(path: prefix + ".diagnostics.tsv")
        curves = NormalizationOutputs.curveTable(prefix: prefix)
    }

    /// The raw phenotype table named as input `pheno` in `prefix.log`, lined up with `fam`.
    private static func raw(prefix: String, fam: [FamRecord], traits: [String]) -> Result<(PhenotypeTable, String), FormatError> {
        guard let log = RunLogEntries(path: prefix + ".log") else {
            return .failure(FormatError(path: prefix + ".log", "the run log was not found, so the raw phenotype file is unknown"))
        }
        guard let path = log.path("pheno") else {
            return .failure(FormatError(path: prefix + ".log", "the run log names no pheno input"))
        }
        var selections: [ColumnSelection] = [.names(traits)]
        if let text = log.values["columns"], let given = try? ColumnSelection(parsing: text) { selections.insert(given, at: 0) }
        selections.append(.all)
        var lastError = FormatError(path: path, "cannot be read")
        for selection in selections {
            do {
                let table = try PhenotypeTable.read(path: path, fam: fam, columns: selection)
                if table.names.count == traits.count { return .success((table, path)) }
                lastError = FormatError(path: path, "has \(table.names.count) selected columns, the normalized table \(traits.count)")
            } catch let error as FormatError {
                lastError = error
            } catch {
                lastError = FormatError(path: path, "\(error)")
            }
        }
        return .failure(lastError)
    }

    /// A per-epoch table beside the run: `prefix.*.tsv` with a column named `epoch`, else the
    /// per-epoch lines of `prefix.log` (see `epochLines`).
    private static func curveTable(prefix: String) -> TextTable? {
        let url = URL(fileURLWithPath: prefix)
        let folder = url.deletingLastPathComponent().path, base = url.lastPathComponent + "."
        let known: Set<String> = ["pheno.tsv", "lambda.tsv", "diagnostics.tsv", "loci.tsv", "compare.tsv"]
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for name in names where name.hasPrefix(base) && name.hasSuffix(".tsv") && !known.contains(String(name.dropFirst(base.count))) {
            if let table = try? TextTable(path: folder + "/" + name), table.column("epoch") != nil, !table.rows.isEmpty {
                return table
            }
        }
        guard let text = try? String(contentsOfFile: prefix + ".log", encoding: .utf8) else { return nil }
        return epochLines(text, path: prefix + ".log")
    }

    /// The training curves in a run log: lines `[STAGE ]epoch N: NAME VALUE, NAME VALUE, …` (as the
    /// flow trainer logs them, e.g. `epoch 3: train loss 14.19, validation NLL 13.27, lr 0.0116, 1.1 s`),
    /// as a table with an `epoch` column (counted over the whole log) and one column per loss or
    /// NLL. Nil when the log has no such lines.
    static func epochLines(_ text: String, path: String) -> TextTable? {
        var names: [String] = []
        var rows: [[String]] = []
        for line in text.split(separator: "\n") {
            guard let colon = line.range(of: ": ") else { continue }
            let key = line[..<colon.lowerBound].split(separator: " ")
            guard key.count >= 2, key[key.count - 2] == "epoch", Int(key[key.count - 1]) != nil else { continue }
            var values: [String: String] = [:]
            for part in line[colon.upperBound...].split(separator: ",") {
                let words = part.split(separator: " ")
                guard words.count >= 2, let last = words.last, Double(last) != nil else { continue }
                let name = words.dropLast().joined(separator: " ")
                let lowered = name.lowercased()
                guard lowered.contains("loss") || lowered.contains("nll") else { continue }
                values[name] = String(last)
                if !names.contains(name) { names.append(name) }
            }
            guard !values.isEmpty else { continue }
            rows.append([String(rows.count + 1)] + names.map { values[$0] ?? "NA" })
        }
        guard !rows.isEmpty else { return nil }
        return TextTable(path: path, columns: ["epoch"] + names,
                         rows: rows.map { $0 + [String](repeating: "NA", count: names.count + 1 - $0.count) })
    }
}
