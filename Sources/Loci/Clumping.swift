import Formats

/// LD clumping of association results with PLINK 1.9 `--clump` semantics.
///
/// Index candidates are the SNPs of the association file found in the `.bim` with p ≤ p1,
/// taken in increasing p (ties: genome order). A candidate already claimed by an earlier
/// clump is skipped. Otherwise every SNP on its chromosome within the kb radius that is in
/// the association file and not yet claimed is tested: if |r²| > r2 (haplotype r², see
/// `HaplotypeR2`; pairs with a monomorphic SNP are skipped) it is claimed — whatever its
/// p-value — and counted in the p-value histogram, and it is listed as a member when
/// p < p2. The index SNP itself is not marked as claimed, as in PLINK.
///
/// Windows and ties follow `VariantOrder`, so an unsorted `.bim` behaves as its sorted copy.
public struct Clumping {
    /// Clumps in the order they were formed (increasing index p).
    public let clumps: [Clump]
    /// Identifiers with p ≤ p1 in the association file but absent from the `.bim`.
    public let missingIndexIDs: [String]
    /// Association rows whose SNP is in the `.bim`.
    public let matchedRows: Int

    /// Clumps `results` using the genotypes of `panel` for the variants `variants` (the `.bim`).
    public init(results: AssociationPValues, variants: [BimRecord], panel: GenotypePanel,
                parameters: ClumpParameters) {
        let order = VariantOrder(variants)
        var rowOfID: [String: Int] = [:]
        for (row, v) in variants.enumerated() where rowOfID[v.id] == nil { rowOfID[v.id] = row }

        // p-value by sorted rank; nil for SNPs not in the association file.
        var pAt = [Double?](repeating: nil, count: variants.count)
        var missing: [String] = []
        var matched = 0
        for r in results.rows {
            guard let row = rowOfID[r.id] else {
                if r.p <= parameters.p1 { missing.append(r.id) }
                continue
            }
            matched += 1
            pAt[order.rank[row]] = r.p
        }
        let candidates = pAt.indices.filter { pAt[$0].map { $0 <= parameters.p1 } ?? false }
            .sorted { a, b in pAt[a]! != pAt[b]! ? pAt[a]! < pAt[b]! : a < b }

        let radius = parameters.radiusBP
        let position = { (rank: Int) in variants[order.rows[rank]].position }
        var claimed = [Bool](repeating: false, count: variants.count)
        var clumps: [Clump] = []
        for s in candidates where !claimed[s] {
            let indexRow = order.rows[s]
            let indexCodes = panel.codes(indexRow)
            let bp = position(s)
            let chromosome = order.chromosomeRange[s]
            var first = s
            while first > chromosome.lowerBound && position(first - 1) >= bp - radius { first -= 1 }
            var last = s
            while last + 1 < chromosome.upperBound && position(last + 1) <= bp + radius { last += 1 }

            var members: [Int] = []
            var histogram = [0, 0, 0, 0, 0]
            for t in first...last where t != s && !claimed[t] {
                guard let p = pAt[t] else { continue }
                let row = order.rows[t]
                guard let r2 = HaplotypeR2.r2(indexCodes, panel.codes(row)), abs(r2) > parameters.r2 else { continue }
                histogram[Clump.pClass(p)] += 1
                if p < parameters.p2 { members.append(row) }
                claimed[t] = true
            }
            let positions = [bp] + members.map { variants[$0].position }
            clumps.append(Clump(index: indexRow, id: variants[indexRow].id, chromosome: variants[indexRow].chromosome,
                                position: bp, p: pAt[s]!, members: members, histogram: histogram,
                                firstPosition: positions.min()!, lastPosition: positions.max()!))
        }
        self.clumps = clumps
        self.missingIndexIDs = missing
        self.matchedRows = matched
    }
}
