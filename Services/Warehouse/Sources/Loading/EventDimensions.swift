import HotlineDomain
import Logging
import PostgresNIO

/// Dimension rows first seen in an event. They carry what the event knows (a place's code, level,
/// name and lineage; a target's type and level); the reference refresh fills in the rest.
struct EventDimensions: Sendable {
    let schemas: WarehouseSchemas
    let logger: Logger

    private var w: String { schemas.warehouse.name }

    /// Cases whose place nothing matched are counted under this code.
    static let unknownPlace = "unknown"

    /// Returns the place code the facts use.
    func place(_ place: CaseRouted.ResolvedPlace, on connection: PostgresConnection) async throws -> String {
        guard let code = place.code else { return Self.unknownPlace }
        let lineage = place.lineage.last == code ? place.lineage : place.lineage + [code]
        let at = { (index: Int) in lineage.indices.contains(index) ? lineage[index] : nil }
        let parent = lineage.count >= 2 ? lineage[lineage.count - 2] : nil
        try await connection.query("""
            INSERT INTO \(unescaped: w).dim_place
                (place_code, name, level, parent_code, country_code, admin1_code, admin2_code, admin3_code, lineage)
            VALUES (\(code), \(place.name), \(place.level), \(parent), \(at(0)), \(at(1)), \(at(2)), \(at(3)), \(lineage))
            ON CONFLICT (place_code) DO NOTHING
            """, logger: logger)
        return code
    }

    /// An area code from a survey answer: only its code until the reference refresh names it.
    func placeCode(_ code: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: w).dim_place (place_code, lineage) VALUES (\(code), \([code]))
            ON CONFLICT (place_code) DO NOTHING
            """, logger: logger)
    }

    func target(_ target: CaseRouted.RoutedTarget, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: w).dim_target (target_code, target_type, level) VALUES (\(target.code), \(target.type.rawValue), \(target.level))
            ON CONFLICT (target_code) DO UPDATE SET
                target_type = coalesce(\(unescaped: w).dim_target.target_type, EXCLUDED.target_type),
                level = coalesce(\(unescaped: w).dim_target.level, EXCLUDED.level)
            """, logger: logger)
    }

    func language(_ code: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: w).dim_language (language_code, name) VALUES (\(code), \(StaticDimensions.languages[code]))
            ON CONFLICT (language_code) DO NOTHING
            """, logger: logger)
    }
}
