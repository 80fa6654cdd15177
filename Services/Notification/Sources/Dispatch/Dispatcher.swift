import Foundation
import HotlineConcurrency
import HotlineDomain
import HotlineKafka
import HotlinePrivacy
import HotlineReference
import HotlineRuntime
import HotlineStorage
import Logging
import ServiceLifecycle

/// Sends queued notifications: rate-limit token, claim, open the number, render, call the
/// gateway, record the outcome. Several loops run per instance and several instances may run;
/// PostgreSQL's row locks and leases keep each message to one sender.
struct Dispatcher: Service {
    let configuration: NotificationConfiguration
    let provider: any SMSProvider
    let store: DispatchStore
    let recovery: RecoveryStore
    let limiter: RateLimiter
    let templates: TemplateCatalog
    let protector: PIIProtector
    let sendWindow: SendWindow
    let startup: StartupLatch
    /// Rung when requests are stored: an idle loop looks at once instead of after its poll interval.
    let doorbell: Doorbell
    let logger: Logger
    /// How long after an ambiguous answer, or between two looks, the gateway is asked again.
    var reconcileDelay: Duration = .seconds(30)

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await startup.wait()
                try await templates.waitUntilLoaded(logger: logger)
            }
        } catch is CancellationError {
            return
        }
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.dispatchers {
                group.addTask { await sendLoop() }
            }
            group.addTask { await recoveryLoop() }
        }
    }

    private var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Sleeps, waking early on shutdown.
    private func idle(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    /// The poll interval, cut short by new requests or shutdown.
    private func idleUntilRung() async {
        await cancelWhenGracefulShutdown { await doorbell.wait(upTo: configuration.pollInterval) }
    }

    private func sendLoop() async {
        var busy = false
        while !stopping {
            do {
                // While messages keep coming, the claim itself says whether any are due.
                let lookFirst = !busy
                // A last-resort bound: an await that never ends must not silence this loop for good.
                busy = try await withDeadline(.seconds(300), operation: { try await dispatchDue(lookFirst: lookFirst) })
                if !busy { await idleUntilRung() }
            } catch {
                busy = false
                logger.error("dispatch step failed", metadata: ["error": "\(String(reflecting: error))"])
                await idle(.seconds(1))
            }
        }
    }

    /// Up to `dispatchBatch` due messages, sent side by side. Returns false when nothing was due.
    /// - Parameter lookFirst: check cheaply for due messages before taking rate-limit tokens
    ///   (an idle loop); a busy loop skips the look and gives back the tokens it could not use.
    func dispatchDue(lookFirst: Bool = true) async throws -> Bool {
        if lookFirst, try await !store.hasDue(logger: logger) { return false }
        // Tokens come before the claim, so under backlog the messages chosen are always the most
        // urgent at the moment they can actually go.
        var tokens = 0
        let tokensStarted = ContinuousClock.now
        while tokens == 0 {
            switch try await limiter.take(upTo: configuration.dispatchBatch, logger: logger) {
            case .granted(let granted): tokens = granted
            case .wait(let delay):
                NotificationMetrics.rateLimited()
                await idle(delay)
                if stopping { return false }
            }
        }
        let grantedAt = ContinuousClock.now
        NotificationMetrics.step("tokens", since: tokensStarted)
        let claimID = UUID.random()
        let claims: [DispatchStore.Claim]
        do {
            claims = try await store.claim(limit: tokens, claimID: claimID, provider: provider.name, sender: provider.sender,
                                           lease: configuration.claimLease, logger: logger)
        } catch {
            // Nothing was sent either way; but the claim may have committed with its answer lost.
            await refund(tokens)
            do {
                try await putBackUnsent(claimID: claimID)
            } catch let putBackError {
                logger.error("failed claim not checked; if it committed, its messages lapse into unknown", metadata: [
                    "claim_id": "\(claimID)", "error": "\(String(reflecting: putBackError))",
                ])
            }
            throw error
        }
        NotificationMetrics.step("claim", since: grantedAt)
        let suppressed = claims.filter { if case .suppressed = $0 { true } else { false } }
        // From here every claimed message must reach an outcome: a step that throws now would leave
        // the batch `sending` until its lease lapses into `unknown`, never resent where the gateway
        // cannot be asked (a PostgreSQL stop right after a claim did exactly that to an acknowledgement).
        await refund(tokens - claims.count + suppressed.count)
        for case .suppressed(let record) in suppressed {
            logger.info("notification suppressed: recipient opted out", metadata: ["notification_id": "\(record.notificationID)"])
        }
        guard !claims.isEmpty else { return false }
        let staged = await stage(claims.compactMap { if case .send(let record) = $0 { record } else { nil } })
        guard !staged.isEmpty else { return true }
        // The bucket's headroom covers a token's way to the gateway only if the message gets there
        // within `rateHeadroom` of the grant. A batch held up longer (a database stall during the
        // claim, say) takes fresh tokens in one take, so late sends cannot pile onto the next second's.
        if ContinuousClock.now - grantedAt > configuration.rateHeadroom {
            do {
                try await withDeadline(stepDeadline) { try await takeFreshTokens(staged.count) }
            } catch {
                // Nothing was sent: the batch goes back to the queue as it was.
                for message in staged {
                    try? await persistOutcome(of: [message.record]) {
                        try await store.release(message.record, until: Date().addingTimeInterval(5),
                                                reason: "no fresh rate-limit token: \(error)", logger: logger)
                    }
                }
                return true
            }
        }
        let started = ContinuousClock.now
        let accepted = await withTaskGroup(of: DispatchStore.Sent?.self) { group in
            for message in staged {
                group.addTask {
                    do {
                        return try await send(message)
                    } catch {
                        // Left `sending`: its lease expires and it is reconciled, never blindly resent.
                        logger.error("delivery step failed", metadata: [
                            "notification_id": "\(message.record.notificationID)", "error": "\(String(reflecting: error))",
                        ])
                        return nil
                    }
                }
            }
            var accepted: [DispatchStore.Sent] = []
            for await sent in group { if let sent { accepted.append(sent) } }
            return accepted
        }
        guard !accepted.isEmpty else { return true }
        // The batch's acceptances are recorded together once every call has answered.
        let recordStarted = ContinuousClock.now
        do {
            try await persistOutcome(of: accepted.map(\.record)) {
                try await store.recordSent(accepted, provider: provider.name, logger: logger)
            }
        } catch {
            logger.error("recording sent messages failed; their leases will expire and they will be reconciled", metadata: [
                "notification_ids": "\(accepted.map(\.record.notificationID))", "error": "\(String(reflecting: error))",
            ])
            return true
        }
        NotificationMetrics.step("record", since: recordStarted)
        let dispatchDuration = ContinuousClock.now - started
        for sent in accepted {
            NotificationMetrics.dispatchDuration(dispatchDuration)
            NotificationMetrics.sent(provider: provider.name, encoding: sent.encoding.alphabet.rawValue, segments: sent.encoding.segments)
            logger.info("sms sent", metadata: [
                "notification_id": "\(sent.record.notificationID)", "template": "\(sent.record.template)",
                "attempt": "\(sent.record.attempts)", "provider": "\(provider.name)", "encoding": "\(sent.encoding.alphabet.rawValue)",
                "segments": "\(sent.encoding.segments)", "provider_message_id": "\(sent.receipt.providerMessageID)",
            ])
        }
        return true
    }

    /// A claimed message rendered and addressed, ready for the gateway.
    struct StagedMessage: Sendable {
        let record: NotificationRecord
        let sms: OutboundSMS
        let language: String
    }

    /// Renders and addresses a claimed batch in one pass, with one look at the templates. A message
    /// that cannot go now (quiet hours, a template or number that fails) gets its outcome recorded
    /// and its token back; the rest are returned, in order.
    private func stage(_ records: [NotificationRecord]) async -> [StagedMessage] {
        guard !records.isEmpty else { return [] }
        let started = ContinuousClock.now
        let catalog: Result<MessageTemplates, any Error>
        do {
            // Bounded well inside the claim lease: if the database hangs here, nothing has been sent
            // and the batch goes back to the queue, rather than lapsing into `unknown`.
            catalog = .success(try await withDeadline(stepDeadline) { try await templates.templates(logger: logger) })
        } catch {
            catalog = .failure(error)
        }
        var staged: [StagedMessage] = []
        for record in records {
            do {
                if let message = try await stage(record, catalog: catalog) { staged.append(message) }
            } catch {
                // The outcome could not be stored before shutdown: the lease lapses into `unknown`.
                logger.error("staging step failed", metadata: [
                    "notification_id": "\(record.notificationID)", "error": "\(String(reflecting: error))",
                ])
            }
        }
        NotificationMetrics.step("prepare", since: started)
        return staged
    }

    private func stage(_ record: NotificationRecord, catalog: Result<MessageTemplates, any Error>) async throws -> StagedMessage? {
        let earliest = sendWindow.earliestSend(for: record.priority, timeZone: record.timeZone, activeHours: record.activeHours, at: Date())
        if earliest > Date().addingTimeInterval(1) {
            await refund(1)
            try await persistOutcome(of: [record]) {
                try await store.release(record, until: earliest, reason: SendWindow.deferral(until: earliest, activeHours: record.activeHours),
                                        logger: logger)
            }
            return nil
        }
        do {
            let prepared = try prepare(record, with: try catalog.get())
            return StagedMessage(record: record, sms: prepared.sms, language: prepared.language)
        } catch let error as TemplateError where error.code != .notLoaded {
            await refund(1)
            try await persistOutcome(of: [record]) {
                try await fail(record, reason: "template: \(error)", metricReason: "template", logger: logger)
            }
        } catch let error as PIIKeyError {
            await refund(1)
            try await persistOutcome(of: [record]) {
                try await fail(record, reason: "recipient number cannot be opened: \(error)", metricReason: "recipient", logger: logger)
            }
        } catch {
            // Nothing was sent (templates not readable just now, say): put it back as it was.
            await refund(1)
            try await persistOutcome(of: [record]) {
                try await store.release(record, until: Date().addingTimeInterval(5), reason: "not prepared: \(error)", logger: logger)
            }
        }
        return nil
    }

    /// Sends one staged message. Returns what the gateway accepted, for the batch to record;
    /// every other outcome (failures, retries, unknown) is recorded here.
    private func send(_ message: StagedMessage) async throws -> DispatchStore.Sent? {
        let record = message.record
        let encoding = SMSEncoding.analyse(message.sms.text)
        let metadata: Logger.Metadata = [
            "notification_id": "\(record.notificationID)", "template": "\(record.template)", "attempt": "\(record.attempts)",
            "provider": "\(provider.name)", "encoding": "\(encoding.alphabet.rawValue)", "segments": "\(encoding.segments)",
        ]
        let receipt: ProviderReceipt
        let sendStarted = ContinuousClock.now
        do {
            receipt = try await provider.send(message.sms)
            NotificationMetrics.step("gateway", since: sendStarted)
        } catch let error as ProviderError {
            try await persistOutcome(of: [record]) { try await handle(error, record: record, metadata: metadata) }
            return nil
        } catch {
            // Cancelled mid-call: the process is going down. Record nothing; the lease expires
            // and the message becomes `unknown`, exactly as after a crash.
            if Task.isCancelled { return nil }
            try await persistOutcome(of: [record]) {
                try await handle(GatewayHTTP.classify(transportError: error), record: record, metadata: metadata)
            }
            return nil
        }
        return DispatchStore.Sent(record: record, receipt: receipt, language: message.language, encoding: encoding)
    }

    /// Returns unused tokens. Best effort: a refund lost to a database outage only makes the
    /// bucket stricter for a moment, and must never stop a claimed message from reaching an outcome.
    private func refund(_ count: Int) async {
        guard count > 0 else { return }
        do {
            try await limiter.refund(count, logger: logger)
        } catch {
            logger.debug("token refund lost", metadata: ["count": "\(count)", "error": "\(String(reflecting: error))"])
        }
    }

    /// Waits for `count` new tokens; the old ones are forfeited, never refunded, so the count stays
    /// conservative.
    private func takeFreshTokens(_ count: Int) async throws {
        NotificationMetrics.tokensRetaken(count)
        var needed = count
        while needed > 0 {
            switch try await limiter.take(upTo: needed, logger: logger) {
            case .granted(let granted): needed -= granted
            case .wait(let delay):
                NotificationMetrics.rateLimited()
                await idle(delay)
                if stopping { throw CancellationError() }
            }
        }
    }

    /// One database step of a send, abandoned well before the claim lease runs out.
    private var stepDeadline: Duration { max(.seconds(1), min(.seconds(20), configuration.claimLease / 4)) }

    /// Stores what the gateway answered, waiting out a database outage: once the gateway has
    /// spoken, giving up would turn a known outcome into `unknown` when the lease runs out.
    private func persistOutcome(of records: [NotificationRecord], _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await retryWhileDatabaseUnavailable("gateway outcome not stored yet", metadata: [
            "notification_ids": "\(records.map(\.notificationID))",
        ], body)
    }

    /// After a failed claim: whatever it took if it committed after all goes back to the queue, waiting
    /// out a database outage first. Given up only on shutdown; the rows then lapse into `unknown`.
    func putBackUnsent(claimID: UUID) async throws {
        try await retryWhileDatabaseUnavailable("failed claim not checked yet", metadata: ["claim_id": "\(claimID)"]) {
            let putBack = try await store.putBackUnsent(claimID: claimID, logger: logger)
            if putBack > 0 {
                logger.warning("a failed claim had committed; its messages are queued again, unsent", metadata: [
                    "claim_id": "\(claimID)", "count": "\(putBack)",
                ])
            }
        }
    }

    private func retryWhileDatabaseUnavailable(_ what: String, metadata: Logger.Metadata,
                                               _ body: @escaping @Sendable () async throws -> Void) async throws {
        var failures = 0
        while true {
            do {
                try await withDeadline(stepDeadline) { try await body() }
                return
            } catch where isDatabaseUnavailable(error) && !stopping {
                failures += 1
                if failures == 1 || failures % 10 == 0 {
                    var metadata = metadata
                    metadata["failures"] = "\(failures)"
                    metadata["error"] = "\(String(reflecting: error))"
                    logger.warning("\(what): database unavailable; retrying", metadata: metadata)
                }
                await idle(.milliseconds(min(2_000, 100 * failures)))
            }
        }
    }

    /// The text in the recipient's language and the number, opened in memory for this call only.
    func prepare(_ record: NotificationRecord, with templates: MessageTemplates) throws -> (sms: OutboundSMS, language: String) {
        try AudienceRule.check(audience: record.audience, template: record.template)
        let rendered = try templates.render(record.template, language: record.language, parameters: record.parameters)
        let number = try protector.open(record.recipient.sealed)
        return (OutboundSMS(notificationID: record.notificationID, to: number, text: rendered.text, claimedAt: record.claimedAt ?? Date()),
                rendered.language)
    }

    private func handle(_ error: ProviderError, record: NotificationRecord, metadata: Logger.Metadata) async throws {
        var metadata = metadata
        metadata["reason"] = "\(error.reason)"
        switch error.code {
        case .retriable:
            guard record.attempts < configuration.maxAttempts else {
                logger.warning("sms failed: attempts exhausted", metadata: metadata)
                try await fail(record, reason: "attempts exhausted (\(record.attempts)): \(error.detail)", metricReason: "retries_exhausted",
                               logger: logger)
                return
            }
            let policy = RetryPolicy(maxAttempts: configuration.maxAttempts, initialBackoff: configuration.initialBackoff,
                                     maxBackoff: configuration.maxBackoff)
            let backoff = max(policy.backoff(afterAttempt: record.attempts), error.retryAfter ?? .zero)
            let next = sendWindow.earliestSend(for: record.priority, timeZone: record.timeZone, activeHours: record.activeHours,
                                               at: Date().addingTimeInterval(backoff.seconds))
            logger.notice("sms attempt failed; retrying", metadata: metadata)
            try await store.recordRetry(record, notBefore: next, reason: "attempt \(record.attempts) failed: \(error.detail)", logger: logger)
        case .optedOut:
            logger.notice("sms refused: recipient opted out at the gateway", metadata: metadata)
            try await store.recordFailure(record, reason: "opted out: \(error.detail)", optOut: true, logger: logger)
            NotificationMetrics.failed(provider: provider.name, reason: "opted_out")
        case .ambiguous:
            logger.warning("sms outcome unknown; will reconcile, not resend", metadata: metadata)
            try await store.recordUnknown(record, reason: "\(error.detail); will be reconciled, not resent",
                                          reconcileAfter: Date().addingTimeInterval(reconcileDelay.seconds), logger: logger)
        default:
            logger.warning("sms failed permanently", metadata: metadata)
            try await fail(record, reason: error.detail, metricReason: error.reason, logger: logger)
        }
    }

    private func fail(_ record: NotificationRecord, reason: String, metricReason: String, logger: Logger) async throws {
        try await store.recordFailure(record, reason: reason, logger: logger)
        NotificationMetrics.failed(provider: provider.name, reason: metricReason)
    }
}

/// Reporter templates go to reporters and member templates to members, never across:
/// a member alert names the category and place, which a reporter's shared phone must not show.
enum AudienceRule {
    static func check(audience: String, template: String) throws {
        let prefix = template.split(separator: ".").first.map(String.init) ?? ""
        guard prefix == audience || (prefix != "reporter" && prefix != "member") else {
            throw TemplateError(code: .wrongAudience, message: "template \(template) is not for audience \(audience)")
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
