import Metrics
import Prometheus

public enum HotlineMetrics {
    /// The process-wide registry. The first use installs it as the swift-metrics backend,
    /// so every `Counter`/`Timer` in the libraries lands on `/metrics`.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    public static func bootstrap() { _ = registry }
}
