import Foundation
import HotlineReference
import Logging
import PostgresNIO

/// The templates as `hotlinectl seed` last stored them (dataset `templates` in schema
/// `reference`), reloaded every `refreshInterval`; a failed reload keeps the last good set.
actor TemplateCatalog {
    private let postgres: PostgresClient
    private let defaultLanguage: String
    private let refreshInterval: Duration
    private var cached: (templates: MessageTemplates, loadedAt: ContinuousClock.Instant)?

    init(postgres: PostgresClient, defaultLanguage: String, refreshInterval: Duration) {
        self.postgres = postgres
        self.defaultLanguage = defaultLanguage
        self.refreshInterval = refreshInterval
    }

    func templates(logger: Logger) async throws -> MessageTemplates {
        if let cached, ContinuousClock.now - cached.loadedAt < refreshInterval { return cached.templates }
        do {
            var source: String?
            for try await content in try await postgres.query(
                "SELECT content FROM reference.datasets WHERE name = 'templates'", logger: logger
            ).decode(String.self) {
                source = content
            }
            guard let source else {
                throw TemplateError(code: .notLoaded, message: "no templates stored yet; run hotlinectl seed")
            }
            let templates = try MessageTemplates.parse(source, file: "templates", defaultLanguage: defaultLanguage)
            cached = (templates, .now)
            return templates
        } catch {
            if let cached {
                logger.warning("template reload failed; using the previous set", metadata: ["error": "\(error)"])
                return cached.templates
            }
            throw error
        }
    }

    /// Waits, retrying every few seconds, until templates can be loaded.
    func waitUntilLoaded(logger: Logger) async throws {
        while true {
            do {
                _ = try await templates(logger: logger)
                return
            } catch {
                logger.warning("no SMS templates yet; run hotlinectl seed", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(2))
            }
        }
    }
}
