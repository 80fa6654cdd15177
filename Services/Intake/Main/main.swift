import HotlineRuntime
import IntakeService

ServiceMain.prepareProcess()

await ServiceMain.run(serviceName: "intake", defaultHTTPPort: 8080) { configuration, reader, logger in
    let intake = IntakeConfiguration.fromEnvironment(&reader)
    return try buildIntakeApplication(configuration: configuration, intake: intake, logger: logger)
}
