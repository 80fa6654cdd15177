import Crypto
import Foundation
import HotlineDomain

public struct PIIKeyError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The keys that protect phone numbers: one pseudonym key, and a ring of encryption keys of
/// which one seals new numbers while the others can still open old ciphertexts.
public struct PIIKeyring: Sendable {
    public let pseudonymKey: SymmetricKey
    public let encryptionKeys: [String: SymmetricKey]
    public let activeKeyID: String

    public init(pseudonymKey: SymmetricKey, encryptionKeys: [String: SymmetricKey], activeKeyID: String) throws {
        guard pseudonymKey.bitCount >= 256 else { throw PIIKeyError(description: "the pseudonym key must be at least 32 bytes") }
        guard let active = encryptionKeys[activeKeyID] else {
            throw PIIKeyError(description: "active encryption key \(activeKeyID) is not in the key ring")
        }
        guard active.bitCount == 256, encryptionKeys.values.allSatisfy({ $0.bitCount == 256 }) else {
            throw PIIKeyError(description: "encryption keys must be 32 bytes (AES-256)")
        }
        self.pseudonymKey = pseudonymKey
        self.encryptionKeys = encryptionKeys
        self.activeKeyID = activeKeyID
    }

    /// Parses `HOTLINE_PII_PSEUDONYM_KEY` (base64) and `HOTLINE_PII_ENCRYPTION_KEYS` (`id:base64,id:base64`).
    public init(pseudonymKeyBase64: String, encryptionKeys spec: String, activeKeyID: String?) throws {
        guard let pseudonym = Data(base64Encoded: pseudonymKeyBase64) else {
            throw PIIKeyError(description: "HOTLINE_PII_PSEUDONYM_KEY is not base64")
        }
        var keys: [String: SymmetricKey] = [:]
        var order: [String] = []
        for entry in spec.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let bytes = Data(base64Encoded: parts[1]) else {
                throw PIIKeyError(description: "HOTLINE_PII_ENCRYPTION_KEYS entries look like keyid:base64key")
            }
            keys[parts[0]] = SymmetricKey(data: bytes)
            order.append(parts[0])
        }
        guard let first = order.first else { throw PIIKeyError(description: "HOTLINE_PII_ENCRYPTION_KEYS is empty") }
        try self.init(pseudonymKey: SymmetricKey(data: pseudonym), encryptionKeys: keys, activeKeyID: activeKeyID ?? first)
    }

    /// Fixed keys for development and tests only; production mode refuses to start without real ones.
    public static let development: PIIKeyring = try! PIIKeyring(
        pseudonymKey: SymmetricKey(data: SHA256.hash(data: Data("hotline development pseudonym key".utf8))),
        encryptionKeys: ["dev1": SymmetricKey(data: SHA256.hash(data: Data("hotline development encryption key".utf8)))],
        activeKeyID: "dev1")
}

/// Pseudonymises and seals phone numbers. The only way a number is stored or travels.
public struct PIIProtector: Sendable {
    public let keyring: PIIKeyring
    /// The HMAC with the key already absorbed, copied for each number (the digest state is
    /// copy-on-write), so the padded key is not hashed again for every number.
    private let keyedPseudonymMAC: HMAC<SHA256>

    public init(keyring: PIIKeyring) {
        self.keyring = keyring
        self.keyedPseudonymMAC = HMAC<SHA256>(key: keyring.pseudonymKey)
    }

    public func pseudonym(of phone: PhoneNumber) -> String {
        var mac = keyedPseudonymMAC
        var e164 = phone.e164
        e164.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return Hex.lowercase(mac.finalize())
    }

    public func seal(_ phone: PhoneNumber) throws -> SealedPhone {
        let key = keyring.encryptionKeys[keyring.activeKeyID]!
        let box = try AES.GCM.seal(Data(phone.e164.utf8), using: key, authenticating: Data(keyring.activeKeyID.utf8))
        return SealedPhone(keyID: keyring.activeKeyID, ciphertext: box.combined!.base64EncodedString())
    }

    public func protect(_ phone: PhoneNumber) throws -> ProtectedPhone {
        ProtectedPhone(pseudonym: pseudonym(of: phone), sealed: try seal(phone))
    }

    /// Opens a sealed number, in memory, for the moment of sending.
    public func open(_ sealed: SealedPhone) throws -> String {
        guard let key = keyring.encryptionKeys[sealed.keyID] else {
            throw PIIKeyError(description: "unknown encryption key id \(sealed.keyID)")
        }
        guard let combined = Data(base64Encoded: sealed.ciphertext) else {
            throw PIIKeyError(description: "ciphertext is not base64")
        }
        let box = try AES.GCM.SealedBox(combined: combined)
        let plain = try AES.GCM.open(box, using: key, authenticating: Data(sealed.keyID.utf8))
        return String(decoding: plain, as: UTF8.self)
    }

    /// Re-seals under the active key: the step of a key rotation.
    public func reseal(_ sealed: SealedPhone) throws -> SealedPhone {
        guard sealed.keyID != keyring.activeKeyID else { return sealed }
        let key = keyring.encryptionKeys[keyring.activeKeyID]!
        let plain = try open(sealed)
        let box = try AES.GCM.seal(Data(plain.utf8), using: key, authenticating: Data(keyring.activeKeyID.utf8))
        return SealedPhone(keyID: keyring.activeKeyID, ciphertext: box.combined!.base64EncodedString())
    }
}
