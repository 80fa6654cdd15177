import Foundation
import HotlineDomain
import HotlineRuntime

/// The notification service's own settings (see the README's table).
public struct NotificationConfiguration: Sendable {
    public enum ProviderKind: String, Sendable, CaseIterable {
        case log
        case africastalking
        case twilio
    }

    public struct AfricasTalking: Sendable {
        public var baseURL: String = "https://api.africastalking.com"
        public var username: String = "sandbox"
        public var apiKey: String = ""
        /// Sender id or shortcode (`from`); nil lets the account's default apply.
        public var senderID: String?
        public init() {}
    }

    public struct Twilio: Sendable {
        public var baseURL: String = "https://api.twilio.com"
        public var accountSID: String = ""
        public var authToken: String = ""
        public var from: String?
        public var messagingServiceSID: String?
        public var statusCallbackURL: String?
        public init() {}
    }

    public var provider: ProviderKind = .log
    /// Every instance of the service shares this consumer group.
    public var consumerGroup: String = "hotline-notification"
    public var africasTalking = AfricasTalking()
    public var twilio = Twilio()
    /// Language used when a template has no text in the requested one.
    public var defaultLanguage: String = "fr"
    /// Messages per second per (provider, sender), held across replicas. 1 suits a Twilio long code.
    public var ratePerSecond: Double = 1
    /// How many messages may go at once after an idle spell.
    public var rateBurst: Double = 1
    /// Headroom for the time between a token's grant and the message reaching the gateway:
    /// the bucket holds `burst − rate × headroom` (at least one) tokens, so sends granted at the
    /// end of one second and arriving in the next still keep every second within rate + burst.
    public var rateHeadroom: Duration = .milliseconds(50)

    /// The bucket size the limiter uses; see `rateHeadroom`.
    var effectiveBurst: Double {
        let headroom = Double(rateHeadroom.components.seconds) + Double(rateHeadroom.components.attoseconds) / 1e18
        return max(1, rateBurst - ratePerSecond * headroom)
    }
    public var maxAttempts: Int = 5
    public var initialBackoff: Duration = .seconds(2)
    public var maxBackoff: Duration = .seconds(300)
    /// How long a claimed message may stay unrecorded before it is treated as a crash (`unknown`).
    public var claimLease: Duration = .seconds(120)
    /// Each in-flight send is one dispatcher loop; the rate limit still holds across all of them.
    public var dispatchers: Int = 2
    /// Messages one dispatcher loop claims together and sends side by side.
    public var dispatchBatch: Int = 8
    public var pollInterval: Duration = .milliseconds(500)
    public var httpTimeout: Duration = .seconds(30)
    public var quietHours: DailyWindow?
    public var quietHoursTimeZone: String = "Africa/Bamako"
    public var referenceRefresh: Duration = .seconds(60)
    /// How long after an ambiguous answer (or between two looks) a gateway is asked what became of a message.
    public var reconcileDelay: Duration = .seconds(30)

    public init() {}

    public static func fromEnvironment(_ reader: inout EnvironmentReader) -> NotificationConfiguration {
        var configuration = NotificationConfiguration()
        let providerName = reader.string("HOTLINE_SMS_PROVIDER", default: "log")
        if let kind = ProviderKind(rawValue: providerName) {
            configuration.provider = kind
        } else {
            reader.report("HOTLINE_SMS_PROVIDER must be one of \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        configuration.defaultLanguage = reader.string("HOTLINE_DEFAULT_LANGUAGE", default: "fr")

        switch configuration.provider {
        case .africastalking:
            configuration.africasTalking.baseURL = reader.string("HOTLINE_AT_BASE_URL", default: configuration.africasTalking.baseURL)
            configuration.africasTalking.username = reader.string("HOTLINE_AT_USERNAME", default: "sandbox")
            configuration.africasTalking.apiKey = reader.secret("HOTLINE_AT_API_KEY", developmentDefault: "dev-africastalking-api-key") ?? ""
            configuration.africasTalking.senderID = reader.values["HOTLINE_AT_SENDER_ID"].flatMap { $0.isEmpty ? nil : $0 }
        case .twilio:
            configuration.twilio.baseURL = reader.string("HOTLINE_TWILIO_BASE_URL", default: configuration.twilio.baseURL)
            configuration.twilio.accountSID = reader.secret("HOTLINE_TWILIO_ACCOUNT_SID", developmentDefault: "ACdevelopment") ?? ""
            configuration.twilio.authToken = reader.secret("HOTLINE_TWILIO_AUTH_TOKEN", developmentDefault: "dev-twilio-auth-token") ?? ""
            configuration.twilio.from = reader.values["HOTLINE_TWILIO_FROM"].flatMap { $0.isEmpty ? nil : $0 }
            configuration.twilio.messagingServiceSID = reader.values["HOTLINE_TWILIO_MESSAGING_SERVICE_SID"].flatMap { $0.isEmpty ? nil : $0 }
            if configuration.twilio.from == nil, configuration.twilio.messagingServiceSID == nil, reader.mode == .production {
                reader.report("set HOTLINE_TWILIO_FROM or HOTLINE_TWILIO_MESSAGING_SERVICE_SID when HOTLINE_SMS_PROVIDER is twilio")
            }
            let publicBase = reader.values["HOTLINE_PUBLIC_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            configuration.twilio.statusCallbackURL = reader.values["HOTLINE_TWILIO_STATUS_CALLBACK_URL"].flatMap { $0.isEmpty ? nil : $0 }
                ?? publicBase.map { $0 + "/v1/inbound/twilio/status" }
        case .log:
            break
        }

        configuration.ratePerSecond = reader.double("HOTLINE_SMS_RATE_PER_SECOND", default: 1)
        configuration.rateBurst = reader.double("HOTLINE_SMS_RATE_BURST", default: 1)
        configuration.rateHeadroom = .milliseconds(max(0, reader.int("HOTLINE_SMS_RATE_HEADROOM_MS", default: 50)))
        if configuration.ratePerSecond <= 0 || configuration.rateBurst < 1 {
            reader.report("HOTLINE_SMS_RATE_PER_SECOND must be > 0 and HOTLINE_SMS_RATE_BURST ≥ 1")
        }
        configuration.maxAttempts = max(1, reader.int("HOTLINE_SMS_MAX_ATTEMPTS", default: 5))
        configuration.initialBackoff = .milliseconds(reader.int("HOTLINE_SMS_RETRY_INITIAL_MS", default: 2_000))
        configuration.maxBackoff = .seconds(reader.int("HOTLINE_SMS_RETRY_MAX_SECONDS", default: 300))
        configuration.claimLease = .seconds(reader.int("HOTLINE_SMS_CLAIM_LEASE_SECONDS", default: 120))
        configuration.dispatchers = max(1, reader.int("HOTLINE_SMS_DISPATCHERS", default: 2))
        configuration.dispatchBatch = max(1, reader.int("HOTLINE_SMS_DISPATCH_BATCH", default: 8))
        configuration.httpTimeout = .seconds(reader.int("HOTLINE_SMS_HTTP_TIMEOUT_SECONDS", default: 30))
        if configuration.claimLease <= configuration.httpTimeout {
            reader.report("HOTLINE_SMS_CLAIM_LEASE_SECONDS must exceed HOTLINE_SMS_HTTP_TIMEOUT_SECONDS")
        }
        let quiet = reader.string("HOTLINE_QUIET_HOURS", default: "")
        if !quiet.isEmpty {
            if let parsed = DailyWindow(parsing: quiet) { configuration.quietHours = parsed } else {
                reader.report("HOTLINE_QUIET_HOURS must look like 21:00-07:00")
            }
        }
        configuration.quietHoursTimeZone = reader.timeZone(
            "HOTLINE_QUIET_HOURS_TIME_ZONE", default: TimeZone(identifier: configuration.quietHoursTimeZone) ?? .gmt).identifier
        configuration.referenceRefresh = .seconds(reader.int("HOTLINE_REFERENCE_REFRESH_SECONDS", default: 60))
        configuration.reconcileDelay = .seconds(reader.int("HOTLINE_SMS_RECONCILE_SECONDS", default: 30))
        return configuration
    }
}

extension EnvironmentReader {
    mutating func double(_ name: String, default defaultValue: Double) -> Double {
        guard let raw = values[name], !raw.isEmpty else { return defaultValue }
        guard let value = Double(raw) else {
            report("\(name) must be a number, not \(raw)")
            return defaultValue
        }
        return value
    }
}
