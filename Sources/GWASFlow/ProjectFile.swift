import Formats
import Foundation

/// A value in a `gwasflow.toml` file.
public enum ProjectValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case boolean(Bool)

    public var description: String {
        switch self {
        case .string(let s): return s
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .boolean(let b): return String(b)
        }
    }
}

/// A reader for the small subset of TOML that `gwasflow.toml` uses: one `key = value` per line,
/// values being basic strings (`"..."` with `\" \\ \n \t` escapes), literal strings (`'...'`),
/// numbers or booleans, and `#` comments. Tables, arrays and multi-line strings are rejected with
/// an error naming the line, rather than half-understood.
public enum ProjectFile {
    /// The `(key, value, line)` entries of `text` in file order; `path` is only used in errors.
    public static func parse(_ text: String, path: String) throws -> [(key: String, value: ProjectValue, line: Int)] {
        var entries: [(key: String, value: ProjectValue, line: Int)] = []
        var seen: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var rest = Substring(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            if rest.isEmpty || rest.first == "#" { continue }
            func fail(_ problem: String) -> FormatError {
                FormatError(path: path, line: lineNumber, problem)
            }
            if rest.first == "[" {
                throw fail("tables ([section]) are not supported; write plain key = value lines")
            }
            guard let equals = rest.firstIndex(of: "=") else {
                throw fail("expected key = value, found '\(rest)'")
            }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw fail("expected a bare key (letters, digits, _ or -) before '=', found '\(key)'")
            }
            if let first = seen[key] {
                throw fail("key '\(key)' already set on line \(first)")
            }
            let valueText = rest[rest.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            let (value, trailing) = try parseValue(valueText, fail: fail)
            let after = trailing.drop(while: { $0 == " " || $0 == "\t" })
            if !after.isEmpty && after.first != "#" {
                throw fail("unexpected text after the value of \(key): '\(after)'")
            }
            seen[key] = lineNumber
            entries.append((key, value, lineNumber))
        }
        return entries
    }

    /// Parses one value at the start of `text`; returns it with the text that follows it.
    private static func parseValue(_ text: Substring, fail: (String) -> FormatError)
        throws -> (ProjectValue, Substring)
    {
        guard let first = text.first else { throw fail("missing value after '='") }
        switch first {
        case "\"":
            if text.hasPrefix("\"\"\"") { throw fail("multi-line strings are not supported") }
            var result = ""
            var i = text.index(after: text.startIndex)
            while i < text.endIndex {
                let c = text[i]
                if c == "\"" { return (.string(result), text[text.index(after: i)...]) }
                if c == "\\" {
                    let next = text.index(after: i)
                    guard next < text.endIndex else { break }
                    switch text[next] {
                    case "\"": result.append("\"")
                    case "\\": result.append("\\")
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    default: throw fail("unsupported escape '\\\(text[next])' in string (use \\\\ for a backslash)")
                    }
                    i = text.index(after: next)
                    continue
                }
                result.append(c)
                i = text.index(after: i)
            }
            throw fail("string not closed: missing \" at the end of the line")
        case "'":
            let body = text.dropFirst()
            guard let close = body.firstIndex(of: "'") else {
                throw fail("string not closed: missing ' at the end of the line")
            }
            return (.string(String(body[..<close])), body[body.index(after: close)...])
        case "[", "{":
            throw fail("arrays and inline tables are not supported; use a single string or number")
        default:
            let end = text.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "#" }) ?? text.endIndex
            let token = String(text[..<end])
            if token == "true" { return (.boolean(true), text[end...]) }
            if token == "false" { return (.boolean(false), text[end...]) }
            if let x = Double(token.replacingOccurrences(of: "_", with: "")), x.isFinite {
                return (.number(x), text[end...])
            }
            throw fail("expected a quoted string, a number or true/false, found '\(token)' (paths need quotes: key = \"path\")")
        }
    }
}
