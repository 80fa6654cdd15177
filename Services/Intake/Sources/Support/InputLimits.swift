import HotlineRuntime
import HTTPTypes
import Hummingbird

/// Limits every channel shares, found by the hostile corpus (Tests/IntakeTests/Hostile).
enum InputLimits {
    /// Gateway message ids, USSD session ids and Idempotency-Keys, in UTF-8 bytes: a character
    /// count lets one "character" of thousands of combining marks through, and an unbounded id
    /// ends in a unique index that refuses rows over about 2.7 kB (a 500, not a 400).
    static let maximumIDBytes = 200

    static func id(_ value: String, field: String) throws -> String {
        guard !value.isEmpty, value.utf8.count <= maximumIDBytes else {
            throw APIError.badRequest("bad_id", "\(field) must be 1 to \(maximumIDBytes) bytes")
        }
        return value
    }

    /// PostgreSQL text cannot hold U+0000: refuse it as a client mistake instead of failing on it.
    static func rejectNUL(_ values: String?..., field: String) throws {
        for value in values {
            if let value, value.utf8.contains(0) {
                throw APIError.badRequest("invalid_character", "\(field) must not contain NUL characters")
            }
        }
    }

    /// The one value of a header that carries a credential; repeated, it is ambiguous and refused.
    static func singleHeader(_ request: Request, _ name: String) -> String? {
        let values = request.headers[values: HTTPField.Name(name)!]
        return values.count == 1 ? values[0] : nil
    }
}
