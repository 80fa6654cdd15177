import Foundation
import Logging

/// The local default: writes one redacted line per message and records it as sent, so the run
/// command works without a gateway account. The line names the notification, never the number
/// or the text.
public struct LogProvider: SMSProvider {
    public let name = "log"
    public let sender = "log"
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func send(_ sms: OutboundSMS) async throws -> ProviderReceipt {
        let encoding = SMSEncoding.analyse(sms.text)
        logger.info("sms sent (log provider)", metadata: [
            "notification_id": "\(sms.notificationID)", "to": "[redacted]", "characters": "\(sms.text.count)",
            "encoding": "\(encoding.alphabet.rawValue)", "segments": "\(encoding.segments)",
        ])
        return ProviderReceipt(providerMessageID: "log-\(UUID.random().uuidString.lowercased())", providerStatus: "logged")
    }

    public func lookup(_ sms: OutboundSMS, providerMessageID: String?) async throws -> ProviderLookup { .unsupported }
}
