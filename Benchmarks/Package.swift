// swift-tools-version: 6.1
// Micro benchmarks, kept out of the main package so the test command does not build them.
// Run from this folder: swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "hotline-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "hotline", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RoutingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "HotlineBenchmarkSupport", package: "hotline"),
            ],
            path: "RoutingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
