import HotlinePrivacy
import HotlineRuntime
import HotlineStorage

/// Intake's own settings, read after the shared ones (see the README's table).
public struct IntakeConfiguration: Sendable {
    public enum Gateway: String, Sendable, CaseIterable {
        case africastalking, twilio, generic
    }

    public var enabledGateways: Set<Gateway> = Set(Gateway.allCases)
    public var keyring: PIIKeyring = .development
    /// Country calling code for numbers that arrive in national form.
    public var defaultCountryCode: String = "223"
    /// ISO 3166-1 alpha-2 code whose regions the USSD menu offers.
    public var country: String = "ML"
    public var africasTalkingToken: String? = "dev-africastalking-token"
    public var africasTalkingAllowedNetworks: [IPNetwork] = []
    public var trustedProxies: [IPNetwork] = []
    public var twilioAuthToken: String? = "dev-twilio-auth-token"
    /// Public base URL Twilio calls, e.g. `https://hotline.example.org`, for deployments behind a proxy.
    public var publicBaseURL: String?
    public var relaySecret: String? = "dev-relay-secret"
    /// Inbound messages per sender per hour before intake stops routing them.
    public var senderLimitPerHour: Int = 30
    public var ussdSessionLifetimeSeconds: Int = 300
    /// How new reports of concurrent requests share commits.
    public var groupCommit = GroupCommitConfiguration()

    public init() {}

    public static func fromEnvironment(_ reader: inout EnvironmentReader) -> IntakeConfiguration {
        var configuration = IntakeConfiguration()
        let gatewayList = reader.string("HOTLINE_GATEWAYS", default: "africastalking,twilio,generic")
        var gateways: Set<Gateway> = []
        for name in gatewayList.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            if let gateway = Gateway(rawValue: name) { gateways.insert(gateway) } else { reader.report("HOTLINE_GATEWAYS: unknown gateway \(name)") }
        }
        configuration.enabledGateways = gateways

        configuration.keyring = PIIKeyring.fromEnvironment(&reader)
        configuration.defaultCountryCode = reader.string("HOTLINE_DEFAULT_COUNTRY_CODE", default: "223")
        configuration.country = reader.string("HOTLINE_COUNTRY", default: "ML")
        if gateways.contains(.africastalking) {
            configuration.africasTalkingToken = reader.secret("HOTLINE_AT_WEBHOOK_TOKEN", developmentDefault: "dev-africastalking-token")
            configuration.africasTalkingAllowedNetworks = parseNetworks("HOTLINE_AT_ALLOWED_NETWORKS", &reader)
        }
        if gateways.contains(.twilio) {
            configuration.twilioAuthToken = reader.secret("HOTLINE_TWILIO_AUTH_TOKEN", developmentDefault: "dev-twilio-auth-token")
        }
        if gateways.contains(.generic) {
            configuration.relaySecret = reader.secret("HOTLINE_RELAY_SECRET", developmentDefault: "dev-relay-secret")
        }
        configuration.trustedProxies = parseNetworks("HOTLINE_TRUSTED_PROXIES", &reader)
        configuration.publicBaseURL = reader.values["HOTLINE_PUBLIC_BASE_URL"].flatMap { $0.isEmpty ? nil : String($0.trimmingSuffix("/")) }
        configuration.senderLimitPerHour = reader.int("HOTLINE_INTAKE_SENDER_LIMIT_PER_HOUR", default: 30)
        configuration.ussdSessionLifetimeSeconds = reader.int("HOTLINE_USSD_SESSION_SECONDS", default: 300)
        configuration.groupCommit.maximumBatchSize = max(1, reader.int("HOTLINE_INTAKE_GROUP_COMMIT_BATCH", default: 64))
        configuration.groupCommit.concurrentCommits = max(1, reader.int("HOTLINE_INTAKE_GROUP_COMMITS", default: 4))
        return configuration
    }

    private static func parseNetworks(_ name: String, _ reader: inout EnvironmentReader) -> [IPNetwork] {
        reader.string(name, default: "").split(separator: ",").compactMap { entry in
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard let network = IPNetwork(text) else {
                reader.report("\(name): \(text) is not a CIDR network")
                return nil
            }
            return network
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: Character) -> Substring {
        var slice = self[...]
        while slice.last == suffix { slice = slice.dropLast() }
        return slice
    }
}
