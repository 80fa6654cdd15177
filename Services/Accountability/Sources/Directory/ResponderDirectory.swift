import Foundation
import HotlineDomain
import HotlineReference
import Logging

/// Committees, colleges, partners and their members, as `hotlinectl seed` last stored them.
package struct ResponderDirectory: Sendable {
    package let targets: [String: Target]
    package let membersByPseudonym: [String: Member]
    package let membersByTarget: [String: [Member]]
    package let gazetteer: Gazetteer
    package let planner: EscalationPlanner
    /// The configured deadlines with these targets' active hours.
    package let deadlines: DeadlinePolicy

    package init(reference: ReferenceSet, deadlines: DeadlinePolicy) {
        targets = Dictionary(reference.targets.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        membersByPseudonym = Dictionary(reference.members.map { ($0.contact.pseudonym, $0) }, uniquingKeysWith: { first, _ in first })
        membersByTarget = Dictionary(grouping: reference.members, by: \.targetCode)
        gazetteer = reference.gazetteer
        self.deadlines = deadlines.withActiveHours(of: reference.targets)
        planner = EscalationPlanner(targets: reference.targets, deadlines: self.deadlines)
    }

    /// The case rules with these deadlines.
    package var lifecycle: CaseLifecycle { CaseLifecycle(deadlines: deadlines) }

    /// Who is told when a case needs a target's attention: its chair, focal point and on-call members.
    package func alertRecipients(of target: String) -> [Member] {
        (membersByTarget[target] ?? []).filter { $0.role != .member }
    }

    package func placeName(_ code: String?) -> String? {
        code.flatMap { gazetteer.place($0)?.name }
    }
}

/// Reloads the directory at most once per interval, so a new members file takes effect without a restart.
package actor DirectoryCache {
    private let store: ReferenceStore
    private let deadlines: DeadlinePolicy
    private let refreshInterval: Duration
    private var cached: (directory: ResponderDirectory, loadedAt: ContinuousClock.Instant)?

    package init(store: ReferenceStore, deadlines: DeadlinePolicy, refreshInterval: Duration = .seconds(60)) {
        self.store = store
        self.deadlines = deadlines
        self.refreshInterval = refreshInterval
    }

    package func directory(logger: Logger) async throws -> ResponderDirectory {
        if let cached, ContinuousClock.now - cached.loadedAt < refreshInterval { return cached.directory }
        do {
            let directory = ResponderDirectory(reference: try await store.loadReferenceSet(logger: logger), deadlines: deadlines)
            cached = (directory, .now)
            return directory
        } catch {
            if let cached {
                logger.warning("reference reload failed; using the previous directory", metadata: ["error": "\(error)"])
                return cached.directory
            }
            throw error
        }
    }

    package func waitUntilLoaded(logger: Logger) async throws {
        while true {
            do {
                _ = try await directory(logger: logger)
                return
            } catch {
                logger.warning("no reference data yet; run hotlinectl seed", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(3))
            }
        }
    }
}
