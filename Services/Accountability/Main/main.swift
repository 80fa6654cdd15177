import AccountabilityService
import HotlineRuntime

ServiceMain.prepareProcess()

await ServiceMain.run(serviceName: "accountability", defaultHTTPPort: 8082) { configuration, reader, logger in
    try buildAccountabilityApplication(configuration: configuration, environment: &reader, logger: logger)
}
