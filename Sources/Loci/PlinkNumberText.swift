import Foundation

/// Numbers written the way PLINK 1.9 writes its report columns, so our tables can be
/// compared with PLINK's byte for byte.
public enum PlinkNumberText {
    /// Three significant digits as PLINK's `%g`-like writer gives them: exponential
    /// (`1.26e-08`, trailing zeros dropped, two-digit exponent) below 1e-4 and from 1000
    /// on, plain decimals (`0.000123`, `0.5`, `12.3`) between. Halfway cases round to even
    /// digit, with PLINK's tolerance of 5 × 10⁻¹² in the scaled mantissa (so the decimal
    /// text `1.265e-08` becomes `1.26e-08`, where C's `%.3g` gives `1.27e-08`).
    public static func threeSignificant(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == 0 { return "0" }
        let sign = x < 0 ? "-" : ""
        // 15 significant digits of |x|: "d.dddddddddddddde±XX".
        let text = String(format: "%.14e", abs(x))
        let parts = text.split(separator: "e")
        var exponent = Int(parts[1])!
        let digits = parts[0].replacingOccurrences(of: ".", with: "")
        var lead = Int(digits.prefix(3))!
        let fraction = Double("0." + digits.dropFirst(3))!
        if fraction + (lead % 2 == 0 ? 0.499999999995 : 0.500000000005) >= 1 { lead += 1 }
        if lead == 1000 { lead = 100; exponent += 1 }
        let d = String(lead)   // three digits
        if exponent < -4 || exponent >= 3 {
            let mantissa = trimmed(String(d.prefix(1)) + "." + d.dropFirst())
            let e = abs(exponent)
            return sign + mantissa + (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0\(e)" : "\(e)")
        }
        switch exponent {
        case 0: return sign + trimmed(String(d.prefix(1)) + "." + d.dropFirst())
        case 1: return sign + trimmed(String(d.prefix(2)) + "." + d.dropFirst(2))
        case 2: return sign + d
        default: return sign + trimmed("0." + String(repeating: "0", count: -exponent - 1) + d)
        }
    }

    /// Drops trailing zeros after a decimal point, and the point itself if nothing follows.
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.last == "0" { t = t.dropLast() }
        if t.last == "." { t = t.dropLast() }
        return String(t)
    }
}
