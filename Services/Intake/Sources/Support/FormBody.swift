import Foundation
import HotlineRuntime
import Hummingbird

/// An `application/x-www-form-urlencoded` body kept as ordered pairs, as signature checks need.
struct FormBody: Sendable {
    let pairs: [(String, String)]

    /// Strict parsing: bad percent-escapes and invalid UTF-8 are refused, not repaired.
    init(bytes: [UInt8]) throws {
        var pairs: [(String, String)] = []
        for component in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = component.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(Array(parts[0]))
            let value = parts.count > 1 ? try Self.decode(Array(parts[1])) : ""
            guard !name.isEmpty else { throw APIError.badRequest("malformed_form", "form field without a name") }
            pairs.append((name, value))
        }
        self.pairs = pairs
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

    private static func decode(_ bytes: [UInt8]) throws -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else {
                    throw APIError.badRequest("malformed_form", "bad percent-escape in form body")
                }
                output.append(high << 4 | low)
                index += 3
            default:
                output.append(bytes[index])
                index += 1
            }
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw APIError.badRequest("invalid_utf8", "form body is not valid UTF-8")
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
