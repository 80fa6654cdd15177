import HotlinePrivacy
import HotlineRuntime
import NotificationService

ServiceMain.prepareProcess()

await ServiceMain.run(serviceName: "notification", defaultHTTPPort: 8083) { configuration, reader, logger in
    let notification = NotificationConfiguration.fromEnvironment(&reader)
    let keyring = PIIKeyring.fromEnvironment(&reader)
    return try buildNotificationApplication(configuration: configuration, notification: notification, keyring: keyring, logger: logger)
}
