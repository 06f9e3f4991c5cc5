/// Whitespace-separated fields of the non-empty lines of a text file, with 1-based line numbers.
///
/// Tabs and spaces both separate fields; `\r\n` endings are accepted. Blank lines are skipped.
public struct TextLines: Sequence {
    /// One non-empty line split into fields.
    public struct Line {
        /// 1-based line number in the file.
        public let number: Int
        /// Fields in order.
        public let fields: [Substring]
    }

    /// The file the lines come from.
    public let path: String
    private let text: String

    /// Reads `path` (plain or gzip).
    public init(path: String) throws {
        let bytes = try FileBytes(path: path)
        self.path = path
        self.text = String(decoding: bytes.buffer, as: UTF8.self)
    }

    /// Lines of an in-memory text, reported as coming from `path`.
    public init(text: String, path: String) {
        self.path = path
        self.text = text
    }

    public func makeIterator() -> AnyIterator<Line> {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        var number = 0
        return AnyIterator {
            while let raw = lines.next() {
                number += 1
                let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if !fields.isEmpty { return Line(number: number, fields: fields) }
            }
            return nil
        }
    }
}
