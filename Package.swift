// swift-tools-version: 6.0
import PackageDescription

// Language mode 5: the numerical code passes unsafe buffers between BLAS calls and
// Swift 6's strict concurrency checking adds noise there without catching real bugs
// (no module shares mutable state across threads; BLAS threads live inside OpenBLAS).
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "gwasflow",
    products: [
        .executable(name: "gwasflow", targets: ["gwasflow"]),
        .library(name: "GWASFlow", targets: ["GWASFlow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CLinearAlgebra", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Numerics", dependencies: ["CLinearAlgebra"], swiftSettings: v5),
        .target(name: "Formats", dependencies: ["Numerics", "CZlib"], swiftSettings: v5),
        .target(name: "Relatedness", dependencies: ["Numerics", "Formats"], swiftSettings: v5),
        // The flows' vectorised Float kernels (Swish, Adamax), chosen per CPU at run time.
        .target(name: "CFlowKernels"),
        .target(name: "Flows", dependencies: ["Numerics", "CFlowKernels"], swiftSettings: v5),
        .target(name: "Dependence", dependencies: ["Flows", "Numerics", "Formats", "Relatedness"], swiftSettings: v5),
        .target(name: "Association", dependencies: ["Numerics", "Formats", "Relatedness"], swiftSettings: v5),
        .target(name: "Simulation", dependencies: ["Numerics", "Formats"], swiftSettings: v5),
        .target(name: "Loci", dependencies: ["Numerics", "Formats"], swiftSettings: v5),
        .target(name: "Report", dependencies: ["Numerics", "Formats"], swiftSettings: v5),
        .target(name: "GWASFlow",
                dependencies: ["Numerics", "Formats", "Relatedness", "Flows", "Dependence",
                               "Association", "Loci", "Simulation", "Report"],
                swiftSettings: v5),
        .executableTarget(name: "gwasflow",
                          dependencies: ["GWASFlow", "Numerics", "Formats", "Relatedness", "Flows",
                                         "Dependence", "Association", "Loci", "Simulation", "Report",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: v5),
        // benchmarks/beyond.sh's driver (LGF and marginalizing flows vs plain flows); not part of the CLI.
        .executableTarget(name: "beyond-bench", dependencies: ["Flows", "Dependence", "Numerics", "Simulation"],
                          path: "benchmarks/beyond", swiftSettings: v5),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"], swiftSettings: v5),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Numerics"], swiftSettings: v5),
        .testTarget(name: "RelatednessTests", dependencies: ["Relatedness", "Formats"], swiftSettings: v5),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Numerics", "CFlowKernels"], swiftSettings: v5),
        .testTarget(name: "DependenceTests", dependencies: ["Dependence", "Flows", "Numerics", "Formats", "Relatedness"], swiftSettings: v5),
        .testTarget(name: "AssociationTests", dependencies: ["Association", "Formats", "Numerics", "Relatedness", "Simulation"], swiftSettings: v5),
        .testTarget(name: "LociTests", dependencies: ["Loci", "Formats", "Numerics"], swiftSettings: v5),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Formats", "Numerics"], swiftSettings: v5),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Formats", "Numerics"], swiftSettings: v5),
        .testTarget(name: "PipelineTests", dependencies: ["GWASFlow", "Numerics", "Formats", "Relatedness", "Flows",
                                                         "Dependence", "Association", "Loci", "Simulation", "Report"],
                    swiftSettings: v5),
    ]
)
