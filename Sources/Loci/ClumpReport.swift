import Foundation
import Formats

/// Text outputs of clumping: PLINK 1.9's `.clumped` table and our one-row-per-locus table.
public enum ClumpReport {
    /// PLINK's `.clumped` layout: `CHR F SNP BP P TOTAL NSIG S05 S01 S001 S0001 SP2`, fixed-width
    /// columns (SNP width = longest `.bim` identifier, at least 4), P with three significant
    /// digits, members as `ID(1)` joined by commas or `NONE`, two blank lines at the end.
    public static func clumpedText(_ clumping: Clumping, variants: [BimRecord]) -> String {
        let width = max(4, variants.map { $0.id.utf8.count }.max() ?? 0)
        var s = " CHR    F " + pad("SNP", width) + "         BP        P    TOTAL   NSIG    S05    S01   S001  S0001    SP2\n"
        for c in clumping.clumps {
            s += pad(c.chromosome, 4) + " " + pad("1", 4) + " " + pad(c.id, width) + " " + pad(String(c.position), 10) + " "
            s += pad(PlinkNumberText.threeSignificant(c.p), 10) + " " + pad(String(c.total), 8) + " "
            for count in c.histogram { s += pad(String(count), 6) + " " }
            s += c.members.isEmpty ? "NONE" : c.members.map { variants[$0].id + "(1)" }.joined(separator: ",")
            s += "\n"
        }
        return s + "\n\n"
    }

    /// Tab-separated loci table, one row per clump in clumping order:
    /// `locus index_snp chr position p size span_kb first_bp last_bp`, where size counts the
    /// index SNP and its members and the span runs from the first to the last of them.
    public static func lociTable(_ clumping: Clumping) -> String {
        var s = "locus\tindex_snp\tchr\tposition\tp\tsize\tspan_kb\tfirst_bp\tlast_bp\n"
        for (k, c) in clumping.clumps.enumerated() {
            s += "\(k + 1)\t\(c.id)\t\(c.chromosome)\t\(c.position)\t\(String(format: "%.6g", c.p))\t\(c.members.count + 1)\t"
            s += "\(String(format: "%.3f", c.spanKB))\t\(c.firstPosition)\t\(c.lastPosition)\n"
        }
        return s
    }

    /// `text` right-aligned in `width` columns (longer text is kept whole, as PLINK does).
    static func pad(_ text: String, _ width: Int) -> String {
        let n = text.utf8.count
        return n >= width ? text : String(repeating: " ", count: width - n) + text
    }
}
