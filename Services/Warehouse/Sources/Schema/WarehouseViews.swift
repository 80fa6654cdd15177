import HotlineStorage

/// The views programs ask for. Every case view counts routed cases only (a case whose lifecycle
/// events arrived before its routing event waits for it), and every per-committee view is per
/// the case's lead target at routing (committee, college, partner or national triage).
enum WarehouseViews {
    /// Counts under this are suppressed in the public views.
    static let minimumPublicCount = 5

    static func migrations(_ schemas: WarehouseSchemas) -> [Migration] {
        let w = schemas.warehouse.name
        let hours = { (later: String) in "extract(epoch FROM c.\(later) - c.routed_at)::double precision / 3600.0" }
        return [
            Migration(version: 10, name: "views", statements: [
                """
                CREATE VIEW \(w).cases_weekly AS
                SELECT d.week_start, c.place_code, p.name AS place_name, p.level AS place_level, p.admin1_code, p.admin1_name,
                       c.category_code, count(*)::integer AS cases
                FROM \(w).fact_case c
                JOIN \(w).dim_date d ON d.hour_key = c.routed_hour_key
                LEFT JOIN \(w).dim_place p ON p.place_code = c.place_code
                WHERE c.routed_at IS NOT NULL
                GROUP BY d.week_start, c.place_code, p.name, p.level, p.admin1_code, p.admin1_name, c.category_code
                """,
                """
                CREATE VIEW \(w).public_cases_weekly AS
                SELECT week_start, place_code, place_name, place_level, admin1_code, admin1_name, category_code,
                       CASE WHEN cases >= \(minimumPublicCount) THEN cases END AS cases,
                       cases < \(minimumPublicCount) AS suppressed
                FROM \(w).cases_weekly
                """,
                """
                CREATE VIEW \(w).committee_response_times AS
                SELECT c.lead_target_code AS target_code, t.target_type, t.name AS target_name,
                       count(*)::integer AS cases,
                       count(c.acknowledged_at)::integer AS acknowledged,
                       count(c.resolved_at)::integer AS resolved,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY \(hours("acknowledged_at"))) AS median_hours_to_acknowledge,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY \(hours("acknowledged_at"))) AS p90_hours_to_acknowledge,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY \(hours("resolved_at"))) AS median_hours_to_resolve,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY \(hours("resolved_at"))) AS p90_hours_to_resolve
                FROM \(w).fact_case c
                LEFT JOIN \(w).dim_target t ON t.target_code = c.lead_target_code
                WHERE c.routed_at IS NOT NULL
                GROUP BY c.lead_target_code, t.target_type, t.name
                """,
                """
                CREATE VIEW \(w).committee_deadlines AS
                SELECT c.lead_target_code AS target_code, t.target_type, t.name AS target_name,
                       count(*)::integer AS cases,
                       count(*) FILTER (WHERE c.deadline_breach_count > 0)::integer AS breached_cases,
                       count(*) FILTER (WHERE c.escalation_count > 0)::integer AS escalated_cases,
                       sum(c.deadline_breach_count)::integer AS breaches,
                       sum(c.escalation_count)::integer AS escalations,
                       (count(*) FILTER (WHERE c.deadline_breach_count > 0))::double precision / count(*) AS breach_rate,
                       (count(*) FILTER (WHERE c.escalation_count > 0))::double precision / count(*) AS escalation_rate
                FROM \(w).fact_case c
                LEFT JOIN \(w).dim_target t ON t.target_code = c.lead_target_code
                WHERE c.routed_at IS NOT NULL
                GROUP BY c.lead_target_code, t.target_type, t.name
                """,
                """
                CREATE VIEW \(w).security_forces_complaints AS
                SELECT GROUPING(p.admin1_code, p.admin1_name) = 3 AS all_regions,
                       p.admin1_code AS region_code, p.admin1_name AS region_name,
                       count(*)::integer AS complaints,
                       count(*) FILTER (WHERE t.target_type = 'college')::integer AS handled_by_college,
                       (count(*) FILTER (WHERE t.target_type = 'college'))::double precision / count(*) AS college_share
                FROM \(w).fact_case c
                JOIN \(w).dim_category k ON k.category_code = c.category_code AND k.security_forces
                LEFT JOIN \(w).dim_place p ON p.place_code = c.place_code
                LEFT JOIN \(w).dim_target t ON t.target_code = c.lead_target_code
                WHERE c.routed_at IS NOT NULL
                GROUP BY GROUPING SETS ((p.admin1_code, p.admin1_name), ())
                """,
                """
                CREATE VIEW \(w).committee_satisfaction AS
                SELECT c.lead_target_code AS target_code, t.target_type, t.name AS target_name,
                       count(*)::integer AS ratings,
                       avg(r.rating)::double precision AS mean_rating,
                       (count(*) FILTER (WHERE r.rating >= 4))::double precision / count(*) AS satisfied_share
                FROM \(w).fact_rating r
                JOIN \(w).fact_case c ON c.case_key = r.case_key AND c.routed_at IS NOT NULL
                LEFT JOIN \(w).dim_target t ON t.target_code = c.lead_target_code
                GROUP BY c.lead_target_code, t.target_type, t.name
                """,
                // The perception index: the mean score (1-5) scaled to 0-100, per area and ISO week.
                """
                CREATE VIEW \(w).perception_index AS
                SELECT date_trunc('week', s.answered_on)::date AS week_start, s.area_code, p.name AS area_name, p.level AS area_level,
                       count(*)::integer AS answers,
                       avg(s.score)::double precision AS mean_score,
                       ((avg(s.score) - 1) * 25)::double precision AS perception_index
                FROM \(w).fact_survey_answer s
                LEFT JOIN \(w).dim_place p ON p.place_code = s.area_code
                GROUP BY 1, s.area_code, p.name, p.level
                """,
                """
                CREATE VIEW \(w).sms_weekly AS
                SELECT d.week_start, n.audience, n.template, coalesce(n.provider, 'none') AS provider,
                       count(*)::integer AS notifications,
                       coalesce(sum(n.segments), 0)::integer AS segments,
                       count(*) FILTER (WHERE n.status = 'delivered')::integer AS delivered,
                       count(*) FILTER (WHERE n.status = 'failed')::integer AS failed
                FROM \(w).fact_notification n
                JOIN \(w).dim_date d ON d.hour_key = n.first_hour_key
                GROUP BY d.week_start, n.audience, n.template, coalesce(n.provider, 'none')
                """,
            ]),
            Migration(version: 11, name: "analyst role", statements: [AnalystAccess.grantStatement(schema: schemas.warehouse, createRole: true)]),
        ]
    }
}
