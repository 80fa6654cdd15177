import Foundation

/// One SMS on its way out. The number is in clear only here, in memory, for the call.
public struct OutboundSMS: Sendable {
    public var notificationID: String
    /// E.164, opened from its AES-GCM ciphertext just before the call.
    public var to: String
    public var text: String
    /// When this attempt was claimed; reconciliation searches the gateway from there.
    public var claimedAt: Date

    public init(notificationID: String, to: String, text: String, claimedAt: Date) {
        self.notificationID = notificationID
        self.to = to
        self.text = text
        self.claimedAt = claimedAt
    }
}

/// The gateway accepted the message.
public struct ProviderReceipt: Sendable, Equatable {
    public var providerMessageID: String
    /// The gateway's own word for the state (`Success`, `queued`, `delivered`…).
    public var providerStatus: String
    /// True when the gateway already reports delivery to the handset.
    public var delivered: Bool

    public init(providerMessageID: String, providerStatus: String, delivered: Bool = false) {
        self.providerMessageID = providerMessageID
        self.providerStatus = providerStatus
        self.delivered = delivered
    }
}

/// Why a send did not succeed, and so what the dispatcher does next.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Not sent; trying again later may work (429, 5xx, connection refused).
        public static let retriable = Code("retriable")
        /// Not sent, and never will be (invalid number, bad credentials, 4xx).
        public static let permanent = Code("permanent")
        /// The recipient opted out at the gateway (Twilio 21610, Africa's Talking blacklist).
        public static let optedOut = Code("opted_out")
        /// The request left but no answer came back (timeout, connection reset): it may have been
        /// sent. Never resent blindly; reconciled through the gateway's status where it has one.
        public static let ambiguous = Code("ambiguous")
    }

    public var code: Code
    /// Short, low-cardinality reason for metrics (`http_429`, `twilio_21211`, `InvalidPhoneNumber`).
    public var reason: String
    /// Human-readable detail for the history; never contains the number.
    public var detail: String
    /// From a `Retry-After` header, when the gateway gave one.
    public var retryAfter: Duration?

    public init(code: Code, reason: String, detail: String, retryAfter: Duration? = nil) {
        self.code = code
        self.reason = reason
        self.detail = detail
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code) \(reason): \(detail)" }
}

/// What the gateway says about a message whose outcome this service failed to record.
public enum ProviderLookup: Sendable, Equatable {
    /// The gateway has it: record it as sent with this id.
    case found(ProviderReceipt)
    /// The gateway affirms it never received it: sending it now is not a duplicate.
    case notFound
    /// The gateway has no way to tell: the message stays `unknown` and is not resent.
    case unsupported
}

/// A pluggable SMS gateway.
public protocol SMSProvider: Sendable {
    /// `africastalking`, `twilio`, `log`: recorded with each message and used as a metric label.
    var name: String { get }
    /// The sending identity (long code, shortcode, sender id, messaging service). Rate limits
    /// are kept per provider and sender.
    var sender: String { get }
    /// Sends one SMS; throws `ProviderError` for every failure.
    func send(_ sms: OutboundSMS) async throws -> ProviderReceipt
    /// Asks the gateway whether it has this message (by its id when known, otherwise by
    /// recipient, time and text).
    func lookup(_ sms: OutboundSMS, providerMessageID: String?) async throws -> ProviderLookup
}
