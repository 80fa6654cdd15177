import HotlineStorage

/// The two schemas the warehouse service owns.
///
/// - `warehouse` holds the star schema and its views, and nothing else: no phone number,
///   ciphertext, reporter pseudonym, free text, reference code, case id or event id. Cases,
///   notifications and events are known there only by keys that are salted hashes of their
///   operational ids, so no row can be joined back to the operational schemas.
/// - `warehouse_loader` is the loader's private state: the salt of those keys, the inbox of
///   loaded event ids, provider message ids waiting for delivery reports, and the outbox every
///   service has. The analyst role never reads it.
///
/// Tests run with unique names so they can load data side by side in one database.
public struct WarehouseSchemas: Sendable, Hashable {
    public let warehouse: DatabaseSchema
    public let loader: DatabaseSchema

    public init(warehouse: DatabaseSchema, loader: DatabaseSchema) {
        self.warehouse = warehouse
        self.loader = loader
    }

    public static let production = WarehouseSchemas(warehouse: .warehouse, loader: DatabaseSchema("warehouse_loader"))

    /// The migrations of both schemas, warehouse first (the loader's functions write into it).
    public var migrationRunners: [MigrationRunner] {
        [MigrationRunner(schema: warehouse, migrations: WarehouseMigrations.star(self) + WarehouseViews.migrations(self)),
         MigrationRunner(schema: loader, migrations: LoaderMigrations.all(self))]
    }
}

/// The read-only role analysts use.
public enum AnalystRole {
    public static let name = "hotline_analyst"
}
