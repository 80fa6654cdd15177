// swift-tools-version: 6.1
// libFuzzer targets for intake's text parsers, kept out of the main package: they link
// libFuzzer's own main and only build with -sanitize=fuzzer. Run them with scripts/fuzz.sh.
import PackageDescription

let fuzzTarget: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "hotline-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "hotline", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzSMSCommand",
            dependencies: [.product(name: "HotlineParserProperties", package: "hotline")],
            path: "Targets/SMSCommand",
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "FuzzFormDecoder",
            dependencies: [.product(name: "HotlineParserProperties", package: "hotline")],
            path: "Targets/FormDecoder",
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "FuzzPhoneNumber",
            dependencies: [.product(name: "HotlineParserProperties", package: "hotline")],
            path: "Targets/PhoneNumber",
            swiftSettings: fuzzTarget
        ),
    ]
)
