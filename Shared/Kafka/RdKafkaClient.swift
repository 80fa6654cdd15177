import CRdKafka
import Logging

/// The only type that talks to librdkafka. Everything above it is Swift values and async code.
///
/// librdkafka handles are thread-safe (its documentation guarantees it for `rd_kafka_t` and
/// queues), and this class keeps only immutable pointers, so sharing it across threads is safe.
/// Blocking calls (`poll`, `commit`, `close`, `flush`) are made by callers on `NIOThreadPool`,
/// never on the cooperative pool.
final class RdKafkaClient: @unchecked Sendable {
    enum Kind: Sendable { case producer, consumer }

    let kind: Kind
    let handle: OpaquePointer
    /// The queue events are polled from: the main queue for producers, the consumer queue for consumers.
    private let eventQueue: OpaquePointer
    /// A consumer's logs have their own queue: `rd_kafka_consume_batch_queue` takes only messages.
    private let logQueue: OpaquePointer?
    private let logger: Logger

    init(kind: Kind, configuration: [String: String], logger: Logger) throws(KafkaError) {
        self.kind = kind
        self.logger = logger
        let conf = rd_kafka_conf_new()
        var settings = configuration
        settings["log.queue"] = "true"
        for (key, value) in settings {
            var errorText = [CChar](repeating: 0, count: 512)
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .invalidConfiguration, message: "\(key): \(Self.string(errorText))")
            }
        }
        let events: Int32 = switch kind {
        case .producer: RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG
        // Messages are taken with rd_kafka_consume_batch_queue, not as events.
        case .consumer: RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG
        }
        rd_kafka_conf_set_events(conf, events)

        var errorText = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .invalidConfiguration, message: Self.string(errorText))
        }
        // On success rd_kafka_new owns `conf`.
        self.handle = handle
        switch kind {
        case .producer:
            self.eventQueue = rd_kafka_queue_get_main(handle)
            self.logQueue = nil
        case .consumer:
            // Errors go to the main queue, which this forwards to the consumer queue.
            rd_kafka_poll_set_consumer(handle)
            self.eventQueue = rd_kafka_queue_get_consumer(handle)
            self.logQueue = rd_kafka_queue_new(handle)
        }
        // nil: a producer's logs go to the main queue, polled with its delivery reports.
        rd_kafka_set_log_queue(handle, logQueue)
    }

    deinit {
        if let logQueue { rd_kafka_queue_destroy(logQueue) }
        rd_kafka_queue_destroy(eventQueue)
        rd_kafka_destroy(handle)
    }

    // MARK: Producing

    /// Enqueues one message. `opaque` comes back in its delivery report.
    func produce(_ message: KafkaProducerMessage, opaque: UInt) throws(KafkaError) {
        // Headers are created only when there are some; librdkafka owns them once produced.
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                header.value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(headers, header.key, -1, bytes.baseAddress, bytes.count)
                }
            }
        }
        let error: OpaquePointer? = message.topic.withCString { topic in
            message.value.withUnsafeBytes { value in
                message.key.withUnsafeBytes { key in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 6) { args in
                        var count = 0
                        func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                            var argument = rd_kafka_vu_t()
                            argument.vtype = type
                            fill(&argument)
                            args.initializeElement(at: count, to: argument)
                            count += 1
                        }
                        add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                        add(RD_KAFKA_VTYPE_VALUE) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                            $0.u.mem.size = value.count
                        }
                        add(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.u.mem.size = key.count
                        }
                        add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: opaque) }
                        if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                        // librdkafka copies key and value before returning, so the Swift buffers may go.
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        defer { args.baseAddress!.deinitialize(count: count) }
                        return rd_kafka_produceva(handle, args.baseAddress, count)
                    }
                }
            }
        }
        if let error {
            // On failure the headers stay ours to free.
            if let headers { rd_kafka_headers_destroy(headers) }
            let code = rd_kafka_error_code(error)
            let text = String(cString: rd_kafka_error_string(error))
            rd_kafka_error_destroy(error)
            throw KafkaError(rdKafkaCode: Int32(code.rawValue), message: text)
        }
    }

    /// Messages enqueued or in flight, not yet acknowledged by the broker.
    var outstandingMessages: Int { Int(rd_kafka_outq_len(handle)) }

    /// Waits up to `timeoutMilliseconds` for producer events. Blocking.
    func pollProducerEvents(timeoutMilliseconds: Int32) -> [ProducerEvent] {
        var results: [ProducerEvent] = []
        var topicNames = TopicNames()
        var timeout = timeoutMilliseconds
        while let event = rd_kafka_queue_poll(eventQueue, timeout) {
            timeout = 0
            defer { rd_kafka_event_destroy(event) }
            switch rd_kafka_event_type(event) {
            case RD_KAFKA_EVENT_DR:
                while let message = rd_kafka_event_message_next(event) {
                    let opaque = UInt(bitPattern: message.pointee._private)
                    let err = message.pointee.err
                    let result: Result<DeliveryReport, KafkaError>
                    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                        result = .success(DeliveryReport(
                            topic: topicNames.name(of: message.pointee.rkt),
                            partition: message.pointee.partition,
                            offset: message.pointee.offset))
                    } else {
                        result = .failure(KafkaError(
                            rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err))))
                    }
                    results.append(.delivery(opaque: opaque, result))
                }
            case RD_KAFKA_EVENT_ERROR:
                results.append(.error(errorOf(event)))
            case RD_KAFKA_EVENT_LOG:
                forwardLog(event)
            default:
                break
            }
            if results.count >= 10_000 { break }
        }
        return results
    }

    // MARK: Consuming

    func subscribe(topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
    }

    /// Waits up to `timeoutMilliseconds` for the next message. Blocking. Non-fatal errors are logged.
    func pollMessage(timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaConsumerMessage? {
        try pollMessages(maximum: 1, timeoutMilliseconds: timeoutMilliseconds).first
    }

    /// Topic names by librdkafka topic handle, so a batch shares one `String` per topic instead of
    /// allocating one per record (which also makes comparing them cheap).
    struct TopicNames {
        private var names: [(handle: OpaquePointer, name: String)] = []

        mutating func name(of handle: OpaquePointer) -> String {
            if let known = names.first(where: { $0.handle == handle }) { return known.name }
            let name = String(cString: rd_kafka_topic_name(handle))
            names.append((handle, name))
            return name
        }
    }

    /// Waits up to `timeoutMilliseconds` for a first message, then takes whatever else is already
    /// fetched, up to `maximum`, without waiting again. Blocking. Non-fatal errors are logged.
    ///
    /// Messages are taken with `rd_kafka_consume_batch_queue`, one queue lock per call instead of one
    /// event per message. That call waits its whole timeout unless the batch fills, so only the first
    /// message is waited for.
    func pollMessages(maximum: Int, timeoutMilliseconds: Int32) throws(KafkaError) -> [KafkaConsumerMessage] {
        forwardLogs()
        guard maximum > 0 else { return [] }
        var slots = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: maximum)
        let taken = slots.withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress!
            var taken = take(into: base, count: maximum, timeoutMilliseconds: 0)
            if taken == 0, timeoutMilliseconds > 0 {
                taken = take(into: base, count: 1, timeoutMilliseconds: timeoutMilliseconds)
                if taken == 1, maximum > 1 {
                    taken += take(into: base + 1, count: maximum - 1, timeoutMilliseconds: 0)
                }
            }
            return taken
        }
        defer { for index in 0..<taken { rd_kafka_message_destroy(slots[index]) } }
        var messages: [KafkaConsumerMessage] = []
        messages.reserveCapacity(taken)
        var topicNames = TopicNames()
        var fatal: KafkaError?
        for index in 0..<taken {
            guard let message = slots[index] else { continue }
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR, let topic = message.pointee.rkt {
                messages.append(Self.copy(message, topic: topicNames.name(of: topic)))
            } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF, err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let error = KafkaError(rdKafkaCode: Int32(err.rawValue), message: Self.errorText(of: message))
                if error.isFatal { fatal = error; break }
                logger.warning("kafka consumer error", metadata: ["error": "\(error)"])
            }
        }
        if let fatal { throw fatal }
        return messages
    }

    private func take(into slots: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>, count: Int, timeoutMilliseconds: Int32) -> Int {
        max(0, rd_kafka_consume_batch_queue(eventQueue, timeoutMilliseconds, slots, count))
    }

    /// An error message carries its text as payload (or only a code).
    private static func errorText(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
        if let payload = message.pointee.payload, message.pointee.len > 0 {
            return String(decoding: UnsafeRawBufferPointer(start: payload, count: message.pointee.len), as: UTF8.self)
        }
        return String(cString: rd_kafka_err2str(message.pointee.err))
    }

    /// Commits `offset + 1` of each message's partition, synchronously. Blocking.
    func commit(_ positions: [(topic: String, partition: Int32, offset: Int64)]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(positions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for position in positions {
            let entry = rd_kafka_topic_partition_list_add(list, position.topic, position.partition)
            entry?.pointee.offset = position.offset + 1
        }
        let err = rd_kafka_commit(handle, list, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
    }

    /// Leaves the consumer group cleanly so partitions move to other members at once. Blocking.
    func closeConsumer() {
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("kafka consumer close", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
        }
    }

    // MARK: Administration

    /// Creates topics, treating "already exists" as success. Blocking.
    func createTopics(_ topics: [TopicSpecification], timeoutMilliseconds: Int32) throws(KafkaError) {
        guard !topics.isEmpty else { return }
        let resultQueue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(resultQueue) }
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            var errorText = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(
                topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count)
            else {
                throw KafkaError(code: .invalidConfiguration, message: "\(topic.name): \(Self.string(errorText))")
            }
            for (key, value) in topic.configuration {
                _ = rd_kafka_NewTopic_set_config(newTopic, key, value)
            }
            newTopics.append(newTopic)
        }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, resultQueue)
        }
        guard let event = rd_kafka_queue_poll(resultQueue, timeoutMilliseconds + 1000) else {
            throw KafkaError(code: .timedOut, message: "create topics timed out")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(rdKafkaCode: Int32(eventError.rawValue), message: String(cString: rd_kafka_event_error_string(event)))
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: "\(name): \(text)")
        }
    }

    /// Asks the cluster for its metadata: the cheapest proof that a broker answers. Blocking.
    func brokerCount(timeoutMilliseconds: Int32) throws(KafkaError) -> Int {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return Int(metadata.pointee.broker_cnt)
    }

    /// Partition count of a topic, or nil when it does not exist. Blocking.
    func partitionCount(topic: String, timeoutMilliseconds: Int32) throws(KafkaError) -> Int? {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            if String(cString: entry.topic) == topic, entry.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                return Int(entry.partition_cnt)
            }
        }
        return nil
    }

    // MARK: Helpers

    private func errorOf(_ event: OpaquePointer) -> KafkaError {
        let err = rd_kafka_event_error(event)
        var error = KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_event_error_string(event)))
        if rd_kafka_event_error_is_fatal(event) != 0 {
            error.isFatal = true
        }
        return error
    }

    /// Forwards a consumer's waiting log lines. Called on each poll.
    private func forwardLogs() {
        guard let logQueue else { return }
        while let event = rd_kafka_queue_poll(logQueue, 0) {
            defer { rd_kafka_event_destroy(event) }
            if rd_kafka_event_type(event) == RD_KAFKA_EVENT_LOG { forwardLog(event) }
        }
    }

    private func forwardLog(_ event: OpaquePointer) {
        var facility: UnsafePointer<CChar>?
        var text: UnsafePointer<CChar>?
        var level: Int32 = 0
        guard rd_kafka_event_log(event, &facility, &text, &level) == 0 else { return }
        let message = text.map { String(cString: $0) } ?? ""
        let metadata: Logger.Metadata = ["rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
        // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
        switch level {
        case ...3: logger.error("\(message)", metadata: metadata)
        case 4: logger.warning("\(message)", metadata: metadata)
        case 5...6: logger.info("\(message)", metadata: metadata)
        default: logger.debug("\(message)", metadata: metadata)
        }
    }

    /// Takes the pointer librdkafka gave: headers are found relative to it, so a copied struct will not do.
    private static func copy(_ pointer: UnsafePointer<rd_kafka_message_t>, topic: String) -> KafkaConsumerMessage {
        let message = pointer.pointee
        let value = message.payload.map {
            Array(UnsafeRawBufferPointer(start: $0, count: message.len))
        } ?? []
        let key = message.key.map {
            Array(UnsafeRawBufferPointer(start: $0, count: message.key_len))
        } ?? []
        var headers: [KafkaHeader] = []
        var rawHeaders: OpaquePointer?
        if rd_kafka_message_headers(pointer, &rawHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let rawHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(rawHeaders, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
                index += 1
            }
        }
        return KafkaConsumerMessage(
            topic: topic,
            partition: message.partition,
            offset: message.offset,
            key: key,
            value: value,
            headers: headers)
    }

    private static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

enum ProducerEvent: Sendable {
    case delivery(opaque: UInt, Result<DeliveryReport, KafkaError>)
    case error(KafkaError)
}

extension KafkaError {
    init(rdKafkaCode: Int32, message: String) {
        let err = rd_kafka_resp_err_t(rawValue: rdKafkaCode)
        self.init(
            code: .init(rdKafkaCode: rdKafkaCode, name: String(cString: rd_kafka_err2name(err))),
            message: message,
            isRetriable: Self.retriableCodes.contains(rdKafkaCode),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL)
    }

    /// Transport and broker-side conditions that a retry can cure.
    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT.rawValue, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue, RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue, RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue,
    ]
}
