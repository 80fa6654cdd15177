import HotlinePrivacy

extension PIIKeyring {
    /// Reads `HOTLINE_PII_PSEUDONYM_KEY`, `HOTLINE_PII_ENCRYPTION_KEYS` and `HOTLINE_PII_ACTIVE_KEY_ID`.
    /// Development falls back to fixed development keys; production requires real ones.
    public static func fromEnvironment(_ reader: inout EnvironmentReader) -> PIIKeyring {
        let pseudonymKey = reader.secret("HOTLINE_PII_PSEUDONYM_KEY", developmentDefault: nil)
        let encryptionKeys = reader.secret("HOTLINE_PII_ENCRYPTION_KEYS", developmentDefault: nil)
        switch (pseudonymKey, encryptionKeys) {
        case (let pseudonymKey?, let encryptionKeys?):
            do {
                return try PIIKeyring(pseudonymKeyBase64: pseudonymKey, encryptionKeys: encryptionKeys,
                                      activeKeyID: reader.values["HOTLINE_PII_ACTIVE_KEY_ID"])
            } catch {
                reader.report("\(error)")
            }
        case (nil, nil):
            break
        default:
            reader.report("set both HOTLINE_PII_PSEUDONYM_KEY and HOTLINE_PII_ENCRYPTION_KEYS, or neither in development")
        }
        return .development
    }
}
