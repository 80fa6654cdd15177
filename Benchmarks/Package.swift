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
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
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
        // Not a package-benchmark target: a plain executable scripts/bench.sh runs against a live broker.
        .executableTarget(
            name: "KafkaThroughput",
            dependencies: [
                .product(name: "HotlineKafka", package: "hotline"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "KafkaThroughput",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
