import Foundation

/// How a report reached the hotline.
public enum ReportChannel: String, Codable, Sendable, CaseIterable {
    case sms
    case ussd
    case operatorDesk = "operator"
    case api
}

/// Payload of `hotline.reports.received`, type `org.hotline.report.received.v1`.
///
/// It carries no phone number in clear: the reporter, when known, appears as a pseudonym and a
/// sealed number that only the notification service opens.
public struct ReportReceived: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.report.received.v1"

    public var reportID: ReportID
    public var referenceCode: ReferenceCode
    public var channel: ReportChannel
    public var language: String
    public var text: String
    public var locationHint: String?
    public var receivedAt: Date
    /// Nil for an anonymous report.
    public var reporter: ProtectedPhone?
    /// A category the reporter or operator chose (USSD menu, operator form), if any.
    public var categoryHint: String?
    /// A gazetteer code the reporter chose (USSD menu), if any.
    public var placeCode: String?

    public init(
        reportID: ReportID, referenceCode: ReferenceCode, channel: ReportChannel, language: String,
        text: String, locationHint: String?, receivedAt: Date, reporter: ProtectedPhone? = nil,
        categoryHint: String? = nil, placeCode: String? = nil
    ) {
        self.reportID = reportID
        self.referenceCode = referenceCode
        self.channel = channel
        self.language = language
        self.text = text
        self.locationHint = locationHint
        self.receivedAt = receivedAt
        self.reporter = reporter
        self.categoryHint = categoryHint
        self.placeCode = placeCode
    }
}

/// Payload of `hotline.commands.received`: an inbound SMS that is not a new report.
public struct CommandReceived: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.command.received.v1"

    public enum Kind: String, Codable, Sendable {
        case reporterCommand = "reporter_command"
        case responderCommand = "responder_command"
        case optOut = "opt_out"
        case optIn = "opt_in"
    }

    public var commandID: String
    public var kind: Kind
    public var reporterCommand: ReporterCommand?
    public var responderCommand: ResponderCommand?
    public var sender: ProtectedPhone
    public var channel: ReportChannel
    public var receivedAt: Date

    public init(commandID: String, kind: Kind, reporterCommand: ReporterCommand? = nil, responderCommand: ResponderCommand? = nil,
                sender: ProtectedPhone, channel: ReportChannel, receivedAt: Date) {
        self.commandID = commandID
        self.kind = kind
        self.reporterCommand = reporterCommand
        self.responderCommand = responderCommand
        self.sender = sender
        self.channel = channel
        self.receivedAt = receivedAt
    }
}

/// Payload of a gateway delivery report forwarded to `hotline.notifications.status`.
/// The recipient's number is dropped; the provider message id is what matches it to a notification.
public struct DeliveryStatusReceived: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.notification.delivery-report.v1"

    public var provider: String
    public var providerMessageID: String
    public var providerStatus: String
    /// Normalised: queued, sent, delivered, failed.
    public var status: String
    public var failureReason: String?
    public var errorCode: String?
    public var retryCount: Int?
    public var networkCode: String?
    public var receivedAt: Date

    public init(provider: String, providerMessageID: String, providerStatus: String, status: String, failureReason: String?,
                errorCode: String?, retryCount: Int?, networkCode: String?, receivedAt: Date) {
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.providerStatus = providerStatus
        self.status = status
        self.failureReason = failureReason
        self.errorCode = errorCode
        self.retryCount = retryCount
        self.networkCode = networkCode
        self.receivedAt = receivedAt
    }
}
