import Foundation

/// Payload of the notification service's own events on `hotline.notifications.status`,
/// type `org.hotline.notification.status.v1`: one per change in a notification's life.
///
/// It is made for the analysts' warehouse: it carries no phone number, no pseudonym and no
/// ciphertext, only what was sent, how, and what became of it.
public struct NotificationStatusChanged: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.notification.status.v1"

    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Stored and waiting for its turn (also after a retriable failure, with the reason).
        case queued
        /// Accepted by the gateway.
        case sent
        /// The gateway reported delivery to the handset.
        case delivered
        /// Given up: permanent error, attempts exhausted, or a failed delivery report.
        case failed
        /// The service stopped between claiming the message and recording the gateway's answer,
        /// and the gateway cannot say whether it sent it: never resent blindly.
        case unknown
        /// Not sent, on purpose: the recipient opted out.
        case suppressed
    }

    public var notificationID: String
    public var caseID: UUID?
    public var referenceCode: ReferenceCode?
    public var template: String
    public var audience: String
    public var language: String
    public var priority: NotificationRequested.Priority
    public var provider: String?
    public var providerMessageID: String?
    public var status: Status
    public var reason: String?
    public var attempt: Int
    /// `gsm7` or `ucs2`, once the text has been rendered.
    public var encoding: String?
    public var segments: Int?
    public var at: Date

    public init(notificationID: String, caseID: UUID?, referenceCode: ReferenceCode?, template: String, audience: String,
                language: String, priority: NotificationRequested.Priority, provider: String?, providerMessageID: String?,
                status: Status, reason: String?, attempt: Int, encoding: String?, segments: Int?, at: Date) {
        self.notificationID = notificationID
        self.caseID = caseID
        self.referenceCode = referenceCode
        self.template = template
        self.audience = audience
        self.language = language
        self.priority = priority
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.status = status
        self.reason = reason
        self.attempt = attempt
        self.encoding = encoding
        self.segments = segments
        self.at = at
    }
}
