import Foundation
import HotlineDomain
import HotlineRuntime
import Hummingbird

/// An `application/x-www-form-urlencoded` body kept as ordered pairs, as signature checks need.
struct FormBody: Sendable {
    let pairs: [(String, String)]

    /// Strict parsing (``FormURLEncoded``): bad percent-escapes and invalid UTF-8 are refused, not repaired.
    init(bytes: [UInt8]) throws {
        do throws(FormURLEncoded.Failure) {
            pairs = try FormURLEncoded.parse(bytes).map { ($0.name, $0.value) }
        } catch {
            switch error {
            case .emptyName: throw APIError.badRequest("malformed_form", "form field without a name")
            case .badPercentEscape: throw APIError.badRequest("malformed_form", "bad percent-escape in form body")
            case .invalidUTF8: throw APIError.badRequest("invalid_utf8", "form body is not valid UTF-8")
            }
        }
        try Self.check(pairs)
    }

    /// Refuses what no field may hold, and a field repeated with different values (parameter
    /// pollution: a proxy and intake could each read a different one), read or not.
    private static func check(_ pairs: [(String, String)]) throws {
        var seen: [String: String] = [:]
        for (name, value) in pairs {
            try InputLimits.rejectNUL(name, value, field: "form field \(name.prefix(40))")
            if let earlier = seen.updateValue(value, forKey: name), earlier != value {
                throw APIError.badRequest("conflicting_parameter", "\(name.prefix(40)) appears more than once with different values")
            }
        }
    }

    static func read(_ request: Request, context: some RequestContext) async throws -> FormBody {
        try StrictBody.requireContentType(request, "application/x-www-form-urlencoded")
        let buffer = try await StrictBody.collect(request, context: context)
        return try FormBody(bytes: Array(buffer: buffer))
    }

    /// The field's value; a field repeated with different values is refused as ambiguous.
    func value(_ name: String) throws -> String? {
        let values = pairs.filter { $0.0 == name }.map(\.1)
        guard let first = values.first else { return nil }
        guard values.allSatisfy({ $0 == first }) else {
            throw APIError.badRequest("conflicting_parameter", "\(name) appears more than once with different values")
        }
        return first
    }

    func required(_ name: String) throws -> String {
        guard let value = try value(name), !value.isEmpty else {
            throw APIError.badRequest("missing_field", "\(name) is required")
        }
        return value
    }
}
