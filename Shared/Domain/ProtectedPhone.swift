import Foundation

/// A phone number sealed with AES-GCM. The key id travels with it, so keys can be rotated.
public struct SealedPhone: Codable, Sendable, Hashable {
    public var keyID: String
    /// Base64 of nonce ‖ ciphertext ‖ tag.
    public var ciphertext: String

    public init(keyID: String, ciphertext: String) {
        self.keyID = keyID
        self.ciphertext = ciphertext
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case ciphertext
    }
}

/// How a reporter or responder appears outside the moment of sending an SMS.
public struct ProtectedPhone: Codable, Sendable, Hashable {
    /// Keyed HMAC-SHA256 of the E.164 number, hex: for joins, dedup and abuse limits.
    public var pseudonym: String
    public var sealed: SealedPhone

    public init(pseudonym: String, sealed: SealedPhone) {
        self.pseudonym = pseudonym
        self.sealed = sealed
    }
}
