/// The version of gwasflow, printed by `gwasflow --version` and written at the top of every run log.
public enum GWASFlowVersion {
    /// Semantic version of this build.
    public static let string = "0.1.0"
}
