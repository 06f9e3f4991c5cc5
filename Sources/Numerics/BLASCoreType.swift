import CLinearAlgebra
import Foundation

/// The OpenBLAS kernel family for this CPU when OpenBLAS's own detection falls short.
///
/// OpenBLAS picks its kernels when the library loads. Debian's 0.3.21 does not recognise
/// recent Intel server cores and falls back to `Prescott` (SSE3), which makes every matrix
/// product about three times slower than the AVX-512 kernels the CPU supports. The choice can
/// only be changed through `OPENBLAS_CORETYPE` before the library loads, so the executable asks
/// this type and, when it names a better kernel, restarts itself with the variable set.
public enum BLASCoreType {
    /// The kernel OpenBLAS chose at load time (`openblas_get_corename`).
    public static var loaded: String {
        String(cString: openblas_get_corename())
    }

    /// The kernel family to request instead, or nil when OpenBLAS's choice stands: the user set
    /// `OPENBLAS_CORETYPE`, OpenBLAS recognised the CPU, or the CPU flags offer nothing better.
    public static func preferred(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 loaded: String = loaded,
                                 cpuFlags: Set<Substring> = cpuFlags()) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, loaded.lowercased() == "prescott" else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The `flags` of the first processor in `/proc/cpuinfo` (empty where there is none).
    public static func cpuFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<Substring> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }
}
