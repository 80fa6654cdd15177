import Foundation
import HotlineDomain
import HotlineKafka
import HotlineTestSupport
import PostgresNIO
import Testing
import WarehouseService

/// A synthetic month loaded through the loader's handler; every view checked against figures
/// computed in Swift from the same synthetic truth.
@Suite("Warehouse: a synthetic month")
struct SyntheticMonthTests {
    @Test("every view matches independent figures; replaying everything changes nothing; a reload from scratch in reverse order gives identical tables")
    func syntheticMonth() async throws {
        let month = SyntheticMonth(seed: 20_260_302)
        let expected = ExpectedFigures(month)
        let records = try month.records()
        #expect(month.cases.count == 300)
        try await WarehouseHarness.with { harness in
            let started = ContinuousClock.now
            let first = try await harness.feed(records)
            let elapsed = ContinuousClock.now - started
            #expect(first[.loaded] == records.count)
            print("warehouse: loaded \(records.count) records (\(month.cases.count) cases) in \(elapsed) over 4 lanes")

            #expect(try await harness.count("fact_case") == month.cases.count)
            #expect(try await harness.count("fact_case_event") == month.cases.map(\.events.count).reduce(0, +))
            #expect(try await harness.count("fact_rating") == month.cases.map(\.ratings.count).reduce(0, +))
            #expect(try await harness.count("fact_survey_answer") == month.surveys.count)
            #expect(try await harness.count("fact_notification") == month.notifications.count)
            try await checkViews(harness, expected)
            try await checkPrivacy(harness, month)

            // Replay: the same records again, from "offset 0".
            let before = try await harness.snapshot()
            let replayStarted = ContinuousClock.now
            let second = try await harness.feed(records)
            print("warehouse: replayed \(records.count) duplicates in \(ContinuousClock.now - replayStarted)")
            #expect(second[.duplicate] == records.count)
            #expect(second[.loaded] == nil)
            #expect(try await harness.snapshot() == before)

            // A rebuild: empty tables and inbox (the salt stays), every record in reverse order,
            // so case events come before their routing and delivery reports before their sends.
            let tables = (WarehouseHarness.tables.map { "\(harness.w).\($0)" }
                + ["inbox", "provider_messages", "delivery_reports"].map { "\(harness.schemas.loader.name).\($0)" }).joined(separator: ", ")
            try await harness.client.query("TRUNCATE \(unescaped: tables)", logger: WarehouseHarness.logger)
            let dimensions = ReferenceDimensions(postgres: harness.client, schemas: harness.schemas, logger: WarehouseHarness.logger)
            try await dimensions.seedStatic()
            try await dimensions.refresh()
            try await harness.feed(records.reversed(), lanes: 3)
            let rebuilt = try await harness.snapshot()
            for table in WarehouseHarness.tables {
                #expect(rebuilt[table] == before[table], "table \(table) differs after a reversed rebuild")
            }
        }
    }

    func checkViews(_ harness: WarehouseHarness, _ expected: ExpectedFigures) async throws {
        let w = harness.w
        // Cases per place and category per week, and its public twin with small counts suppressed.
        let weekly = try await harness.rows("SELECT week_start::text, place_code, category_code, cases FROM \(unescaped: w).cases_weekly",
                                            as: (String, String, String, Int).self)
        #expect(Dictionary(uniqueKeysWithValues: weekly.map { ("\($0.0)|\($0.1)|\($0.2)", $0.3) }) == expected.casesWeekly)
        let published = try await harness.rows("""
            SELECT week_start::text, place_code, category_code, cases, suppressed FROM \(unescaped: w).public_cases_weekly
            """, as: (String, String, String, Int?, Bool).self)
        #expect(published.count == expected.casesWeekly.count)
        for (week, place, category, cases, suppressed) in published {
            let truth = expected.casesWeekly["\(week)|\(place)|\(category)"]!
            #expect(suppressed == (truth < 5))
            #expect(cases == (truth < 5 ? nil : truth), "\(week) \(place) \(category): \(truth) cases")
        }
        #expect(published.contains { $0.4 } && published.contains { !$0.4 }, "the month has both suppressed and published cells")

        let times = try await harness.rows("""
            SELECT target_code, cases, acknowledged, resolved, median_hours_to_acknowledge, p90_hours_to_acknowledge,
                   median_hours_to_resolve, p90_hours_to_resolve FROM \(unescaped: w).committee_response_times
            """, as: (String, Int, Int, Int, Double?, Double?, Double?, Double?).self)
        #expect(Set(times.map(\.0)) == Set(expected.responseTimes.keys))
        for (target, cases, acknowledged, resolved, medianAck, p90Ack, medianResolve, p90Resolve) in times {
            let truth = expected.responseTimes[target]!
            #expect((cases, acknowledged, resolved) == (truth.cases, truth.acknowledged, truth.resolved), "\(target)")
            #expect(close(medianAck, truth.medianAck) && close(p90Ack, truth.p90Ack), "\(target) acknowledge: \(String(describing: medianAck)) \(String(describing: p90Ack)) vs \(truth)")
            #expect(close(medianResolve, truth.medianResolve) && close(p90Resolve, truth.p90Resolve), "\(target) resolve vs \(truth)")
        }

        let deadlines = try await harness.rows("""
            SELECT target_code, cases, breached_cases, escalated_cases, breaches, escalations, breach_rate, escalation_rate
            FROM \(unescaped: w).committee_deadlines
            """, as: (String, Int, Int, Int, Int, Int, Double, Double).self)
        #expect(Set(deadlines.map(\.0)) == Set(expected.deadlines.keys))
        for (target, cases, breached, escalated, breaches, escalations, breachRate, escalationRate) in deadlines {
            let truth = expected.deadlines[target]!
            #expect(ExpectedFigures.Deadlines(cases: cases, breachedCases: breached, escalatedCases: escalated, breaches: breaches,
                                              escalations: escalations, breachRate: truth.breachRate, escalationRate: truth.escalationRate) == truth)
            #expect(close(breachRate, truth.breachRate) && close(escalationRate, truth.escalationRate), "\(target)")
        }
        #expect(expected.deadlines.values.contains { $0.escalatedCases > 0 })

        let complaints = try await harness.rows("""
            SELECT all_regions, region_code, complaints, handled_by_college, college_share FROM \(unescaped: w).security_forces_complaints
            """, as: (Bool, String?, Int, Int, Double).self)
        #expect(complaints.count == expected.complaints.count)
        for (all, region, count, byCollege, share) in complaints {
            let truth = expected.complaints[all ? "ALL" : region ?? "-"]!
            #expect(count == truth.complaints && byCollege == truth.byCollege && close(share, truth.share), "\(region ?? "all")")
        }

        let satisfaction = try await harness.rows("""
            SELECT target_code, ratings, mean_rating, satisfied_share FROM \(unescaped: w).committee_satisfaction
            """, as: (String, Int, Double, Double).self)
        #expect(Set(satisfaction.map(\.0)) == Set(expected.satisfaction.keys))
        for (target, ratings, mean, share) in satisfaction {
            let truth = expected.satisfaction[target]!
            #expect(ratings == truth.ratings && close(mean, truth.mean) && close(share, truth.satisfiedShare), "\(target)")
        }

        let perception = try await harness.rows("""
            SELECT week_start::text, area_code, answers, mean_score, perception_index FROM \(unescaped: w).perception_index
            """, as: (String, String, Int, Double, Double).self)
        #expect(Set(perception.map { "\($0.0)|\($0.1)" }) == Set(expected.perception.keys))
        for (week, area, answers, mean, index) in perception {
            let truth = expected.perception["\(week)|\(area)"]!
            #expect(answers == truth.answers && close(mean, truth.mean) && close(index, truth.index), "\(week) \(area)")
        }

        let sms = try await harness.rows("""
            SELECT week_start::text, audience, template, provider, notifications, segments, delivered, failed FROM \(unescaped: w).sms_weekly
            """, as: (String, String, String, String, Int, Int, Int, Int).self)
        #expect(Dictionary(uniqueKeysWithValues: sms.map {
            ("\($0.0)|\($0.1)|\($0.2)|\($0.3)", ExpectedFigures.SMS(notifications: $0.4, segments: $0.5, delivered: $0.6, failed: $0.7))
        }) == expected.sms)

        // The place dimension carries the admin hierarchy from the reference data.
        let sevare = try await harness.rows("""
            SELECT name, level, admin1_code, admin1_name, admin2_code, admin3_code FROM \(unescaped: w).dim_place WHERE place_code = 'ML-5-MOP-SEV'
            """, as: (String, String, String, String, String, String).self)
        #expect(sevare.first.map { [$0.0, $0.1, $0.2, $0.3, $0.4, $0.5] } == ["Sévaré", "commune", "ML-5", "Mopti", "ML-5-MOP", "ML-5-MOP-SEV"])
    }

    /// Nothing that identifies a reporter, and no operational id, reaches any warehouse table.
    func checkPrivacy(_ harness: WarehouseHarness, _ month: SyntheticMonth) async throws {
        var needles: [String] = []
        for c in month.cases.prefix(60) {
            needles += [c.reporter.pseudonym, c.reporter.sealed.ciphertext, c.text, c.referenceCode.value,
                        c.caseID.uuidString.lowercased(), c.caseID.uuidString, String(c.text.suffix(12))]
            needles += c.events.map { $0.eventID.uuidString.lowercased() }
        }
        needles += month.notifications.prefix(60).compactMap(\.providerMessageID)
        needles += month.surveys.prefix(30).map { $0.answerID.uuidString.lowercased() }
        for table in WarehouseHarness.tables {
            let found = try await harness.client.query("""
                SELECT count(*)::bigint FROM \(unescaped: harness.w).\(unescaped: table) t, unnest(\(needles)::text[]) n
                WHERE strpos(t::text, n) > 0
                """, logger: WarehouseHarness.logger).collect().first!.decode(Int.self)
            #expect(found == 0, "\(table) holds an identifier from the operational data")
        }
        let columns = try await harness.rows("""
            SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = \(harness.w)
            """, as: (String, String).self)
        let forbidden = ["phone", "pseudonym", "cipher", "text", "reference_code", "case_id", "report_id", "event_id", "hash", "reporter",
                         "notification_id", "provider_message_id", "reason", "detail"]
        for (table, column) in columns {
            #expect(!forbidden.contains { column.contains($0) }, "\(table).\(column) looks like personal or operational data")
        }
    }
}
