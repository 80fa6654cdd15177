// swift-tools-version: 6.1
import PackageDescription

let strictSwift6: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "hotline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hotline-intake", targets: ["hotline-intake"]),
        .executable(name: "hotline-routing", targets: ["hotline-routing"]),
        .executable(name: "hotline-accountability", targets: ["hotline-accountability"]),
        .executable(name: "hotline-notification", targets: ["hotline-notification"]),
        .executable(name: "hotline-warehouse", targets: ["hotline-warehouse"]),
        .executable(name: "hotlinectl", targets: ["hotlinectl"]),
        // For the separate benchmark package in Benchmarks/.
        .library(name: "HotlineBenchmarkSupport", targets: ["HotlineBenchmarkSupport"]),
        // For the libFuzzer package in Fuzzing/.
        .library(name: "HotlineParserProperties", targets: ["HotlineParserProperties"]),
        .library(name: "HotlineKafka", targets: ["HotlineKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // MARK: Shared libraries

        .systemLibrary(name: "CMalloc", path: "Shared/CMalloc"),
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "HotlineKafka",
            dependencies: [
                "CRdKafka",
                "HotlineConcurrency",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/Kafka",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineConcurrency",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/Concurrency",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineDomain",
            path: "Shared/Domain",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlinePrivacy",
            dependencies: [
                "HotlineDomain",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/Privacy",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineStorage",
            dependencies: [
                "HotlineConcurrency",
                "HotlineDomain",
                "HotlineKafka",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/Storage",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineReference",
            dependencies: [
                "HotlineDomain",
                "HotlinePrivacy",
                "HotlineStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Reference",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineRuntime",
            dependencies: [
                "CMalloc",
                "HotlineConcurrency",
                "HotlineDomain",
                "HotlinePrivacy",
                "HotlineKafka",
                "HotlineStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/Runtime",
            swiftSettings: strictSwift6
        ),

        .target(
            name: "HotlineOperations",
            dependencies: ["HotlineDomain", "HotlinePrivacy", "HotlineReference", "HotlineStorage",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Shared/Operations",
            swiftSettings: strictSwift6
        ),

        // MARK: Services (a library each, so tests can build them, plus a thin executable)

        .target(
            name: "IntakeService",
            dependencies: ["HotlineDomain", "HotlineKafka", "HotlineStorage", "HotlineRuntime", "HotlinePrivacy", "HotlineReference",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Services/Intake/Sources",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "hotline-intake",
            dependencies: ["IntakeService", "HotlineRuntime"],
            path: "Services/Intake/Main",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "RoutingService",
            dependencies: ["HotlineDomain", "HotlineKafka", "HotlineStorage", "HotlineRuntime", "HotlineReference", "HotlinePrivacy",
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Services/Routing/Sources",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "hotline-routing",
            dependencies: ["RoutingService", "HotlineRuntime"],
            path: "Services/Routing/Main",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "AccountabilityService",
            dependencies: ["HotlineDomain", "HotlineKafka", "HotlineStorage", "HotlineRuntime", "HotlineReference",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Services/Accountability/Sources",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "hotline-accountability",
            dependencies: ["AccountabilityService", "HotlineRuntime"],
            path: "Services/Accountability/Main",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "NotificationService",
            dependencies: ["HotlineConcurrency", "HotlineDomain", "HotlineKafka", "HotlineStorage", "HotlineRuntime", "HotlinePrivacy", "HotlineReference",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Services/Notification/Sources",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "hotline-notification",
            dependencies: ["NotificationService", "HotlineRuntime", "HotlinePrivacy"],
            path: "Services/Notification/Main",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "WarehouseService",
            dependencies: ["HotlineDomain", "HotlineKafka", "HotlineStorage", "HotlineRuntime", "HotlineReference",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Services/Warehouse/Sources",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "hotline-warehouse",
            dependencies: ["WarehouseService", "HotlineRuntime"],
            path: "Services/Warehouse/Main",
            swiftSettings: strictSwift6
        ),

        .target(
            name: "HotlineBenchmarkSupport",
            dependencies: ["RoutingService", "NotificationService", "HotlineReference", "HotlinePrivacy", "HotlineDomain"],
            path: "Shared/BenchmarkSupport",
            swiftSettings: strictSwift6
        ),

        // MARK: Operators' tools

        .executableTarget(
            name: "hotlinectl",
            dependencies: [
                "HotlineRuntime", "HotlineReference", "HotlineStorage", "HotlinePrivacy", "AccountabilityService", "NotificationService", "HotlineDomain",
                "HotlineOperations", "HotlineKafka", "WarehouseService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tools/hotlinectl",
            swiftSettings: strictSwift6
        ),

        // MARK: Tests

        .testTarget(
            name: "HotlineDomainTests",
            dependencies: ["HotlineDomain", "HotlineReference"],
            path: "Tests/DomainTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "HotlineKafkaTests",
            dependencies: ["HotlineKafka", "HotlineTestSupport",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Tests/KafkaTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "HotlineStorageTests",
            dependencies: ["HotlineStorage", "HotlineKafka", "HotlineDomain", "HotlineTestSupport",
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/StorageTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "HotlinePrivacyTests",
            dependencies: ["HotlinePrivacy", "HotlineDomain", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/PrivacyTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "HotlineRuntimeTests",
            dependencies: ["HotlineRuntime", "HotlineConcurrency", "HotlineKafka", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/RuntimeTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "IntakeTests",
            dependencies: ["IntakeService", "RoutingService", "HotlineTestSupport", "HotlineParserProperties",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/IntakeTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "RoutingTests",
            dependencies: ["RoutingService", "HotlineReference", "HotlineDomain", "HotlinePrivacy", "HotlineTestSupport", "HotlineKafka",
                           "HotlineStorage", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/RoutingTests",
            exclude: ["corpus.csv"],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "AccountabilityTests",
            dependencies: ["AccountabilityService", "HotlineOperations", "HotlineReference", "HotlineDomain", "HotlinePrivacy", "HotlineTestSupport",
                           "HotlineKafka", "HotlineStorage", "HotlineRuntime",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/AccountabilityTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "NotificationTests",
            dependencies: ["NotificationService", "HotlineFakeGateway", "HotlineTestSupport", "HotlineReference", "HotlineDomain",
                           "HotlinePrivacy", "HotlineKafka", "HotlineStorage", "HotlineRuntime",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/NotificationTests",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "WarehouseTests",
            dependencies: ["WarehouseService", "HotlineTestSupport", "HotlineReference", "HotlineDomain", "HotlinePrivacy",
                           "HotlineKafka", "HotlineStorage", "HotlineRuntime",
                           .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/WarehouseTests",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineFakeGateway",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/FakeGateway",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineParserProperties",
            dependencies: ["HotlineDomain", "HotlinePrivacy"],
            path: "Tests/ParserProperties",
            swiftSettings: strictSwift6
        ),
        .target(
            name: "HotlineTestSupport",
            dependencies: ["HotlineRuntime", "HotlineKafka", "HotlineStorage",
                           .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/Support",
            swiftSettings: strictSwift6
        ),
    ]
)
