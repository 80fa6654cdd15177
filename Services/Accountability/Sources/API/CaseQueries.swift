import Foundation
import HotlineDomain
import Logging
import PostgresNIO

/// What a coordinator may see of cases: filters, a page, and the caller's scope.
package struct CaseFilter: Sendable {
    package var state: String?
    package var priority: String?
    package var category: String?
    package var place: String?
    package var overdueAt: Date?
    package var limit = 50
    package var after: CaseCursor?
}

/// Keyset position: (routed_at, case_id) of the last row returned.
package struct CaseCursor: Sendable, Equatable {
    package var routedAtMicroseconds: Int64
    package var caseID: UUID

    package init(routedAtMicroseconds: Int64, caseID: UUID) {
        self.routedAtMicroseconds = routedAtMicroseconds
        self.caseID = caseID
    }

    package init?(_ text: String) {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(routedAtMicroseconds: micros, caseID: id)
    }

    package var text: String { "\(routedAtMicroseconds)_\(caseID.uuidString.lowercased())" }
}

/// The caller's reach: place codes (empty = national) and, for a protected partner, its target code.
package struct CaseScope: Sendable {
    package var places: [String]
    package var target: String?

    package init(places: [String], target: String?) {
        self.places = places
        self.target = target
    }

    package func allows(_ snapshot: CaseSnapshot) -> Bool {
        let inPlace = places.isEmpty || !Set(places).isDisjoint(with: snapshot.placeLineage)
        let restrictionHolds = snapshot.restrictedTarget == nil || snapshot.restrictedTarget == target
        return inPlace && restrictionHolds
    }
}

package struct CaseSummary: Codable, Sendable {
    var referenceCode: String
    var state: String
    var priority: String
    var category: String
    var placeCode: String?
    var owner: String
    var escalationLevel: Int
    var routedAt: Date
    var dueAt: Date?
    var rating: Int?

    enum CodingKeys: String, CodingKey {
        case state, priority, category, owner, rating
        case referenceCode = "reference_code"
        case placeCode = "place_code"
        case escalationLevel = "escalation_level"
        case routedAt = "routed_at"
        case dueAt = "due_at"
    }
}

/// The read side of the coordinators' API.
package protocol CaseQueries: Sendable {
    func list(_ filter: CaseFilter, scope: CaseScope, logger: Logger) async throws -> (cases: [CaseSummary], next: CaseCursor?)
}

package struct PostgresCaseQueries: CaseQueries {
    let postgres: PostgresClient

    package func list(_ filter: CaseFilter, scope: CaseScope, logger: Logger) async throws -> (cases: [CaseSummary], next: CaseCursor?) {
        let afterMicros = filter.after?.routedAtMicroseconds
        let afterID = filter.after?.caseID
        let rows = try await postgres.query("""
            SELECT case_id, reference_code, state, priority, category, place_code, owner, escalation_level, routed_at,
                   CASE WHEN state IN ('routed', 'referred', 'reopened') THEN acknowledge_due_at
                        WHEN state IN ('acknowledged', 'in_progress') THEN resolve_due_at END,
                   rating, (extract(epoch FROM routed_at) * 1000000)::bigint
            FROM accountability.cases
            WHERE (cardinality(\(scope.places)::text[]) = 0 OR place_lineage && \(scope.places)::text[])
              AND (restricted_target IS NULL OR restricted_target = \(scope.target))
              AND (\(filter.state)::text IS NULL OR state = \(filter.state))
              AND (\(filter.priority)::text IS NULL OR priority = \(filter.priority))
              AND (\(filter.category)::text IS NULL OR category = \(filter.category))
              AND (\(filter.place)::text IS NULL OR \(filter.place) = ANY (place_lineage))
              AND (\(filter.overdueAt)::timestamptz IS NULL
                   OR (state IN ('routed', 'referred', 'reopened') AND acknowledge_due_at <= \(filter.overdueAt))
                   OR (state IN ('acknowledged', 'in_progress') AND resolve_due_at <= \(filter.overdueAt)))
              AND (\(afterMicros)::bigint IS NULL
                   OR ((extract(epoch FROM routed_at) * 1000000)::bigint, case_id) > (\(afterMicros), \(afterID)))
            ORDER BY (extract(epoch FROM routed_at) * 1000000)::bigint, case_id
            LIMIT \(filter.limit + 1)
            """, logger: logger)
        var cases: [CaseSummary] = []
        var cursors: [CaseCursor] = []
        for try await row in rows.decode((UUID, String, String, String, String, String?, String, Int, Date, Date?, Int?, Int64).self) {
            cases.append(CaseSummary(referenceCode: row.1, state: row.2, priority: row.3, category: row.4, placeCode: row.5, owner: row.6,
                                     escalationLevel: row.7, routedAt: row.8, dueAt: row.9, rating: row.10))
            cursors.append(CaseCursor(routedAtMicroseconds: row.11, caseID: row.0))
        }
        guard cases.count > filter.limit else { return (cases, nil) }
        return (Array(cases.prefix(filter.limit)), cursors[filter.limit - 1])
    }
}
