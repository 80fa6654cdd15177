import HotlineRuntime
import RoutingService

ServiceMain.prepareProcess()

await ServiceMain.run(serviceName: "routing", defaultHTTPPort: 8081) { configuration, reader, logger in
    let routing = RoutingConfiguration.fromEnvironment(&reader)
    return try buildRoutingApplication(configuration: configuration, routing: routing, logger: logger)
}
