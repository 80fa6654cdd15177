import Benchmark
import Foundation
import HotlineBenchmarkSupport

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.cpuTotal, .wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(5), maxIterations: 100_000)

    let fixture = try! RoutingFixture(referenceDirectory: RoutingFixture.defaultReferenceDirectory)

    Benchmark("route one report (classify, place, rules, notifications)") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(fixture.routeOne(index))
        }
    }

    Benchmark("route a long Arabic report") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(fixture.routeLongArabic())
        }
    }
}
