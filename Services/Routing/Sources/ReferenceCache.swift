import Foundation
import HotlineReference
import Logging

/// The reference data routing decides with, as `hotlinectl seed` last stored it.
///
/// Reloaded at most once a minute, so an operator's new rules take effect without a restart.
/// A report is never routed without reference data: callers wait until it has been loaded.
actor ReferenceCache {
    private let store: ReferenceStore
    private let country: String
    private let timeZone: TimeZone
    private let refreshInterval: Duration
    private var cached: (router: ReportRouter, loadedAt: ContinuousClock.Instant)?

    init(store: ReferenceStore, country: String, timeZone: TimeZone = TargetHours.defaultTimeZone, refreshInterval: Duration = .seconds(60)) {
        self.store = store
        self.country = country
        self.timeZone = timeZone
        self.refreshInterval = refreshInterval
    }

    func router(logger: Logger) async throws -> ReportRouter {
        if let cached, ContinuousClock.now - cached.loadedAt < refreshInterval { return cached.router }
        do {
            let router = ReportRouter(reference: try await store.loadReferenceSet(logger: logger), country: country, timeZone: timeZone)
            cached = (router, .now)
            return router
        } catch {
            // Keep deciding with the last good set if a reload fails.
            if let cached {
                logger.warning("reference reload failed; using the previous set", metadata: ["error": "\(error)"])
                return cached.router
            }
            throw error
        }
    }

    /// Waits, retrying every few seconds, until reference data can be loaded.
    func waitUntilLoaded(logger: Logger) async throws {
        while true {
            do {
                _ = try await router(logger: logger)
                return
            } catch {
                logger.warning("no reference data yet; run hotlinectl seed", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(3))
            }
        }
    }
}
