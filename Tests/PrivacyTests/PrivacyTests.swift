import Crypto
import Foundation
import HotlineDomain
import HotlinePrivacy
import Testing

@Suite("Phone numbers")
struct PhoneNumberTests {
    @Test("gateway and operator forms normalise to E.164", arguments: [
        ("+223 76 12 34 56", "223", "+22376123456"),
        ("0022376123456", "223", "+22376123456"),
        ("22376123456", "223", "+22376123456"),
        ("76-12-34-56", "223", "+22376123456"),
        ("0803 123 4567", "234", "+2348031234567"),
        ("+234 (0)803 123 4567", "234", "+23408031234567"),
        ("+227 90 12 34 56", "223", "+22790123456"),
        ("\u{00A0}+226 70 11 22 33 ", "223", "+22670112233"),
    ])
    func normalises(raw: String, country: String, expected: String) {
        #expect(PhoneNumber.normalise(raw, defaultCountryCode: country)?.e164 == expected)
    }

    @Test("what is not a phone number is refused", arguments: ["", "hello", "+", "12", "+0123456789", "76 12 34 56 ext 4", "+2237612345678901234", "76123456;DROP"])
    func refuses(raw: String) {
        #expect(PhoneNumber.normalise(raw, defaultCountryCode: "223") == nil)
    }

    @Test("interpolating a number never prints it")
    func redacted() throws {
        let phone = try #require(PhoneNumber.normalise("+22376123456", defaultCountryCode: "223"))
        #expect(!"\(phone)".contains("76123456"))
        #expect(!String(reflecting: phone).contains("76123456") || String(reflecting: phone).contains("e164"),
                "debug output names the field, it is only for debugging sessions")
    }
}

@Suite("PII protection")
struct PIIProtectorTests {
    let protector = PIIProtector(keyring: .development)
    let phone = PhoneNumber.normalise("+22376123456", defaultCountryCode: "223")!

    @Test("the pseudonym is a stable keyed HMAC and depends on the key")
    func pseudonym() throws {
        let first = protector.pseudonym(of: phone)
        #expect(first == protector.pseudonym(of: phone))
        #expect(first.count == 64 && !first.contains("76123456"))
        let other = PIIProtector(keyring: try PIIKeyring(
            pseudonymKeyBase64: Data(repeating: 7, count: 32).base64EncodedString(),
            encryptionKeys: "k1:\(Data(repeating: 1, count: 32).base64EncodedString())", activeKeyID: nil))
        #expect(other.pseudonym(of: phone) != first, "without the key nobody can recompute pseudonyms from a number list")
    }

    @Test("the cached keyed HMAC gives each number the one-shot HMAC of it, whatever came before")
    func cachedPseudonymKey() {
        let numbers = (0..<500).map { PhoneNumber.normalise("+2237\(String(format: "%07d", $0 * 7_919))", defaultCountryCode: "223")! }
        for number in numbers + numbers.reversed() {
            let oneShot = HMAC<SHA256>.authenticationCode(for: Data(number.e164.utf8), using: PIIKeyring.development.pseudonymKey)
            #expect(protector.pseudonym(of: number) == oneShot.map { String(format: "%02x", $0) }.joined())
        }
    }

    @Test("sealing is randomised, carries its key id, and opens only with the right key")
    func sealing() throws {
        let a = try protector.seal(phone)
        let b = try protector.seal(phone)
        #expect(a.ciphertext != b.ciphertext, "a fresh nonce each time")
        #expect(a.keyID == "dev1")
        #expect(!Data(base64Encoded: a.ciphertext)!.contains(Data("76123456".utf8)))
        #expect(try protector.open(a) == "+22376123456")

        var tampered = a
        var bytes = Data(base64Encoded: a.ciphertext)!
        bytes[bytes.count - 1] ^= 0x01
        tampered.ciphertext = bytes.base64EncodedString()
        #expect(throws: (any Error).self) { try protector.open(tampered) }

        var relabelled = a
        relabelled.keyID = "dev2"
        #expect(throws: (any Error).self) { try protector.open(relabelled) }
    }

    @Test("rotation: old ciphertexts still open, and reseal moves them to the active key")
    func rotation() throws {
        let oldKey = Data(repeating: 1, count: 32).base64EncodedString()
        let newKey = Data(repeating: 2, count: 32).base64EncodedString()
        let pseudonymKey = Data(repeating: 9, count: 32).base64EncodedString()
        let before = PIIProtector(keyring: try PIIKeyring(pseudonymKeyBase64: pseudonymKey, encryptionKeys: "k1:\(oldKey)", activeKeyID: "k1"))
        let after = PIIProtector(keyring: try PIIKeyring(pseudonymKeyBase64: pseudonymKey, encryptionKeys: "k2:\(newKey),k1:\(oldKey)", activeKeyID: "k2"))
        let sealed = try before.seal(phone)
        #expect(try after.open(sealed) == phone.e164)
        let resealed = try after.reseal(sealed)
        #expect(resealed.keyID == "k2")
        #expect(try after.open(resealed) == phone.e164)
        #expect(before.pseudonym(of: phone) == after.pseudonym(of: phone), "rotation keeps pseudonyms, so joins survive")
    }

    @Test("key configuration errors are explicit")
    func badKeys() {
        #expect(throws: PIIKeyError.self) { try PIIKeyring(pseudonymKeyBase64: "***", encryptionKeys: "k1:AAAA", activeKeyID: nil) }
        #expect(throws: PIIKeyError.self) {
            try PIIKeyring(pseudonymKeyBase64: Data(repeating: 1, count: 32).base64EncodedString(),
                           encryptionKeys: "k1:\(Data(repeating: 1, count: 16).base64EncodedString())", activeKeyID: nil)
        }
        #expect(throws: PIIKeyError.self) {
            try PIIKeyring(pseudonymKeyBase64: Data(repeating: 1, count: 32).base64EncodedString(),
                           encryptionKeys: "k1:\(Data(repeating: 1, count: 32).base64EncodedString())", activeKeyID: "k9")
        }
    }
}

@Suite("Webhook signatures")
struct WebhookSignatureTests {
    struct Fixture: Decodable {
        var name: String
        var auth_token: String
        var url: String
        var params: [String: String]
        var signature: String
    }

    @Test("Twilio's documented example")
    func twilioDocumentedExample() {
        let parameters = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
                          ("From", "+12349013030"), ("To", "+18005551212")]
        let signature = WebhookSignature.twilio(authToken: "12345", url: "https://mycompany.com/myapp.php?foo=1&bar=2", parameters: parameters)
        #expect(signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    }

    @Test("signatures made by Twilio's official helper library verify, and any change breaks them")
    func twilioHelperLibraryFixtures() throws {
        let path = try #require(ProcessInfo.processInfo.environment["HOTLINE_TEST_TWILIO_FIXTURES"],
                                "scripts/test.sh writes these fixtures with the twilio PyPI package")
        let fixtures = try JSONDecoder().decode([Fixture].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(fixtures.count >= 4)
        for fixture in fixtures {
            let parameters = fixture.params.map { ($0.key, $0.value) }
            #expect(WebhookSignature.verifyTwilio(signature: fixture.signature, authToken: fixture.auth_token, url: fixture.url, parameters: parameters),
                    "\(fixture.name)")
            #expect(!WebhookSignature.verifyTwilio(signature: fixture.signature, authToken: fixture.auth_token + "x", url: fixture.url, parameters: parameters))
            #expect(!WebhookSignature.verifyTwilio(signature: fixture.signature, authToken: fixture.auth_token, url: fixture.url + "&x=1", parameters: parameters))
            let altered = parameters.map { $0.0 == "To" ? ($0.0, $0.1 + "0") : $0 }
            #expect(!WebhookSignature.verifyTwilio(signature: fixture.signature, authToken: fixture.auth_token, url: fixture.url, parameters: altered))
        }
    }

    @Test("generic relay HMAC-SHA256 over the raw body")
    func genericRelay() {
        let body = Array(#"{"id":"m-1","text":"Vol à Gao"}"#.utf8)
        let header = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: "relay-secret", body: body)
        #expect(WebhookSignature.verifyHMACSHA256(header: header, secret: "relay-secret", body: body))
        #expect(WebhookSignature.verifyHMACSHA256(header: header.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), secret: "relay-secret", body: body))
        #expect(!WebhookSignature.verifyHMACSHA256(header: header, secret: "other", body: body))
        #expect(!WebhookSignature.verifyHMACSHA256(header: header, secret: "relay-secret", body: body + [0x20]))
        #expect(!WebhookSignature.verifyHMACSHA256(header: String(header.dropLast()), secret: "relay-secret", body: body))
        #expect(!WebhookSignature.verifyHMACSHA256(header: "md5=abc", secret: "relay-secret", body: body))
    }

    @Test("constant-time comparison is still a correct comparison")
    func constantTime() {
        #expect(WebhookSignature.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!WebhookSignature.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!WebhookSignature.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!WebhookSignature.constantTimeEquals([], [0]))
    }
}
