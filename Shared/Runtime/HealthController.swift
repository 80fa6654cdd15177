import Foundation
import HotlineKafka
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import Prometheus

/// `/healthz` (the process is alive), `/readyz` (it can do its work) and `/metrics`.
public struct HealthController<Context: RequestContext>: Sendable {
    let serviceName: String
    let postgres: PostgresClient
    let producer: KafkaProducer
    let startup: StartupLatch
    let registry: PrometheusCollectorRegistry

    public init(serviceName: String, postgres: PostgresClient, producer: KafkaProducer, startup: StartupLatch,
                registry: PrometheusCollectorRegistry = HotlineMetrics.registry) {
        self.serviceName = serviceName
        self.postgres = postgres
        self.producer = producer
        self.startup = startup
        self.registry = registry
    }

    public func addRoutes(to router: Router<Context>) {
        router.get("healthz") { _, _ in
            try JSONBody.response(status: .ok, ["status": "alive", "service": serviceName])
        }
        router.get("readyz") { _, context in
            try await readiness(logger: context.logger)
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    func readiness(logger: Logger) async throws -> Response {
        async let database = check { try await postgres.query("SELECT 1", logger: logger) }
        async let broker = check { try await producer.checkBrokerReachable() }
        let checks = [
            "startup": startup.isOpen ? "ok" : "migrations and topics not ready",
            "database": await database,
            "broker": await broker,
        ]
        let ready = checks.values.allSatisfy { $0 == "ok" }
        return try JSONBody.response(
            status: ready ? .ok : .serviceUnavailable,
            ["status": ready ? "ready" : "not_ready", "service": serviceName, "checks": checks])
    }

    /// Runs a probe with a deadline, so a hung dependency cannot hang the orchestrator's probe.
    private func check(_ probe: @escaping @Sendable () async throws -> Void) async -> String {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await probe()
                    return "ok"
                } catch {
                    return "unavailable"
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return Task.isCancelled ? nil : "timed out"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? "timed out"
        }
    }
}
