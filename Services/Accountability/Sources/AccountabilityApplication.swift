import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging

/// Builds the accountability service. So far it owns its schema, its outbox and its health
/// endpoints; case lifecycle, deadlines and escalation arrive with the accountability issue.
public func buildAccountabilityApplication(configuration: ServiceConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .accountability,
        migrations: [.messaging(schema: .accountability, version: 1)], logger: logger)
    return runtime.makeApplication(router: runtime.router())
}
