/// An error from the Kafka layer, carrying librdkafka's code and what a caller may do about it.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// Extensible error code: librdkafka's numeric code and name, or one of the layer's own.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rdKafkaCode: Int32?
        public let name: String

        package init(rdKafkaCode: Int32?, name: String) {
            self.rdKafkaCode = rdKafkaCode
            self.name = name
        }

        public static let invalidConfiguration = Code(rdKafkaCode: nil, name: "invalid_configuration")
        public static let timedOut = Code(rdKafkaCode: nil, name: "timed_out")
        public static let shutDown = Code(rdKafkaCode: nil, name: "shut_down")
        public static let handlerFailed = Code(rdKafkaCode: nil, name: "handler_failed")
        public static let batchTooLarge = Code(rdKafkaCode: nil, name: "batch_too_large")

        public var description: String {
            rdKafkaCode.map { "\(name) (\($0))" } ?? name
        }
    }

    public var code: Code
    public var message: String
    /// A retry of the same operation may succeed (broker unreachable, timeout, rebalance).
    public var isRetriable: Bool
    /// The client instance is unusable and must be recreated.
    public var isFatal: Bool

    package init(code: Code, message: String, isRetriable: Bool = false, isFatal: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    public var description: String {
        "KafkaError(\(code): \(message)\(isRetriable ? ", retriable" : "")\(isFatal ? ", fatal" : ""))"
    }
}
