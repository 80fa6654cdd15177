import Foundation
import HotlineDomain
import Logging
import PostgresNIO

/// The community perception survey: a short question sent on a schedule to consenting past
/// reporters of an area. Consent: the reporter answered a rating question (the thank-you says
/// surveys follow and that STOP ends them) and has not opted out. Answers keep the area and day only.
extension CaseDesk {
    /// Starts each area's survey once per period; replicas race on the run row, and one wins.
    @discardableResult
    package func runSurveys() async throws -> Int {
        guard let survey = settings.survey else { return 0 }
        let now = clock.now()
        let period = String(Int(now.timeIntervalSince1970 / (survey.intervalDays * 86_400)))
        var sent = 0
        for area in try await surveyAreas(level: survey.areaDepth) {
            sent += try await postgres.inTransaction(logger: logger) { connection -> Int in
                let claimed = try await connection.query("""
                    INSERT INTO accountability.survey_runs (area_code, question_id, period, started_at)
                    VALUES (\(area), \(survey.questionID), \(period), \(now)) ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger)
                var won = false
                for try await _ in claimed { won = true }
                guard won else { return 0 }
                let rows = try await connection.query("""
                    SELECT DISTINCT ON (c.reporter_pseudonym) c.reporter_pseudonym, c.reporter_key_id, c.reporter_ciphertext, c.reporter_language
                    FROM accountability.cases c
                    WHERE c.place_lineage[\(survey.areaDepth + 1)] = \(area) AND c.rating IS NOT NULL
                      AND c.reporter_ciphertext IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM accountability.opt_outs o WHERE o.pseudonym = c.reporter_pseudonym)
                      AND NOT EXISTS (SELECT 1 FROM accountability.pending_replies p WHERE p.pseudonym = c.reporter_pseudonym AND p.expires_at > \(now))
                    ORDER BY c.reporter_pseudonym, c.routed_at DESC
                    """, logger: logger)
                var requests: [NotificationRequested] = []
                for try await (pseudonym, keyID, ciphertext, language) in rows.decode((String, String, String, String).self) {
                    try await connection.query("""
                        INSERT INTO accountability.pending_replies (pseudonym, kind, area_code, question_id, language, asked_at, expires_at)
                        VALUES (\(pseudonym), 'survey', \(area), \(survey.questionID), \(language), \(now), \(now.addingTimeInterval(settings.replyWindow)))
                        ON CONFLICT (pseudonym) DO UPDATE SET kind = 'survey', case_id = NULL, area_code = EXCLUDED.area_code,
                            question_id = EXCLUDED.question_id, language = EXCLUDED.language, asked_at = EXCLUDED.asked_at,
                            expires_at = EXCLUDED.expires_at
                        """, logger: logger)
                    // A fresh id, not one derived from the pseudonym: notification ids reach the warehouse.
                    requests.append(NotificationRequested(
                        notificationID: "survey:\(UUID.random().uuidString.lowercased())",
                        recipient: ProtectedPhone(pseudonym: pseudonym, sealed: SealedPhone(keyID: keyID, ciphertext: ciphertext)),
                        audience: "reporter", template: "survey.\(survey.questionID)", parameters: [:], language: language,
                        priority: .survey, caseID: nil, referenceCode: nil))
                }
                try await connection.query("""
                    UPDATE accountability.survey_runs SET recipients = \(requests.count)
                    WHERE area_code = \(area) AND question_id = \(survey.questionID) AND period = \(period)
                    """, logger: logger)
                try await publish([], notifications: requests, on: connection)
                logger.info("perception survey sent", metadata: ["area": "\(area)", "recipients": "\(requests.count)"])
                return requests.count
            }
        }
        return sent
    }

    private func surveyAreas(level: Int) async throws -> [String] {
        let rows = try await postgres.query(Self.surveyAreasQuery(level: level), logger: logger)
        var areas: [String] = []
        for try await area in rows.decode(String?.self) { if let area { areas.append(area) } }
        return areas.sorted()
    }

    /// The areas at `level` that have rated cases; read on the partial index of rated cases
    /// (migration 4), not over every case.
    package static func surveyAreasQuery(level: Int) -> PostgresQuery {
        """
        SELECT DISTINCT place_lineage[\(level + 1)] FROM accountability.cases
        WHERE rating IS NOT NULL AND cardinality(place_lineage) > \(level)
        """
    }
}
