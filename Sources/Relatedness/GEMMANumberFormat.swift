import Foundation

/// C's `%.10g`, the number format of GEMMA's `.cXX.txt`, `.eigenD.txt` and `.eigenU.txt`, written fast.
///
/// An n × n matrix has n² numbers (25 million at n = 5,000), too many for `String(format:)`.
/// The value is scaled to a 10-digit integer by one multiplication; when that product lies within
/// 1e-4 of a rounding tie (or the exponent is extreme) the digits come from `snprintf` instead,
/// so the text is the same as C's `%.10g` for every value (the tests compare against it).
public enum GEMMANumberFormat {
    static let powers: [Double] = (0...40).map { pow(10, Double($0)) }

    /// Appends `%.10g` of `value` to `out`.
    public static func append(_ value: Double, to out: inout [UInt8]) {
        if value == 0 {
            if value.sign == .minus { out.append(UInt8(ascii: "-")) }
            out.append(UInt8(ascii: "0"))
            return
        }
        let magnitude = abs(value)
        guard value.isFinite, magnitude > 1e-20, magnitude < 1e20 else { return appendByC(value, to: &out) }
        var exponent = Int(log10(magnitude).rounded(.down))
        var scaled = scaleToTenDigits(magnitude, exponent: exponent)
        // log10 can be off by one near powers of ten: normalise to 10 digits before the point.
        if scaled < 1_000_000_000 {
            exponent -= 1
            scaled = scaleToTenDigits(magnitude, exponent: exponent)
        } else if scaled >= 10_000_000_000 {
            exponent += 1
            scaled = scaleToTenDigits(magnitude, exponent: exponent)
        }
        let fraction = scaled - scaled.rounded(.down)
        if abs(fraction - 0.5) < 1e-4 { return appendByC(value, to: &out) }
        var digits = UInt64(scaled.rounded(.toNearestOrAwayFromZero))
        if digits >= 10_000_000_000 { digits /= 10; exponent += 1 }
        var text = [UInt8](repeating: 0, count: 10)
        for k in stride(from: 9, through: 0, by: -1) { text[k] = UInt8(ascii: "0") + UInt8(digits % 10); digits /= 10 }
        var significant = 10
        while significant > 1 && text[significant - 1] == UInt8(ascii: "0") { significant -= 1 }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        if exponent >= -4 && exponent < 10 {
            if exponent >= 0 {
                for k in 0...exponent { out.append(k < significant ? text[k] : UInt8(ascii: "0")) }
                if significant > exponent + 1 {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: text[(exponent + 1)..<significant])
                }
            } else {
                out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "."))
                for _ in 0..<(-exponent - 1) { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: text[0..<significant])
            }
        } else {
            out.append(text[0])
            if significant > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: text[1..<significant])
            }
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
            let e = abs(exponent)
            if e >= 100 { out.append(UInt8(ascii: "0") + UInt8(e / 100)) }
            out.append(UInt8(ascii: "0") + UInt8((e / 10) % 10))
            out.append(UInt8(ascii: "0") + UInt8(e % 10))
        }
    }

    /// `%.10g` of `value` as a string.
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `magnitude · 10^(9 − exponent)`: the value with 10 digits before the point.
    static func scaleToTenDigits(_ magnitude: Double, exponent: Int) -> Double {
        let shift = 9 - exponent
        return shift >= 0 ? magnitude * powers[shift] : magnitude / powers[-shift]
    }

    static func appendByC(_ value: Double, to out: inout [UInt8]) {
        out.append(contentsOf: Array(String(format: "%.10g", value).utf8))
    }
}
