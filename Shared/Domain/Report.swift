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
/// It carries no phone number in clear; the reporter appears only as a pseudonym once intake
/// handles phone numbers.
public struct ReportReceived: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.report.received.v1"

    public var reportID: ReportID
    public var referenceCode: ReferenceCode
    public var channel: ReportChannel
    public var language: String
    public var text: String
    public var locationHint: String?
    public var receivedAt: Date

    public init(
        reportID: ReportID, referenceCode: ReferenceCode, channel: ReportChannel, language: String,
        text: String, locationHint: String?, receivedAt: Date
    ) {
        self.reportID = reportID
        self.referenceCode = referenceCode
        self.channel = channel
        self.language = language
        self.text = text
        self.locationHint = locationHint
        self.receivedAt = receivedAt
    }
}
