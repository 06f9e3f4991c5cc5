/// Where a simulated individual sits in the pedigree.
public enum PedigreeRole: String, Equatable, Sendable {
    /// A genotyped father (nuclear family).
    case father
    /// A genotyped mother (nuclear family).
    case mother
    /// A child: in a nuclear family, or a sibling in a sibship whose parents are not genotyped.
    case child
    /// An unrelated individual (a family of one).
    case unrelated
}

/// One genotyped individual of a `SimulatedPopulation`, in `.fam` order.
public struct SimulatedIndividual: Equatable, Sendable {
    /// 0-based family index; relatives share it, every unrelated individual has its own.
    public var family: Int
    /// Role in the family.
    public var role: PedigreeRole
    /// 0-based subpopulation the family descends from.
    public var subpopulation: Int

    public init(family: Int, role: PedigreeRole, subpopulation: Int) {
        self.family = family; self.role = role; self.subpopulation = subpopulation
    }
}
