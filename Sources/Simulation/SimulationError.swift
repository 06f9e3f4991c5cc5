/// A simulation that cannot be carried out with the settings given (one line, actionable).
public struct SimulationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}
