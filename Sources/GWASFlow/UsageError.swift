/// A command was run without something it needs that the parser could not check by itself
/// (for example a path that may come either from a flag or from `gwasflow.toml`).
///
/// `description` is one line that says what to type, e.g.
/// `no genotype data given: pass --bfile PREFIX or set bfile = "PREFIX" in gwasflow.toml`.
public struct UsageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message shown after `gwasflow: `.
    public var description: String

    /// An error with the given one-line message.
    public init(_ description: String) {
        self.description = description
    }
}
