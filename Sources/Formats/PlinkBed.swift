/// A SNP-major PLINK `.bed` genotype file, memory-mapped, decoded on demand.
///
/// Decoded values are GEMMA's genotype: the number of copies of allele 1 (the 5th `.bim`
/// column). The 2-bit codes, low bits first within a byte, map as
/// `00 → 2` (hom A1), `10 → 1` (het), `11 → 0` (hom A2), `01 → missing` (NaN).
public final class PlinkBed: @unchecked Sendable {
    /// Number of individuals (rows of the `.fam`).
    public let individuals: Int
    /// Number of SNPs (rows of the `.bim`).
    public let snps: Int
    /// Bytes per SNP: ⌈individuals / 4⌉.
    public let bytesPerSNP: Int
    /// The file as given.
    public let path: String
    private let bytes: FileBytes

    /// Value of each 2-bit code (index = code), missing as NaN.
    public static let codeValues: [Float] = [2, .nan, 1, 0]

    /// The four decoded values of each possible byte as one vector: the decoding table
    /// (256 × 16 bytes, so it stays in L1 cache).
    static let table: [SIMD4<Float>] = (0..<256).map { b in
        SIMD4(codeValues[b & 3], codeValues[(b >> 2) & 3], codeValues[(b >> 4) & 3], codeValues[(b >> 6) & 3])
    }

    /// Opens `path` and checks the magic bytes and the size implied by `individuals` and `snps`.
    public init(path: String, individuals: Int, snps: Int) throws {
        self.path = path
        self.individuals = individuals
        self.snps = snps
        self.bytesPerSNP = (individuals + 3) / 4
        bytes = try FileBytes(path: path)
        let b = bytes.buffer
        guard b.count >= 3 else {
            throw FormatError(path: path, byteOffset: b.count, "file too short for a .bed header (3 bytes)")
        }
        guard b[0] == 0x6c, b[1] == 0x1b else {
            throw FormatError(path: path, byteOffset: 0, "not a PLINK .bed file (magic bytes are not 6c 1b)")
        }
        guard b[2] == 0x01 else {
            throw FormatError(path: path, byteOffset: 2, "individual-major .bed (mode byte \(b[2])); only SNP-major (01) is supported: rewrite it with plink --make-bed")
        }
        let expected = 3 + bytesPerSNP * snps
        if b.count < expected {
            throw FormatError(path: path, byteOffset: b.count, "truncated: \(b.count) bytes, expected \(expected) for \(individuals) individuals × \(snps) SNPs")
        }
        if b.count > expected {
            throw FormatError(path: path, byteOffset: expected, "oversized: \(b.count) bytes, expected \(expected) for \(individuals) individuals × \(snps) SNPs (do .bim/.fam match?)")
        }
    }

    /// The packed bytes of one SNP.
    public func packed(snp: Int) -> UnsafeRawBufferPointer {
        precondition(snp >= 0 && snp < snps, "SNP index \(snp) out of range 0..<\(snps)")
        return UnsafeRawBufferPointer(start: bytes.base + 3 + snp * bytesPerSNP, count: bytesPerSNP)
    }

    /// Decodes one SNP for every individual into `out` (at least `individuals` long).
    ///
    /// One table load and one unaligned 16-byte store per `.bed` byte, four bytes per iteration;
    /// about 1.5 GB/s of `.bed` per core (docs/benchmarks/formats.md).
    public func decode(snp: Int, into out: UnsafeMutablePointer<Float>) {
        let src = packed(snp: snp).baseAddress!.assumingMemoryBound(to: UInt8.self)
        let dst = UnsafeMutableRawPointer(out)
        PlinkBed.table.withUnsafeBufferPointer { t in
            let full = individuals / 4
            var k = 0
            while k + 4 <= full {
                dst.storeBytes(of: t[Int(src[k])], toByteOffset: k &* 16, as: SIMD4<Float>.self)
                dst.storeBytes(of: t[Int(src[k + 1])], toByteOffset: (k + 1) &* 16, as: SIMD4<Float>.self)
                dst.storeBytes(of: t[Int(src[k + 2])], toByteOffset: (k + 2) &* 16, as: SIMD4<Float>.self)
                dst.storeBytes(of: t[Int(src[k + 3])], toByteOffset: (k + 3) &* 16, as: SIMD4<Float>.self)
                k += 4
            }
            while k < full {
                dst.storeBytes(of: t[Int(src[k])], toByteOffset: k &* 16, as: SIMD4<Float>.self)
                k += 1
            }
            let rest = individuals - full * 4
            if rest > 0 {
                let last = t[Int(src[full])]
                for j in 0..<rest { out[full * 4 + j] = last[j] }
            }
        }
    }

    /// Decodes one SNP for the listed individuals (0-based `.fam` rows) into `out`, in list order.
    public func decode(snp: Int, individuals subset: [Int], into out: UnsafeMutablePointer<Float>) {
        let src = packed(snp: snp)
        for (k, i) in subset.enumerated() {
            out[k] = PlinkBed.codeValues[Int(src[i >> 2] >> UInt8((i & 3) * 2)) & 3]
        }
    }

    /// Decodes SNPs `range` into a column-major block with leading dimension `ld` (≥ rows decoded):
    /// column j holds SNP `range.lowerBound + j`, for all individuals or for `subset` when given.
    public func decodeBlock(snps range: Range<Int>, individuals subset: [Int]? = nil,
                            into out: UnsafeMutablePointer<Float>, leadingDimension ld: Int) {
        for (j, s) in range.enumerated() {
            if let subset { decode(snp: s, individuals: subset, into: out + j * ld) }
            else { decode(snp: s, into: out + j * ld) }
        }
    }
}

/// Writes SNP-major `.bed` bytes from A1 counts.
public enum PlinkBedWriter {
    /// The `.bed` bytes for genotypes given SNP by SNP as A1 counts (0, 1, 2) with -1 for missing.
    public static func encode(snpMajor genotypes: [[Int8]], individuals n: Int) -> [UInt8] {
        let per = (n + 3) / 4
        var out = [UInt8](repeating: 0, count: 3 + per * genotypes.count)
        out[0] = 0x6c; out[1] = 0x1b; out[2] = 0x01
        for (s, g) in genotypes.enumerated() {
            precondition(g.count == n, "SNP \(s) has \(g.count) genotypes, expected \(n)")
            for i in 0..<n {
                let code: UInt8
                switch g[i] {
                case 2: code = 0b00
                case 1: code = 0b10
                case 0: code = 0b11
                default: code = 0b01
                }
                out[3 + s * per + i / 4] |= code << UInt8((i % 4) * 2)
            }
        }
        return out
    }
}
