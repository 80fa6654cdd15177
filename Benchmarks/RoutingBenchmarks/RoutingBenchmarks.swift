import Benchmark
import Foundation
import HotlineBenchmarkSupport

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.cpuTotal, .wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(5), maxIterations: 100_000)

    let fixture = try! RoutingFixture(referenceDirectory: RoutingFixture.defaultReferenceDirectory)
    let messaging = try! MessagingFixture(referenceDirectory: RoutingFixture.defaultReferenceDirectory)

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

    Benchmark("verify a Twilio webhook signature") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(messaging.verifyTwilioSignature())
        }
    }

    Benchmark("pseudonym HMAC + AES-GCM seal of a number") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! messaging.protectPhone())
        }
    }

    Benchmark("render the acknowledgement and count segments (fr, GSM-7)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! messaging.renderAcknowledgement())
        }
    }

    Benchmark("render the acknowledgement and count segments (ar, UCS-2)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! messaging.renderArabicAcknowledgement())
        }
    }
}
