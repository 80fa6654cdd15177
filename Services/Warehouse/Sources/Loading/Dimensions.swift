import Foundation
import HotlineDomain
import HotlineReference
import HotlineRuntime
import Logging
import PostgresNIO
import ServiceLifecycle

/// Dimensions whose members are known in advance: the enums of the event contracts.
enum StaticDimensions {
    static let categoryLabels: [IncidentCategory: String] = [
        .theft: "Theft", .armedAttack: "Armed attack", .traffickingWeaponsDrugs: "Trafficking of weapons or drugs",
        .humanTrafficking: "Human trafficking", .securityForcesMisconduct: "Complaint against security forces",
        .landDispute: "Land or farmer-herder dispute", .genderBasedViolence: "Gender-based violence",
        .violentExtremism: "Violent extremism", .corruption: "Corruption", .other: "Other",
    ]
    static let channelLabels: [ReportChannel: String] = [
        .sms: "SMS", .ussd: "USSD", .operatorDesk: "Call-centre operator", .api: "Partner API",
    ]
    static let languages: [String: String] = [
        "fr": "French", "en": "English", "ar": "Arabic", "bm": "Bambara", "ha": "Hausa", "ff": "Fulfulde", "son": "Songhay",
        "taq": "Tamasheq", "dgo": "Dogon", "mos": "Mooré", "dyu": "Dioula",
    ]

    static func seed(_ schemas: WarehouseSchemas, on connection: PostgresConnection, logger: Logger) async throws {
        let w = schemas.warehouse.name
        for category in IncidentCategory.allCases {
            try await connection.query("""
                INSERT INTO \(unescaped: w).dim_category (category_code, label, security_forces, restricted)
                VALUES (\(category.rawValue), \(categoryLabels[category] ?? category.rawValue), \(category == .securityForcesMisconduct),
                        \(category == .genderBasedViolence))
                ON CONFLICT (category_code) DO UPDATE SET label = EXCLUDED.label, security_forces = EXCLUDED.security_forces,
                    restricted = EXCLUDED.restricted
                """, logger: logger)
        }
        for (rank, priority) in CasePriority.allCases.enumerated() {
            try await connection.query("""
                INSERT INTO \(unescaped: w).dim_priority (priority_code, rank) VALUES (\(priority.rawValue), \(rank))
                ON CONFLICT (priority_code) DO UPDATE SET rank = EXCLUDED.rank
                """, logger: logger)
        }
        for channel in ReportChannel.allCases {
            try await connection.query("""
                INSERT INTO \(unescaped: w).dim_channel (channel_code, label) VALUES (\(channel.rawValue), \(channelLabels[channel] ?? channel.rawValue))
                ON CONFLICT (channel_code) DO UPDATE SET label = EXCLUDED.label
                """, logger: logger)
        }
        for (code, name) in languages.sorted(by: { $0.key < $1.key }) {
            try await connection.query("""
                INSERT INTO \(unescaped: w).dim_language (language_code, name) VALUES (\(code), \(name))
                ON CONFLICT (language_code) DO UPDATE SET name = EXCLUDED.name
                """, logger: logger)
        }
        try await connection.query("""
            INSERT INTO \(unescaped: w).dim_place (place_code, name, level) VALUES (\(EventDimensions.unknownPlace), 'Unknown place', 'unknown')
            ON CONFLICT (place_code) DO NOTHING
            """, logger: logger)
    }
}

/// Fills the place and target dimensions from the reference data `hotlinectl seed` stored:
/// names, levels and the admin hierarchy with codes, and targets with type and jurisdiction.
public struct ReferenceDimensions: Sendable {
    let postgres: PostgresClient
    let schemas: WarehouseSchemas
    let logger: Logger

    public init(postgres: PostgresClient, schemas: WarehouseSchemas = .production, logger: Logger) {
        self.postgres = postgres
        self.schemas = schemas
        self.logger = logger
    }

    /// Seeds the static dimensions; must run before the first record is loaded.
    public func seedStatic() async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await StaticDimensions.seed(schemas, on: connection, logger: logger)
        }
    }

    /// Upserts every place and target of the stored reference data. Returns false when none is stored yet.
    @discardableResult
    public func refresh() async throws -> Bool {
        let set: ReferenceSet
        do {
            set = try await ReferenceStore(postgres: postgres).loadReferenceSet(logger: logger)
        } catch let error as ReferenceDataError {
            logger.info("reference data not loaded yet; place and target dimensions keep what events said", metadata: [
                "reason": "\(error)",
            ])
            return false
        }
        let w = schemas.warehouse.name
        try await postgres.inTransaction(logger: logger) { connection in
            for place in set.gazetteer.places {
                let lineage = set.gazetteer.lineage(of: place.code)
                let at = { (index: Int) -> Place? in lineage.indices.contains(index) ? lineage[index] : nil }
                try await connection.query("""
                    INSERT INTO \(unescaped: w).dim_place (place_code, name, level, parent_code, country_code, admin1_code, admin1_name,
                        admin2_code, admin2_name, admin3_code, admin3_name, lineage)
                    VALUES (\(place.code), \(place.name), \(place.level.rawValue), \(place.parentCode), \(at(0)?.code), \(at(1)?.code),
                            \(at(1)?.name), \(at(2)?.code), \(at(2)?.name), \(at(3)?.code), \(at(3)?.name), \(lineage.map(\.code)))
                    ON CONFLICT (place_code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code,
                        country_code = EXCLUDED.country_code, admin1_code = EXCLUDED.admin1_code, admin1_name = EXCLUDED.admin1_name,
                        admin2_code = EXCLUDED.admin2_code, admin2_name = EXCLUDED.admin2_name, admin3_code = EXCLUDED.admin3_code,
                        admin3_name = EXCLUDED.admin3_name, lineage = EXCLUDED.lineage
                    """, logger: logger)
            }
            for target in set.targets {
                let jurisdiction = set.gazetteer.lineage(of: target.jurisdiction)
                let region: String? = jurisdiction.count > 1 ? jurisdiction[1].code : nil
                try await connection.query("""
                    INSERT INTO \(unescaped: w).dim_target (target_code, target_type, name, level, specialty, jurisdiction_code, admin1_code)
                    VALUES (\(target.code), \(target.type.rawValue), \(target.name), \(jurisdiction.last?.level.rawValue),
                            \(target.specialty), \(target.jurisdiction), \(region))
                    ON CONFLICT (target_code) DO UPDATE SET target_type = EXCLUDED.target_type, name = EXCLUDED.name,
                        level = EXCLUDED.level, specialty = EXCLUDED.specialty, jurisdiction_code = EXCLUDED.jurisdiction_code,
                        admin1_code = EXCLUDED.admin1_code
                    """, logger: logger)
            }
        }
        return true
    }
}

/// Seeds the static dimensions, then runs the loader and keeps the reference dimensions fresh.
struct WarehouseStartup: Service {
    let dimensions: ReferenceDimensions
    let interval: Duration
    let worker: any Service

    func run() async throws {
        try await dimensions.seedStatic()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await worker.run() }
            group.addTask {
                await repeatPeriodically(every: interval, logger: dimensions.logger,
                                         failure: "reference dimension refresh failed; retrying next tick") {
                    try await dimensions.refresh()
                }
            }
        }
    }
}
