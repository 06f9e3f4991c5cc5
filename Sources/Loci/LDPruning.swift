import Formats

/// PLINK 1.9 `--indep-pairwise`: greedy removal of one SNP of each pair in high LD within
/// a sliding window, on genotypic r² (`GenotypeR2`).
///
/// Per chromosome, in sorted order, over the SNPs still in play: the window holds the SNPs
/// from its first one up to `window` kilobases further (or `window` SNPs). Within it, PLINK
/// sweeps pairs (i, j), i before j; the first pair of i with r² > threshold (1 + 2⁻⁴⁴) loses
/// its SNP of lower MAF (i when MAF_i < (1 − 2⁻⁴⁴) MAF_j, else j), and the sweep moves on to
/// the next i; sweeps repeat until none prunes. Each SNP remembers how far its pairs were
/// checked, so a pair is tested once. The window then advances its first SNP by `step`
/// (counting pruned SNPs too) and takes in the SNPs that now fall inside. SNPs without
/// variance in the panel are pruned as they enter a window of two or more. Chromosome 0
/// (unplaced) is skipped, and its SNPs are reported neither kept nor pruned, like PLINK.
public struct LDPruning {
    /// Window size: kilobases from the window's first SNP, or a count of SNPs.
    public enum Window: Equatable, Sendable {
        case kilobases(Int)
        case variants(Int)
    }

    /// `.bim` rows kept (PLINK's `.prune.in`), in sorted order.
    public let kept: [Int]
    /// `.bim` rows pruned (`.prune.out`), in sorted order.
    public let pruned: [Int]

    static let slack = 0x1p-44

    /// Prunes the SNPs `candidates` (`.bim` rows; others are ignored) of `variants`.
    /// `maf` gives each row's minor allele frequency in the panel.
    public init(variants: [BimRecord], candidates: Set<Int>, panel: GenotypePanel, maf: [Double],
                window: Window, step: Int, r2 threshold: Double) {
        precondition(step >= 1, "step ≥ 1")
        let order = VariantOrder(variants)
        var kept: [Int] = [], pruned: [Int] = []
        var start = 0
        while start < order.rows.count {
            let range = order.chromosomeRange[start]
            start = range.upperBound
            guard VariantOrder.standardCode(variants[order.rows[range.lowerBound]].chromosome) != 0 else { continue }
            let rows = order.rows[range].filter { candidates.contains($0) }
            guard !rows.isEmpty else { continue }
            let out = LDPruning.pruneChromosome(rows: rows, positions: rows.map { variants[$0].position }, panel: panel,
                                                maf: rows.map { maf[$0] }, window: window, step: step,
                                                threshold: threshold * (1 + LDPruning.slack))
            for (k, row) in rows.enumerated() { if out[k] { pruned.append(row) } else { kept.append(row) } }
        }
        self.kept = kept
        self.pruned = pruned
    }

    /// Which of one chromosome's SNPs (sorted) are pruned.
    static func pruneChromosome(rows: [Int], positions: [Int], panel: GenotypePanel, maf: [Double],
                                window: Window, step: Int, threshold: Double) -> [Bool] {
        let count = rows.count
        var isPruned = [Bool](repeating: false, count: count)
        func hasVariance(_ k: Int) -> Bool {
            let c = panel.codes(rows[k]).classCounts
            let n = c.homA1 + c.het + c.homA2, ssq = c.homA1 + c.homA2, sum = c.homA1 - c.homA2
            return ssq * n - sum * sum != 0
        }
        /// SNPs from `end` on that join when the window's first SNP becomes `first` (a count
        /// window takes `step` more).
        func arrivals(first: Int, end: Int) -> Int {
            switch window {
            case .variants: return step
            case .kilobases(let kb):
                var k = end
                while k < count && positions[k] <= positions[first] + 1000 * kb { k += 1 }
                return k - end
            }
        }
        // The first window.
        var live = [0]
        var checkedUpTo: [Int] = []   // per live SNP: pairs with SNPs before this one are done
        var first = 0, end = 1
        let initialSize: Int
        switch window {
        case .kilobases: initialSize = 1 + arrivals(first: 0, end: 1)
        case .variants(let n): initialSize = n
        }
        while live.count < initialSize && end < count {
            checkedUpTo.append(end)
            live.append(end)
            end += 1
        }
        checkedUpTo.append(end)
        if live.count > 1 { for k in live where !hasVariance(k) { isPruned[k] = true } }

        while first < count || live.count > 1 {
            if live.count > 1 {
                var prunedThisSweep: Bool
                repeat {
                    prunedThisSweep = false
                    for u in 0..<(live.count - 1) where !isPruned[live[u]] {
                        var v = u + 1
                        while v < live.count && live[v] < checkedUpTo[u] { v += 1 }
                        while v < live.count {
                            if isPruned[live[v]] { v += 1; continue }
                            let r2 = GenotypeR2.r2(panel.codes(rows[live[u]]), panel.codes(rows[live[v]]))
                            if let r2, r2 > threshold {
                                prunedThisSweep = true
                                if maf[live[u]] < (1 - slack) * maf[live[v]] {
                                    isPruned[live[u]] = true
                                } else {
                                    isPruned[live[v]] = true
                                    v += 1
                                    while v < live.count && isPruned[live[v]] { v += 1 }
                                    if v < live.count { checkedUpTo[u] = live[v] }
                                }
                                break
                            }
                            v += 1
                        }
                        if v == live.count { checkedUpTo[u] = end }
                    }
                } while prunedThisSweep
            }
            // Advance the window's first SNP.
            first = min(first + step, count)
            if first == count { break }
            if end < first { end = first }
            var newLive: [Int] = [], newChecked: [Int] = []
            for (j, k) in live.enumerated() where k >= first && !isPruned[k] {
                newLive.append(k); newChecked.append(checkedUpTo[j])
            }
            live = newLive; checkedUpTo = newChecked
            let previousEnd = live.count
            for _ in 0..<arrivals(first: first, end: end) {
                if end == count { break }
                if live.count > previousEnd { checkedUpTo[live.count - 1] = end }
                live.append(end); checkedUpTo.append(end)
                if !hasVariance(end) { isPruned[end] = true }
                end += 1
            }
            if live.count > previousEnd { checkedUpTo[live.count - 1] = end }
        }
        return isPruned
    }
}

extension LDPruning.Window {
    /// Parses PLINK's window argument: `500kb` (kilobases) or `50` (variant count); nil if invalid.
    public init?(plinkText text: String) {
        let lower = text.lowercased()
        if lower.hasSuffix("kb") {
            guard let kb = Int(lower.dropLast(2)), kb >= 1 else { return nil }
            self = .kilobases(kb)
        } else {
            guard let n = Int(lower), n >= 2 else { return nil }
            self = .variants(n)
        }
    }
}
