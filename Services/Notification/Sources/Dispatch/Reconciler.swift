import Foundation
import HotlineConcurrency
import HotlineRuntime
import Logging
import ServiceLifecycle

/// Crash recovery. A message claimed but never recorded (its instance died between the claim
/// and the gateway's answer) becomes `unknown` when its lease expires. It is then looked up at
/// the gateway, never blindly resent:
/// - the gateway has it (Twilio, by SID or by recipient, day and body): recorded as sent;
/// - the gateway affirms it never got it: queued again, and that send is its first;
/// - the gateway cannot tell (Africa's Talking, log): it stays `unknown`, visible to operators.
/// It also applies delivery reports left waiting after crossing their send's record.
extension Dispatcher {
    func recoveryLoop() async {
        let interval = min(max(configuration.claimLease / 4, .milliseconds(200)), .seconds(5))
        await repeatPeriodically(every: interval, logger: logger, failure: "recovery step failed; retrying next tick") {
            try await withDeadline(.seconds(60)) { try await recoverOnce() }
        }
    }

    func recoverOnce() async throws {
        for record in try await recovery.expireLeases(logger: logger) {
            logger.warning("claim expired without a result; marked unknown", metadata: [
                "notification_id": "\(record.notificationID)", "attempt": "\(record.attempts)",
            ])
        }
        for record in try await recovery.dueForReconciliation(limit: 20, hold: reconcileDelay, logger: logger) {
            try await reconcile(record)
        }
        let settled = try await store.applyStrandedDeliveryReports(limit: 100, logger: logger)
        if settled > 0 {
            logger.notice("delivery reports that crossed their send's record applied", metadata: ["messages": "\(settled)"])
        }
        let backlog = try await recovery.backlog(logger: logger)
        NotificationMetrics.backlog(pending: backlog.pending, awaitingDecision: backlog.awaitingDecision)
    }

    private func reconcile(_ record: NotificationRecord) async throws {
        let metadata: Logger.Metadata = ["notification_id": "\(record.notificationID)", "provider": "\(record.provider ?? "none")"]
        guard record.provider == provider.name else {
            try await recovery.settleUnknown(record, reason: "provider \(record.provider ?? "none") is not configured here; not resent",
                                             logger: logger)
            return
        }
        let prepared: (sms: OutboundSMS, language: String)
        let lookup: ProviderLookup
        do {
            prepared = try prepare(record, with: try await templates.templates(logger: logger))
            lookup = try await provider.lookup(prepared.sms, providerMessageID: record.providerMessageID)
        } catch {
            logger.warning("reconciliation lookup failed; will ask again", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return
        }
        switch lookup {
        case .found(let receipt):
            let encoding = SMSEncoding.analyse(prepared.sms.text)
            try await store.recordSent([DispatchStore.Sent(record: record, receipt: receipt, language: prepared.language, encoding: encoding)],
                                       provider: provider.name, logger: logger)
            NotificationMetrics.sent(provider: provider.name, encoding: encoding.alphabet.rawValue, segments: encoding.segments)
            logger.notice("reconciled: the gateway had sent it", metadata: metadata)
        case .notFound:
            try await recovery.requeue(record, reason: "reconciled: the gateway never received it; sending it now is not a repeat",
                                       logger: logger)
            logger.notice("reconciled: not at the gateway; queued again", metadata: metadata)
        case .unsupported:
            try await recovery.settleUnknown(
                record, reason: "\(provider.name) cannot be asked whether it sent the message; left unknown, not resent", logger: logger)
            NotificationMetrics.failed(provider: provider.name, reason: "unknown")
            logger.warning("outcome unknown and the gateway cannot be asked; not resent", metadata: metadata)
        }
    }
}
