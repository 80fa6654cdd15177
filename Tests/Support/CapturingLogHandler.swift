import Logging
import NIOConcurrencyHelpers

/// Keeps every log line a test's services write, so tests can assert what logs never contain.
package final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    package init() {}

    package var all: [String] { lines.withLockedValue { $0 } }

    package func logger(label: String = "captured") -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        capture.append("\(event.level) \(label): \(event.message) \(merged.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
    }
}
