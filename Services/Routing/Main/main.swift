import HotlineRuntime
import RoutingService

await ServiceMain.run(serviceName: "routing", defaultHTTPPort: 8081) { configuration, _, logger in
    try buildRoutingApplication(configuration: configuration, logger: logger)
}
