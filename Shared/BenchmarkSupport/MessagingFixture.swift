import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import NotificationService

/// Inputs for the messaging micro-benchmarks: a signed Twilio webhook, a reporter's number, and the
/// shipped SMS templates. Each entry point calls the production code, nothing copied.
public struct MessagingFixture: Sendable {
    let protector = PIIProtector(keyring: .development)
    let phone: PhoneNumber
    let templates: MessageTemplates
    let twilioURL = "https://hotline.example.org/v1/inbound/twilio/sms"
    let twilioToken = "dev-twilio-auth-token"
    let twilioParameters: [(String, String)]
    let twilioSignature: String

    public init(referenceDirectory: String) throws {
        phone = PhoneNumber.normalise("+22376123456", defaultCountryCode: "223")!
        let source = try String(contentsOfFile: referenceDirectory + "/" + MessageTemplates.fileName, encoding: .utf8)
        templates = try MessageTemplates.parse(source, defaultLanguage: "fr")
        // The fields Twilio posts for an inbound SMS (fictional values).
        twilioParameters = [
            ("AccountSid", "ACdevelopment"), ("ApiVersion", "2010-04-01"), ("Body", "Des hommes armés ont attaqué le marché de Sévaré"),
            ("From", "+22376123456"), ("FromCountry", "ML"), ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("NumMedia", "0"), ("NumSegments", "1"), ("SmsMessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("SmsSid", "SM0123456789abcdef0123456789abcdef"), ("SmsStatus", "received"), ("To", "+15005550006"),
            ("ToCountry", "US"),
        ]
        twilioSignature = WebhookSignature.twilio(authToken: twilioToken, url: twilioURL, parameters: twilioParameters)
    }

    /// Verifies the `X-Twilio-Signature` of one inbound SMS webhook.
    public func verifyTwilioSignature() -> Bool {
        WebhookSignature.verifyTwilio(signature: twilioSignature, authToken: twilioToken, url: twilioURL, parameters: twilioParameters)
    }

    /// The pseudonym HMAC plus the AES-GCM seal of one number, as intake does for every report.
    public func protectPhone() throws -> Int {
        let protected = try protector.protect(phone)
        return protected.pseudonym.utf8.count + protected.sealed.ciphertext.utf8.count
    }

    /// Renders the reporter acknowledgement in French and counts its GSM-7/UCS-2 segments.
    public func renderAcknowledgement() throws -> Int {
        let rendered = try templates.render("reporter.acknowledgement", language: "fr", parameters: ["reference_code": "7K3Q9T"])
        return SMSEncoding.analyse(rendered.text).segments
    }

    /// The same in Arabic (UCS-2).
    public func renderArabicAcknowledgement() throws -> Int {
        let rendered = try templates.render("reporter.acknowledgement", language: "ar", parameters: ["reference_code": "7K3Q9T"])
        return SMSEncoding.analyse(rendered.text).segments
    }
}
