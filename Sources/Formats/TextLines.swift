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

    /// Scans UTF-8 bytes (separators are ASCII, so they always fall on character boundaries),
    /// which is several times faster than splitting `Character`s.
    public func makeIterator() -> AnyIterator<Line> {
        let text = self.text
        let utf8 = text.utf8
        var position = utf8.startIndex
        var number = 0
        @inline(__always) func isSeparator(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 13 }
        return AnyIterator {
            while position < utf8.endIndex {
                number += 1
                let end = utf8[position...].firstIndex(of: 10) ?? utf8.endIndex
                var fields: [Substring] = []
                var i = position
                while i < end {
                    while i < end && isSeparator(utf8[i]) { i = utf8.index(after: i) }
                    if i == end { break }
                    var j = i
                    while j < end && !isSeparator(utf8[j]) { j = utf8.index(after: j) }
                    fields.append(text[i..<j])
                    i = j
                }
                position = end < utf8.endIndex ? utf8.index(after: end) : end
                if !fields.isEmpty { return Line(number: number, fields: fields) }
            }
            return nil
        }
    }
}
