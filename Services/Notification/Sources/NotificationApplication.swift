import HotlineRuntime
import HotlineStorage
import Hummingbird
import Logging

/// Builds the notification service. So far it owns its schema, its outbox and its health
/// endpoints; sending SMS through the gateways arrives with the notification issue.
public func buildNotificationApplication(configuration: ServiceConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(
        configuration: configuration, schema: .notification,
        migrations: [.messaging(schema: .notification, version: 1)], logger: logger)
    return runtime.makeApplication(router: runtime.router())
}
