import HotlineRuntime
import NotificationService

await ServiceMain.run(serviceName: "notification", defaultHTTPPort: 8083) { configuration, _, logger in
    try buildNotificationApplication(configuration: configuration, logger: logger)
}
