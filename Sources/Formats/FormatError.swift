/// A problem with an input or output file, located as precisely as the reader knows.
///
/// `description` is the one line the command-line tool prints before exiting with status 2:
/// `path:line: problem` (or `path: byte N: problem` for binary files).
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file concerned, as the user named it.
    public var path: String
    /// 1-based line number in a text file, when known.
    public var line: Int?
    /// 0-based byte offset in a binary file, when known.
    public var byteOffset: Int?
    /// What was wrong, phrased as what was expected.
    public var problem: String

    /// An error at a file as a whole, a line, or a byte.
    public init(path: String, line: Int? = nil, byteOffset: Int? = nil, _ problem: String) {
        self.path = path
        self.line = line
        self.byteOffset = byteOffset
        self.problem = problem
    }

    public var description: String {
        if let line { return "\(path):\(line): \(problem)" }
        if let byteOffset { return "\(path): byte \(byteOffset): \(problem)" }
        return "\(path): \(problem)"
    }
}
