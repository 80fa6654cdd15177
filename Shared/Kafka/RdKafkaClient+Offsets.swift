import CRdKafka

/// Offsets and metadata: what lag reporting and the operators' tools read. Same type as
/// `RdKafkaClient`, split out along the seam between moving records and inspecting positions.
extension RdKafkaClient {
    struct PartitionLag: Sendable {
        var topic: String
        var partition: Int32
        var lag: Int64
    }

    /// Lag of the partitions this consumer owns, from cached watermarks. Does not block.
    func assignmentLag() -> [PartitionLag] {
        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        guard rd_kafka_position(handle, assignment) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        var result: [PartitionLag] = []
        for index in 0..<Int(assignment.pointee.cnt) {
            let entry = assignment.pointee.elems[index]
            var (low, high): (Int64, Int64) = (0, 0)
            guard rd_kafka_get_watermark_offsets(handle, entry.topic, entry.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                  high >= 0 else { continue }
            // Before the first fetch the position is unknown: count from the low watermark.
            let position = entry.offset >= 0 ? entry.offset : low
            result.append(PartitionLag(topic: String(cString: entry.topic), partition: entry.partition, lag: max(0, high - position)))
        }
        return result
    }

    /// Every topic and its partition count. Blocking.
    func topics(timeoutMilliseconds: Int32) throws(KafkaError) -> [(name: String, partitions: Int32)] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return (0..<Int(metadata.pointee.topic_cnt)).compactMap { index in
            let entry = metadata.pointee.topics[index]
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            return (String(cString: entry.topic), entry.partition_cnt)
        }
    }

    /// Low and high watermarks of one partition, asked of the broker. Blocking.
    func watermarks(topic: String, partition: Int32, timeoutMilliseconds: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        var (low, high): (Int64, Int64) = (0, 0)
        let err = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
        return (low, high)
    }

    /// The group's committed offsets (nil where it committed none). Needs a consumer whose `group.id`
    /// is that group; it does not join it. Blocking.
    func committed(_ partitions: [(topic: String, partition: Int32)], timeoutMilliseconds: Int32) throws(KafkaError) -> [Int64?] {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        let err = rd_kafka_committed(handle, list, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
        return (0..<Int(list.pointee.cnt)).map { index in
            let offset = list.pointee.elems[index].offset
            return offset >= 0 ? offset : nil
        }
    }

    /// Reads partitions from explicit offsets without joining the group (operators' tools). Does not block.
    func assign(_ partitions: [(topic: String, partition: Int32, offset: Int64)]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = partition.offset
        }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(rdKafkaCode: Int32(err.rawValue), message: String(cString: rd_kafka_err2str(err)))
        }
    }
}
