/// Finds `.fam` rows by the IDs other files use: (FID, IID) pairs, a bare IID when it is
/// unique in the `.fam`, or EIGENSOFT's `FID:IID` joined form.
struct IndividualIndex {
    private var byPair: [String: Int] = [:]
    /// IID → row, or -1 when the IID occurs in more than one family.
    private var byIID: [String: Int] = [:]

    init(_ fam: [FamRecord]) {
        for (row, r) in fam.enumerated() {
            byPair[IndividualIndex.key(r.fid, r.iid)] = row
            byIID[r.iid] = byIID[r.iid] == nil ? row : -1
        }
    }

    private static func key<S: StringProtocol>(_ fid: S, _ iid: S) -> String { "\(fid)\u{0}\(iid)" }

    /// The row of (FID, IID), or nil when not in the `.fam`.
    func row<S: StringProtocol>(fid: S, iid: S) -> Int? { byPair[IndividualIndex.key(fid, iid)] }

    /// The row of an IID given without FID; throws when the IID is ambiguous in the `.fam`.
    func row<S: StringProtocol>(iid: S, path: String, line: Int) throws -> Int? {
        guard let row = byIID[String(iid)] else { return nil }
        if row < 0 {
            throw FormatError(path: path, line: line, "IID \(iid) occurs in several .fam families; this file gives no FID, so it cannot be matched (add an FID column)")
        }
        return row
    }

    /// The row of an EIGENSOFT ID: an IID, or `FID:IID` split at any colon.
    func row(eigensoftID id: Substring, path: String, line: Int) throws -> Int? {
        if let row = try row(iid: id, path: path, line: line) { return row }
        var i = id.startIndex
        while let colon = id[i...].firstIndex(of: ":") {
            if let row = row(fid: id[..<colon], iid: id[id.index(after: colon)...]) { return row }
            i = id.index(after: colon)
        }
        return nil
    }
}
