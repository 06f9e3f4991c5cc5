import Foundation

/// C's `%.10g`, the number format of GEMMA's `.cXX.txt`, `.eigenD.txt` and `.eigenU.txt`, written fast.
///
/// An n × n matrix has n² numbers (25 million at n = 5,000), too many for `String(format:)`.
/// The value is scaled to a 10-digit integer by one multiplication; when that product lies within
/// 1e-4 of a rounding tie (or the exponent is extreme) the digits come from `vsnprintf` instead,
/// so the text is the same as C's `%.10g` for every value (the tests compare against it).
public enum GEMMANumberFormat {
    /// The longest text `write` produces (`-1.234567891e-300`).
    public static let maxLength = 24

    /// 10^0 … 10^40.
    static let powers: [Double] = (0...40).map { pow(10, Double($0)) }

    /// Writes `%.10g` of `value` at `out` (room for `maxLength` bytes); returns the bytes written.
    public static func write(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value == 0 {
            if value.sign == .minus { out[0] = UInt8(ascii: "-"); out[1] = UInt8(ascii: "0"); return 2 }
            out[0] = UInt8(ascii: "0")
            return 1
        }
        let magnitude = abs(value)
        guard value.isFinite, magnitude > 1e-20, magnitude < 1e20 else { return writeByC(value, to: out) }
        // floor(log10(magnitude)) or one less, from the binary exponent (log10(2) = 0.30103 rounded down).
        var exponent = Int((Double(magnitude.exponent) * 0.301029995663981).rounded(.down))
        var scaled = scaleToTenDigits(magnitude, exponent: exponent)
        // Normalise to 10 digits before the point.
        if scaled >= 10_000_000_000 {
            exponent += 1
            scaled = scaleToTenDigits(magnitude, exponent: exponent)
        } else if scaled < 1_000_000_000 {
            exponent -= 1
            scaled = scaleToTenDigits(magnitude, exponent: exponent)
        }
        let fraction = scaled - scaled.rounded(.down)
        if abs(fraction - 0.5) < 1e-4 { return writeByC(value, to: out) }
        var digits = UInt64(scaled.rounded(.toNearestOrAwayFromZero))
        if digits >= 10_000_000_000 { digits /= 10; exponent += 1 }
        // The 10 digits, then the count without trailing zeros.
        var text: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var significant = 10
        withUnsafeMutableBytes(of: &text) { t in
            for k in stride(from: 9, through: 0, by: -1) { t[k] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: digits % 10); digits /= 10 }
            while significant > 1 && t[significant - 1] == UInt8(ascii: "0") { significant -= 1 }
        }
        return withUnsafeBytes(of: &text) { t -> Int in
            var n = 0
            if value < 0 { out[n] = UInt8(ascii: "-"); n += 1 }
            if exponent >= -4 && exponent < 10 {
                if exponent >= 0 {
                    for k in 0...exponent { out[n] = k < significant ? t[k] : UInt8(ascii: "0"); n += 1 }
                    if significant > exponent + 1 {
                        out[n] = UInt8(ascii: "."); n += 1
                        for k in (exponent + 1)..<significant { out[n] = t[k]; n += 1 }
                    }
                } else {
                    out[n] = UInt8(ascii: "0"); out[n + 1] = UInt8(ascii: "."); n += 2
                    for _ in 0..<(-exponent - 1) { out[n] = UInt8(ascii: "0"); n += 1 }
                    for k in 0..<significant { out[n] = t[k]; n += 1 }
                }
            } else {
                out[n] = t[0]; n += 1
                if significant > 1 {
                    out[n] = UInt8(ascii: "."); n += 1
                    for k in 1..<significant { out[n] = t[k]; n += 1 }
                }
                out[n] = UInt8(ascii: "e"); out[n + 1] = UInt8(ascii: exponent < 0 ? "-" : "+"); n += 2
                // Only |exponent| ≤ 20 reach here; larger ones go through vsnprintf.
                let e = abs(exponent)
                out[n] = UInt8(ascii: "0") + UInt8(e / 10); out[n + 1] = UInt8(ascii: "0") + UInt8(e % 10); n += 2
            }
            return n
        }
    }

    /// Appends `%.10g` of `value` to `out`.
    public static func append(_ value: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { b in
            let n = write(value, to: b.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<n]))
        }
    }

    /// `%.10g` of `value` as a string.
    public static func string(_ value: Double) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `magnitude · 10^(9 − exponent)`: the value with 10 digits before the point.
    @inline(__always)
    static func scaleToTenDigits(_ magnitude: Double, exponent: Int) -> Double {
        let shift = 9 - exponent
        return powers.withUnsafeBufferPointer { p in shift >= 0 ? magnitude * p[shift] : magnitude / p[-shift] }
    }

    /// C's own `%.10g` (rounding ties, extreme exponents, NaN and infinities).
    static func writeByC(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        withVaList([value]) { args in
            out.withMemoryRebound(to: CChar.self, capacity: maxLength) { Int(vsnprintf($0, maxLength, "%.10g", args)) }
        }
    }
}
