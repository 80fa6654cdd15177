import HotlineRuntime
import WarehouseService

ServiceMain.prepareProcess()

await ServiceMain.run(serviceName: "warehouse", defaultHTTPPort: 8084) { configuration, reader, logger in
    let settings = WarehouseSettings.fromEnvironment(&reader)
    return try buildWarehouseApplication(configuration: configuration, settings: settings, logger: logger)
}
