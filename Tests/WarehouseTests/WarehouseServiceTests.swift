import Foundation
import HotlineDomain
import HotlineKafka
import HotlineTestSupport
import PostgresNIO
import Testing
import WarehouseService

/// The continuous path: the warehouse service consuming the real topics from the broker.
@Suite("Warehouse service over Kafka")
struct WarehouseServiceTests {
    let logger = TestEnvironment.logger

    @Test("records published on the three topics (some twice) land in the star schema with the right milestones and outcomes")
    func continuousLoading() async throws {
        let month = SyntheticMonth(seed: 7, caseCount: 30, surveyCount: 12)
        let records = try month.records()
        try await WarehouseHarness.with { harness in
            var settings = WarehouseSettings()
            settings.schemas = harness.schemas
            settings.consumerGroup = TestEnvironment.uniqueName("hotline-warehouse-test")
            let app = try buildWarehouseApplication(configuration: TestEnvironment.serviceConfiguration("warehouse"), settings: settings,
                                                    logger: logger)
            let producer = try KafkaProducer(configuration: .init(client: TestEnvironment.kafkaClient), logger: logger)
            try await withRunningServices([producer, app]) {
                try await producer.createTopics(WarehouseSettings.topics.map { TopicSpecification(name: $0, partitions: 3) })
                for (index, record) in records.enumerated() {
                    let message = KafkaProducerMessage(topic: record.topic, key: record.key, value: record.value)
                    try await producer.send(message)
                    if index % 5 == 0 { try await producer.send(message) }  // a redelivery
                }
                let caseIDs = month.cases.map { $0.caseID.uuidString.lowercased() }
                let l = harness.schemas.loader.name
                let w = harness.w
                let eventCount = month.cases.map(\.events.count).reduce(0, +)
                try await eventually(timeout: .seconds(60), "every case, event, answer and notification is loaded") {
                    let loaded = try await harness.rows("""
                        SELECT (SELECT count(*) FROM \(unescaped: w).fact_case
                                WHERE routed_at IS NOT NULL AND case_key IN (SELECT \(unescaped: l).pseudokey('case', id) FROM unnest(\(caseIDs)::text[]) id)),
                               (SELECT count(*) FROM \(unescaped: w).fact_case_event
                                WHERE case_key IN (SELECT \(unescaped: l).pseudokey('case', id) FROM unnest(\(caseIDs)::text[]) id)),
                               (SELECT count(*) FROM \(unescaped: w).fact_survey_answer
                                WHERE answer_key IN (SELECT \(unescaped: l).pseudokey('survey', id)
                                                     FROM unnest(\(month.surveys.map { $0.answerID.uuidString.lowercased() })::text[]) id)),
                               (SELECT count(*) FROM \(unescaped: w).fact_notification_status s JOIN \(unescaped: w).fact_notification n USING (notification_key)
                                WHERE n.case_key IN (SELECT \(unescaped: l).pseudokey('case', id) FROM unnest(\(caseIDs)::text[]) id))
                        """, as: (Int, Int, Int, Int).self).first!
                    let statuses = month.notifications.map { $0.statuses.count + $0.reports.count }.reduce(0, +)
                    return loaded == (month.cases.count, eventCount, month.surveys.count, statuses)
                }
                for c in month.cases {
                    let row = try await harness.rows("""
                        SELECT lead_target_code, acknowledged_at, resolved_at, dismissed_at, deadline_breach_count, escalation_count, rating
                        FROM \(unescaped: w).fact_case WHERE case_key = \(unescaped: l).pseudokey('case', \(c.caseID.uuidString.lowercased()))
                        """, as: (String, Date?, Date?, Date?, Int, Int, Int?).self).first!
                    #expect(row.0 == c.lead)
                    #expect(row.1 == c.acknowledgedAt && row.2 == c.resolvedAt && row.3 == c.dismissedAt, "milestones of case \(c.referenceCode)")
                    #expect(row.4 == c.breaches && row.5 == c.escalations && row.6 == c.ratings.last)
                }
                for n in month.notifications {
                    let row = try await harness.rows("""
                        SELECT status, segments FROM \(unescaped: w).fact_notification
                        WHERE notification_key = \(unescaped: l).pseudokey('notification', \(n.notificationID))
                        """, as: (String, Int?).self).first!
                    #expect(row.0 == n.finalStatus && row.1 == n.segments)
                }
            }
        }
    }
}
