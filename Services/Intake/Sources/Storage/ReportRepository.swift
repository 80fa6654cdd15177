import Foundation
import HotlineDomain
import HotlineStorage
import Logging

/// Where an inbound message came from. With the gateway's message id it is the idempotency key.
enum InboundChannel: String, Sendable {
    case africasTalkingSMS = "africastalking_sms"
    case africasTalkingDelivery = "africastalking_delivery"
    case africasTalkingUSSD = "africastalking_ussd"
    case twilioSMS = "twilio_sms"
    case twilioStatus = "twilio_status"
    case genericSMS = "generic_sms"
    case operatorAPI = "operator"
}

struct InboundKey: Sendable, Hashable {
    var channel: InboundChannel
    /// The gateway's message id, or the operator's Idempotency-Key scoped to their API key.
    var messageID: String
}

/// What intake did with an inbound message. A retried delivery gets the same answer.
enum InboundOutcome: Sendable, Equatable {
    case report(ReportID, ReferenceCode)
    case command
    case optOut
    case optIn
    /// Over the sender's hourly limit: acknowledged to the gateway, counted, not routed.
    case throttled
    case deliveryStatus
}

struct InboundResult: Sendable, Equatable {
    var outcome: InboundOutcome
    var isDuplicate: Bool
}

/// A report that passed validation and is ready to be stored.
struct ReportSubmission: Sendable {
    var channel: ReportChannel
    var language: String
    var text: String
    var locationHint: String?
    var reporter: ProtectedPhone?
    var categoryHint: String?
    var placeCode: String?
}

/// Intake's durable state. Each call is one transaction: the idempotency claim, the change, and
/// the outbox event commit together or not at all, so a 2xx always means durably accepted.
protocol IntakeRepository: Sendable {
    func acceptSMS(key: InboundKey, sender: ProtectedPhone, text: String, language: String?, logger: Logger) async throws -> InboundResult
    func acceptReport(key: InboundKey?, requestHash: String?, submission: ReportSubmission, logger: Logger) async throws -> InboundResult
    func acceptDeliveryStatus(key: InboundKey, status: DeliveryStatusReceived, logger: Logger) async throws -> InboundResult
}

struct IdempotencyConflict: Error {}
