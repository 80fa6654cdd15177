import AccountabilityService
import HotlineRuntime

await ServiceMain.run(serviceName: "accountability", defaultHTTPPort: 8082) { configuration, _, logger in
    try buildAccountabilityApplication(configuration: configuration, logger: logger)
}
