import CMalloc
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The shared body of every service's `main`: configuration, logging, metrics, one service group.
public enum ServiceMain {
    /// What every service's `main` does first, on the main thread, before any thread or task exists.
    public static func prepareProcess() {
        boundMallocArenas()
        adoptEventLoopsAsConcurrencyExecutor()
    }

    /// glibc gives each thread that contends for `malloc` an arena of its own, up to eight per core,
    /// and memory freed into one arena is not reused by another. With two event loops, the HTTP
    /// client's loops, the cooperative pool and librdkafka's threads, notification's peak RSS at 465
    /// reports/s was 81.5 MiB with the default and 71.9 MiB with two arenas, at the same CPU per SMS.
    /// An operator's own `MALLOC_ARENA_MAX` wins.
    static func boundMallocArenas(to arenas: Int32 = 2) {
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, arenas)
    }

    /// Runs Swift concurrency's jobs on the NIO event loops that do the HTTP, PostgreSQL and
    /// Kafka-bridge I/O, instead of hopping to the default pool and back for every await on a
    /// channel. Called from `prepareProcess`, before any task is created.
    /// Safe here because nothing in the services blocks a concurrency thread: librdkafka's
    /// blocking polls and commits run on their own threads.
    static func adoptEventLoopsAsConcurrencyExecutor() {
        // Read before the environment reader exists; `run` reads it again, so a bad value refuses start.
        var reader = try? EnvironmentReader()
        guard reader?.bool(concurrencyOnEventLoops, default: true) ?? true else { return }
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    static let concurrencyOnEventLoops = "HOTLINE_CONCURRENCY_ON_EVENT_LOOPS"

    public static func run<App: ApplicationProtocol>(
        serviceName: String,
        defaultHTTPPort: Int,
        build: (ServiceConfiguration, inout EnvironmentReader, Logger) throws -> App
    ) async {
        var reader: EnvironmentReader
        let configuration: ServiceConfiguration
        do {
            reader = try EnvironmentReader()
            configuration = ServiceConfiguration.fromEnvironment(
                serviceName: serviceName, defaultHTTPPort: defaultHTTPPort, reader: &reader)
            _ = reader.bool(concurrencyOnEventLoops, default: true)
            try reader.validate()
        } catch {
            refuseToStart(serviceName, error)
        }
        HotlineLogging.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        HotlineMetrics.bootstrap()
        var logger = Logger(label: "hotline.\(serviceName)")
        logger[metadataKey: "service"] = "\(serviceName)"
        do {
            let app = try build(configuration, &reader, logger)
            // Service-specific settings are read by `build`; their problems surface here.
            try reader.validate()
            logger.info("starting", metadata: [
                "mode": "\(configuration.mode.rawValue)",
                "http": "\(configuration.httpHost):\(configuration.httpPort)",
            ])
            // One service group; SIGTERM and SIGINT shut it down gracefully.
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch let error as ConfigurationError {
            refuseToStart(serviceName, error)
        } catch {
            logger.critical("service stopped with an error", metadata: ["error": "\(String(reflecting: error))"])
            exit(1)
        }
    }

    private static func refuseToStart(_ serviceName: String, _ error: any Error) -> Never {
        FileHandle.standardError.write(Data("hotline-\(serviceName) refuses to start: \(error)\n".utf8))
        exit(78)  // EX_CONFIG
    }
}
