import HotlineRuntime
import IntakeService

await ServiceMain.run(serviceName: "intake", defaultHTTPPort: 8080) { configuration, _, logger in
    try buildIntakeApplication(configuration: configuration, logger: logger)
}
