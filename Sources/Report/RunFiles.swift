import Formats
import Foundation

/// The gwasflow outputs found under a run folder or beside a run prefix, by file name:
/// normalizations (`X.pheno.tsv` with `X.lambda.tsv`, `X.diagnostics.tsv`, `X.log`, …),
/// association results (`X.assoc.txt`), locus tables (`X.loci.tsv`) and comparisons
/// (`X.compare.tsv`). Each is named by its path relative to the run without the suffix
/// (`hormonal/alternating`), so the report needs no fixed layout and works on partial runs.
public struct RunFiles: Sendable {
    /// One output file and the name it is shown under.
    public struct Item: Sendable, Equatable {
        public var name: String
        public var path: String
    }

    /// What was given: a folder or a prefix.
    public let run: String
    /// Normalizations: the path is the prefix X of `X.pheno.tsv` / `X.pheno.txt`.
    public var normalizations: [Item] = []
    public var associations: [Item] = []
    public var loci: [Item] = []
    public var comparisons: [Item] = []

    /// Suffixes that identify each kind of output.
    static let suffixes = (pheno: [".pheno.tsv", ".pheno.txt"], assoc: ".assoc.txt", loci: ".loci.tsv", compare: ".compare.tsv")

    /// Finds the outputs of `run`: a prefix `Q` (files `Q.*` in its folder) when such files exist,
    /// else a folder (searched recursively, skipping `logs/` and hidden folders). A path that is
    /// neither is an error.
    public init(run: String) throws {
        self.run = run
        // A prefix wins when files `run.*` exist (the workflow keeps per-chromosome pieces in a
        // folder named like the prefix: hormonal/alternating/ beside hormonal/alternating.*).
        let url = URL(fileURLWithPath: run)
        let folder = url.deletingLastPathComponent().path, base = url.lastPathComponent
        let siblings = run.hasSuffix("/") ? [] : ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        var files = siblings.sorted().filter { $0.hasPrefix(base + ".") }.map { (name: $0, path: folder + "/" + $0) }
        if files.isEmpty {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw FormatError(path: run, "no such folder and no files \(base).* beside it; give a run folder or an output prefix")
            }
            files = RunFiles.walk(run)
        }
        let paths = Set(files.map(\.path))
        for file in files {
            if let suffix = RunFiles.suffixes.pheno.first(where: { file.path.hasSuffix($0) }) {
                let prefix = String(file.path.dropLast(suffix.count))
                // Prefer the .tsv (it carries trait names and IDs) when both exist.
                if suffix == ".pheno.txt", paths.contains(prefix + ".pheno.tsv") { continue }
                normalizations.append(Item(name: String(file.name.dropLast(suffix.count)), path: prefix))
            } else if file.path.hasSuffix(RunFiles.suffixes.assoc) {
                // Per-chromosome pieces D/chr1.assoc.txt are skipped when their gathered D.assoc.txt exists.
                // (String surgery, not URL: URL would make a relative run path absolute.)
                if let slash = file.path.lastIndex(of: "/"),
                   paths.contains(String(file.path[..<slash]) + RunFiles.suffixes.assoc) { continue }
                associations.append(Item(name: String(file.name.dropLast(RunFiles.suffixes.assoc.count)), path: file.path))
            } else if file.path.hasSuffix(RunFiles.suffixes.loci) {
                loci.append(Item(name: String(file.name.dropLast(RunFiles.suffixes.loci.count)), path: file.path))
            } else if file.path.hasSuffix(RunFiles.suffixes.compare) {
                comparisons.append(Item(name: String(file.name.dropLast(RunFiles.suffixes.compare.count)), path: file.path))
            }
        }
    }

    /// Regular files under `folder`, named by their path relative to it, in sorted order.
    static func walk(_ folder: String) -> [(name: String, path: String)] {
        var found: [(name: String, path: String)] = []
        func visit(_ directory: String, _ relative: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = directory + "/" + name, rel = relative.isEmpty ? name : relative + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    if name != "logs" { visit(path, rel) }
                } else {
                    found.append((rel, path))
                }
            }
        }
        visit(folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder, "")
        return found
    }
}
