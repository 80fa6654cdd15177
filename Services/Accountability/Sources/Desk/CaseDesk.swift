import Foundation
import HotlineDomain
import HotlineStorage
import Logging
import Metrics
import PostgresNIO

/// Where every change to a case happens: from routing's events, responders' SMS, coordinators'
/// API calls and the escalation scheduler alike. Each change locks the case row, asks the pure
/// lifecycle for a decision, and commits the row, its audit links, the published events and the
/// SMS it causes in one transaction.
package struct CaseDesk: Sendable {
    package let postgres: PostgresClient
    package let outbox: Outbox
    package let directory: DirectoryCache
    package let clock: any CaseClock
    package let settings: AccountabilitySettings
    package let logger: Logger
    let ledger: CaseLedger
    static let source = "/hotline/accountability"

    package init(postgres: PostgresClient, outbox: Outbox, directory: DirectoryCache, clock: any CaseClock,
                 settings: AccountabilitySettings, logger: Logger) {
        self.postgres = postgres
        self.outbox = outbox
        self.directory = directory
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.ledger = CaseLedger(logger: logger)
    }

    package var records: CaseRecords { CaseRecords(postgres: postgres, logger: logger) }

    /// The outcome of an action: the case as it now stands, or why nothing changed.
    package enum ActionOutcome: Sendable {
        case done(CaseSnapshot)
        case refused(CaseRefusal)
        case unknownCase
    }

    // MARK: Routed cases

    /// Opens the case routing decided; a redelivered event changes nothing.
    package func open(_ envelope: EventEnvelope<CaseRouted>) async throws {
        try await open([envelope])
    }

    /// Opens several cases in one transaction (one partition's records): one commit for all.
    package func open(_ envelopes: [EventEnvelope<CaseRouted>]) async throws {
        let inbox = Inbox(schema: .accountability, consumer: "accountability.cases-routed")
        let deadlines = try await directory.directory(logger: logger).deadlines
        let now = clock.now()
        let opened = try await postgres.inTransaction(logger: logger) { connection -> [Bool] in
            // Statements per partition's batch, not per case: the inbox, the case rows, their targets,
            // their first audit events, their outbox events.
            let fresh = try await inbox.markProcessed(eventIDs: envelopes.map(\.id), on: connection, logger: logger)
            var eventsSeen = Set<String>()
            let firstDeliveries = envelopes.filter { fresh.contains($0.id) && eventsSeen.insert($0.id).inserted }
            let snapshots = try await ledger.open(firstDeliveries.map(\.data), deadlines: deadlines, at: now, on: connection)
            let openedNow = zip(firstDeliveries, snapshots).compactMap { envelope, snapshot in snapshot.map { (envelope, $0) } }
            let events = try await ledger.appendFirst(openedNow.map { envelope, snapshot in
                ([PendingCaseEvent(kind: .routed, toState: .routed, target: snapshot.owner, detail: envelope.data.rule.id)], snapshot,
                 envelope.data.routedAt)
            }, by: .system, on: connection)
            try await publish(events.flatMap { $0 }, notifications: [], on: connection)
            var openedEvents = Set(openedNow.map(\.0.id))
            return envelopes.map { openedEvents.remove($0.id) != nil }
        }
        for (envelope, opened) in zip(envelopes, opened) {
            logger.info(opened ? "case opened" : "duplicate routed event ignored", metadata: [
                "event_id": "\(envelope.id)", "reference_code": "\(envelope.data.referenceCode)",
            ])
        }
    }

    // MARK: Actions

    /// Applies an action in its own transaction. `authorize` sees the locked case first (API scopes).
    package func act(on code: ReferenceCode, _ action: CaseAction, by actor: CaseActor,
                     authorize: @Sendable (CaseSnapshot) throws -> Void = { _ in }) async throws -> ActionOutcome {
        try await postgres.inTransaction(logger: logger) { connection in
            try await act(on: code, action, by: actor, on: connection, authorize: authorize)
        }
    }

    func act(on code: ReferenceCode, _ action: CaseAction, by actor: CaseActor, on connection: PostgresConnection,
             authorize: @Sendable (CaseSnapshot) throws -> Void = { _ in }) async throws -> ActionOutcome {
        guard let snapshot = try await ledger.lock(code: code, on: connection) else { return .unknownCase }
        try authorize(snapshot)
        let directory = try await directory.directory(logger: logger)
        let now = clock.now()
        switch directory.lifecycle.decide(action, on: snapshot, by: actor, at: now, targetExists: { directory.targets[$0] != nil }) {
        case .failure(let refusal):
            return .refused(refusal)
        case .success(let decision):
            try await commit(decision, by: actor, at: now, directory: directory, on: connection)
            return .done(decision.snapshot)
        }
    }

    /// Records a decision and everything it causes.
    func commit(_ decision: CaseDecision, by actor: CaseActor, at now: Date, directory: ResponderDirectory,
                on connection: PostgresConnection) async throws {
        let events = try await ledger.record(decision, by: actor, at: now, on: connection)
        guard let cause = events.last else { return }
        let speaksToReporter = decision.effects.contains { effect in
            switch effect {
            case .tellReporter, .askReporterRating: true
            case .alertTarget, .alertOversight: false
            }
        }
        var reporter: ProtectedPhone?
        if speaksToReporter, try await !reporterOptedOut(decision.snapshot.caseID, on: connection) {
            reporter = try await ledger.reporter(of: decision.snapshot.caseID, on: connection)
        }
        let notifications = CaseMessages(directory: directory).requests(
            for: decision.effects, snapshot: decision.snapshot, cause: cause, reporter: reporter)
        if decision.effects.contains(.askReporterRating), let reporter {
            try await connection.query("""
                INSERT INTO accountability.pending_replies (pseudonym, kind, case_id, language, asked_at, expires_at)
                VALUES (\(reporter.pseudonym), 'rating', \(decision.snapshot.caseID), \(decision.snapshot.reporterLanguage), \(now),
                        \(now.addingTimeInterval(settings.replyWindow)))
                ON CONFLICT (pseudonym) DO UPDATE SET kind = 'rating', case_id = EXCLUDED.case_id, area_code = NULL,
                    question_id = NULL, language = EXCLUDED.language, asked_at = EXCLUDED.asked_at, expires_at = EXCLUDED.expires_at
                """, logger: logger)
        }
        try await publish(events, notifications: notifications, on: connection)
        for event in events where event.kind == .transition {
            Counter(label: "hotline_case_transitions_total", dimensions: [
                ("from", event.fromState?.rawValue ?? ""), ("to", event.toState?.rawValue ?? ""), ("channel", actor.channel.rawValue),
            ]).increment()
        }
    }

    func publish(_ events: [CaseEventRecorded], notifications: [NotificationRequested], on connection: PostgresConnection) async throws {
        var records = try events.map { event in
            try OutboxEvent.envelope(topic: Topic.caseEvents, key: event.caseID.uuidString.lowercased(), source: Self.source,
                                     type: CaseEventRecorded.eventType, subject: event.referenceCode.value, time: event.occurredAt, data: event)
        }
        for request in notifications {
            records.append(try .envelope(topic: Topic.notificationsRequested, key: request.notificationID, source: Self.source,
                                         type: NotificationRequested.eventType, subject: request.referenceCode?.value, data: request))
        }
        try await outbox.enqueue(records, on: connection, logger: logger)
    }

    func reporterOptedOut(_ caseID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            SELECT 1 FROM accountability.cases c JOIN accountability.opt_outs o ON o.pseudonym = c.reporter_pseudonym
            WHERE c.case_id = \(caseID)
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    // MARK: Escalation

    /// Escalates every case whose running deadline passed, in batches; safe with any number of replicas.
    @discardableResult
    package func escalateOverdue(batchSize: Int = 50) async throws -> Int {
        var total = 0
        while true {
            let now = clock.now()
            let count = try await postgres.inTransaction(logger: logger) { connection -> Int in
                let overdue = try await ledger.lockOverdue(at: now, limit: batchSize, on: connection)
                guard !overdue.isEmpty else { return 0 }
                let directory = try await directory.directory(logger: logger)
                for snapshot in overdue {
                    let decision = directory.planner.escalate(snapshot, at: now)
                    try await commit(decision, by: .system, at: now, directory: directory, on: connection)
                    Counter(label: "hotline_deadline_breaches_total", dimensions: [
                        ("priority", snapshot.priority.rawValue), ("level", String(snapshot.escalationLevel)),
                    ]).increment()
                    if decision.snapshot.escalationLevel > snapshot.escalationLevel {
                        Counter(label: "hotline_escalations_total", dimensions: [("level", String(decision.snapshot.escalationLevel))]).increment()
                    }
                    logger.info("deadline missed", metadata: [
                        "reference_code": "\(snapshot.referenceCode)", "from": "\(snapshot.owner)", "to": "\(decision.snapshot.owner)",
                    ])
                }
                return overdue.count
            }
            total += count
            if count < batchSize { return total }
        }
    }
}
