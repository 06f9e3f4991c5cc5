import Foundation
import Numerics
import XCTest

/// When the executable asks OpenBLAS for better kernels, and when it leaves the choice alone.
final class BLASCoreTypeTests: XCTestCase {
    let skylake: Set<Substring> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]

    func testGenericFallbackOnAnAVX512CPUAsksForSkylakeX() {
        XCTAssertEqual(BLASCoreType.preferred(environment: [:], loaded: "Prescott", cpuFlags: skylake), "SkylakeX")
    }

    func testAVX2WithoutAVX512AsksForHaswell() {
        XCTAssertEqual(BLASCoreType.preferred(environment: [:], loaded: "Prescott", cpuFlags: ["avx2", "fma"]), "Haswell")
        XCTAssertNil(BLASCoreType.preferred(environment: [:], loaded: "Prescott", cpuFlags: ["avx2"]))
        XCTAssertNil(BLASCoreType.preferred(environment: [:], loaded: "Prescott", cpuFlags: ["avx512f", "avx2"]))
    }

    func testRecognisedCPUOrUserChoiceIsLeftAlone() {
        XCTAssertNil(BLASCoreType.preferred(environment: [:], loaded: "SkylakeX", cpuFlags: skylake))
        XCTAssertNil(BLASCoreType.preferred(environment: [:], loaded: "Haswell", cpuFlags: skylake))
        XCTAssertNil(BLASCoreType.preferred(environment: ["OPENBLAS_CORETYPE": "Prescott"], loaded: "Prescott", cpuFlags: skylake))
        XCTAssertNil(BLASCoreType.preferred(environment: [:], loaded: "Prescott", cpuFlags: ["sse3"]))
    }

    func testFlagsAreReadFromTheFirstProcessor() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try "processor\t: 0\nmodel name\t: Test\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu avx512f\n"
            .write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(BLASCoreType.cpuFlags(cpuinfo: url.path), ["fpu", "sse3", "avx2", "fma"])
        XCTAssertEqual(BLASCoreType.cpuFlags(cpuinfo: url.path + ".absent"), [])
    }

    func testTheLoadedKernelIsNamed() {
        XCTAssertFalse(BLASCoreType.loaded.isEmpty)
    }
}
