import Formats
import Foundation

/// Per-project defaults read from `gwasflow.toml` in the working directory.
///
/// Each key supplies the default for the command-line option of the same name on every command
/// that has that option; an explicit flag always wins. The file is written by `gwasflow init`:
///
///     # gwasflow project defaults
///     bfile = "data/ukb_chr1_22"
///     covar = "data/covariates.tsv"
///     out = "results/run1"
///
/// Unknown keys are errors (a typo such as `bfiles` would otherwise be silently ignored).
public struct ProjectDefaults: Equatable, Sendable {
    /// The options a project file can supply.
    public enum Key: String, CaseIterable, Sendable {
        case bfile, covar, pcs, grm, out

        /// The flag the key stands in for, e.g. `--bfile`.
        public var flag: String { "--" + rawValue }

        /// The placeholder used in messages (`PREFIX` for prefixes, `FILE` for files).
        public var placeholder: String {
            switch self {
            case .bfile, .out: return "PREFIX"
            case .covar, .pcs, .grm: return "FILE"
            }
        }

        /// What the value is, in words, for messages.
        public var meaning: String {
            switch self {
            case .bfile: return "genotype data (PLINK .bed/.bim/.fam prefix)"
            case .covar: return "covariate file"
            case .pcs: return "principal-component file (.eigenvec)"
            case .grm: return "relatedness matrix file"
            case .out: return "output prefix"
            }
        }
    }

    /// The file name looked for in the working directory.
    public static let fileName = "gwasflow.toml"

    /// No defaults (no project file).
    public static let none = ProjectDefaults(values: [:], source: nil)

    /// The values set, by key.
    public var values: [Key: String]
    /// The file the values were read from, nil when built in code.
    public var source: String?

    /// Defaults with the given values.
    public init(values: [Key: String], source: String? = nil) {
        self.values = values
        self.source = source
    }

    /// The value for `key`, if the project file sets it.
    public subscript(key: Key) -> String? { values[key] }

    /// Reads `gwasflow.toml` from `directory` (default: the working directory); no file means no defaults.
    public static func load(directory: String = ".") throws -> ProjectDefaults {
        let path = directory == "." ? fileName : directory + "/" + fileName
        guard fileExists(path) else { return .none }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)
        else { throw FormatError(path: path, "cannot read the project file as UTF-8 text") }
        return try parse(text, path: path)
    }

    /// Parses the text of a project file; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws -> ProjectDefaults {
        var values: [Key: String] = [:]
        for entry in try ProjectFile.parse(text, path: path) {
            guard let key = Key(rawValue: entry.key) else {
                let known = Key.allCases.map(\.rawValue).joined(separator: ", ")
                throw FormatError(path: path, line: entry.line, "unknown key '\(entry.key)' (known keys: \(known))")
            }
            guard case .string(let value) = entry.value, !value.isEmpty else {
                throw FormatError(path: path, line: entry.line,
                                  "\(key.rawValue) must be a non-empty quoted path, e.g. \(key.rawValue) = \"\(key.placeholder.lowercased())\"")
            }
            values[key] = value
        }
        return ProjectDefaults(values: values, source: path)
    }

    /// The file's text: a comment line, then `key = "value"` lines in a fixed key order.
    public var text: String {
        var lines = ["# gwasflow project defaults: each key is the default for the option of the same name."]
        for key in Key.allCases {
            guard let value = values[key] else { continue }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            lines.append("\(key.rawValue) = \"\(escaped)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ProjectDefaults {
    /// The flag's value when given, else this file's value for `key`, else nil.
    public func resolve(_ explicit: String?, _ key: Key) -> (value: String, fromProject: Bool)? {
        if let explicit { return (explicit, false) }
        if let value = values[key] { return (value, true) }
        return nil
    }

    /// The flag's value or this file's value for `key`; neither is a `UsageError` that says what to type.
    public func require(_ explicit: String?, _ key: Key) throws -> String {
        if let resolved = resolve(explicit, key) { return resolved.value }
        throw UsageError("no \(key.meaning) given: pass \(key.flag) \(key.placeholder) or add \(key.rawValue) = \"\(key.placeholder)\" to \(ProjectDefaults.fileName) (gwasflow init writes it)")
    }
}
