import Crypto
import Foundation

/// Signature checks for inbound webhooks. Every comparison is constant-time.
public enum WebhookSignature {
    /// Twilio's `X-Twilio-Signature`: Base64 of HMAC-SHA1 under the auth token, over the full URL
    /// (with its query string) followed by each POST parameter, sorted by name, as name then value.
    public static func twilio(authToken: String, url: String, parameters: [(String, String)]) -> String {
        var payload = url
        // Sort by name, then value, as Twilio's helpers do for repeated names.
        for (name, value) in parameters.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            payload += name + value
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    public static func verifyTwilio(signature: String, authToken: String, url: String, parameters: [(String, String)]) -> Bool {
        constantTimeEquals(Array(signature.utf8), Array(twilio(authToken: authToken, url: url, parameters: parameters).utf8))
    }

    /// The generic relay's `X-Hotline-Signature: sha256=<hex>` over the raw body.
    public static func hmacSHA256Hex(secret: String, body: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.lowercase(mac)
    }

    public static func verifyHMACSHA256(header: String, secret: String, body: some DataProtocol) -> Bool {
        guard header.hasPrefix("sha256=") else { return false }
        let given = Array(header.dropFirst("sha256=".count).lowercased().utf8)
        return constantTimeEquals(given, Array(hmacSHA256Hex(secret: secret, body: body).utf8))
    }

    /// Compares without an early exit, so timing does not reveal how much of a guess was right.
    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    /// SHA-256 of an API key, hex. Keys are long random strings, so a fast hash is the right tool.
    public static func apiKeyHash(_ key: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(key.utf8)))
    }
}
